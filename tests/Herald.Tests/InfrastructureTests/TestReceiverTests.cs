using System.Net;
using System.Text;

namespace Herald.Tests.InfrastructureTests;

public class TestReceiverTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Receiver_AnswersOkByDefault_AndRecordsTheRequest()
    {
        await using var receiver = await TestReceiver.StartAsync();
        using var client = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Put, receiver.Url("/hooks/a?x=1&y=2"))
        {
            Content = new ByteArrayContent([0x7b, 0x7d, 0x0a, 0xff]),
        };
        request.Headers.Add("X-Repeated", ["one", "two"]);
        request.Headers.Add("webhook-id", "msg_1");
        var before = DateTimeOffset.UtcNow;

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("""{"status":200}""", await response.Content.ReadAsStringAsync());
        var got = Assert.Single(receiver.Requests);
        Assert.Equal(0, got.Index);
        Assert.Equal("PUT", got.Method);
        Assert.Equal("/hooks/a?x=1&y=2", got.PathAndQuery);
        Assert.Equal("/hooks/a", got.Path);
        Assert.Equal("one, two", got.Headers["x-repeated"]);
        Assert.Equal("msg_1", got.Header("Webhook-Id"));
        Assert.Equal(new byte[] { 0x7b, 0x7d, 0x0a, 0xff }, got.Body);
        Assert.InRange(got.ReceivedAt, before, DateTimeOffset.UtcNow);
        Assert.StartsWith("http://127.0.0.1:", receiver.BaseUrl.ToString(), StringComparison.Ordinal);
        Assert.Equal(new Uri(receiver.BaseUrl, "/hook").ToString(), receiver.Url());
    }

    [Fact]
    public async Task Receiver_UsesQueuedPlansInOrder_ThenTheResponder_ThenTheDefault()
    {
        await using var receiver = await TestReceiver.StartAsync();
        receiver.Enqueue(ResponsePlan.RetryAfter("7"), ResponsePlan.Redirect("https://elsewhere.example/"));
        receiver.Responder = (request, index) => index == 2 ? ResponsePlan.Status(410, "gone") : receiver.DefaultResponse;
        using var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });

        using var first = await client.PostAsync(receiver.Url(), new StringContent("1"));
        using var second = await client.PostAsync(receiver.Url(), new StringContent("2"));
        using var third = await client.PostAsync(receiver.Url(), new StringContent("3"));
        using var fourth = await client.PostAsync(receiver.Url(), new StringContent("4"));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, first.StatusCode);
        Assert.Equal("7", first.Headers.GetValues("Retry-After").Single());
        Assert.Equal(HttpStatusCode.Found, second.StatusCode);
        Assert.Equal(new Uri("https://elsewhere.example/"), second.Headers.Location);
        Assert.Equal(HttpStatusCode.Gone, third.StatusCode);
        Assert.Equal("gone", await third.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, fourth.StatusCode);
        Assert.Equal(["1", "2", "3", "4"], receiver.Requests.Select(r => r.BodyText));
    }

    [Fact]
    public async Task WaitForAsync_CompletesAsSoonAsTheCountArrives()
    {
        await using var receiver = await TestReceiver.StartAsync();
        using var client = new HttpClient();

        var waiting = receiver.WaitForAsync(5, Wait);
        Assert.False(waiting.IsCompleted);
        await Task.WhenAll(Enumerable.Range(0, 5).Select(i => client.PostAsync(receiver.Url(), new StringContent($"{i}"))));
        var got = await waiting;

        Assert.Equal(5, got.Count);
        Assert.Equal([0, 1, 2, 3, 4], got.Select(r => r.Index));
        Assert.Equal(["0", "1", "2", "3", "4"], got.Select(r => r.BodyText).Order());
    }

    [Fact]
    public async Task WaitForAsync_ReturnsAtOnce_WhenEnoughHaveArrived_AndCanFilter()
    {
        await using var receiver = await TestReceiver.StartAsync();
        using var client = new HttpClient();
        await client.PostAsync(receiver.Url("/a"), new StringContent("a"));
        await client.PostAsync(receiver.Url("/b"), new StringContent("b"));

        var all = await receiver.WaitForAsync(2, TimeSpan.Zero);
        var onlyB = await receiver.WaitForAsync("/b", 1, TimeSpan.Zero);

        Assert.Equal(2, all.Count);
        Assert.Equal("b", Assert.Single(onlyB).BodyText);
    }

    [Fact]
    public async Task WaitForAsync_TimesOut_SayingHowManyArrived()
    {
        await using var receiver = await TestReceiver.StartAsync();
        using var client = new HttpClient();
        await client.PostAsync(receiver.Url(), new StringContent("only one"));

        var error = await Assert.ThrowsAsync<TimeoutException>(() => receiver.WaitForAsync(3, TimeSpan.FromMilliseconds(200)));

        Assert.Contains("expected 3 request(s)", error.Message, StringComparison.Ordinal);
        Assert.Contains("but 1 arrived", error.Message, StringComparison.Ordinal);
        Assert.Contains("POST /hook", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HangingPlan_HoldsTheRequest_UntilTheSenderGivesUp()
    {
        await using var receiver = await TestReceiver.StartAsync();
        receiver.Enqueue(ResponsePlan.Hanging());
        using var client = new HttpClient { Timeout = TimeSpan.FromMilliseconds(300) };

        await Assert.ThrowsAsync<TaskCanceledException>(() => client.PostAsync(receiver.Url(), new StringContent("x")));

        Assert.Single(await receiver.WaitForAsync(1, Wait));
        using var next = await new HttpClient().PostAsync(receiver.Url(), new StringContent("y"));
        Assert.Equal(HttpStatusCode.OK, next.StatusCode);
    }

    [Fact]
    public async Task Dispose_ReleasesAHangingRequest()
    {
        var receiver = await TestReceiver.StartAsync();
        receiver.DefaultResponse = ResponsePlan.Hanging();
        using var client = new HttpClient();
        var pending = client.PostAsync(receiver.Url(), new StringContent("x"));
        await receiver.WaitForAsync(1, Wait);

        var disposing = receiver.DisposeAsync().AsTask();

        await disposing.WaitAsync(Wait);
        await Assert.ThrowsAnyAsync<HttpRequestException>(() => pending.WaitAsync(Wait));
    }

    [Fact]
    public async Task DelayedPlan_AnswersAfterTheDelay()
    {
        await using var receiver = await TestReceiver.StartAsync();
        receiver.Enqueue(ResponsePlan.Delayed(TimeSpan.FromMilliseconds(300), 201));
        using var client = new HttpClient();
        var started = System.Diagnostics.Stopwatch.StartNew();

        using var response = await client.PostAsync(receiver.Url(), new StringContent("x"));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.True(started.Elapsed >= TimeSpan.FromMilliseconds(250), $"answered after {started.Elapsed}");
    }

    [Fact]
    public async Task DroppedPlan_ClosesTheConnectionWithoutAResponse()
    {
        await using var receiver = await TestReceiver.StartAsync();
        receiver.Enqueue(ResponsePlan.Dropped());
        using var client = new HttpClient();

        await Assert.ThrowsAsync<HttpRequestException>(() => client.PostAsync(receiver.Url(), new StringContent("x")));
        Assert.Single(receiver.Requests);
    }

    [Fact]
    public async Task PostJsonAsync_SendsTheBodyVerbatim_AsUtf8Json()
    {
        await using var receiver = await TestReceiver.StartAsync();
        using var client = new HttpClient();

        using var response = await client.PostJsonAsync(receiver.Url(), new { event_types = new[] { "a.*" }, dataValue = "é<" });
        var body = await response.ReadJsonAsync(HttpStatusCode.OK);

        Assert.Equal(200, (int)body["status"]!);
        var got = Assert.Single(receiver.Requests);
        Assert.Equal("""{"event_types":["a.*"],"dataValue":"é<"}""", Encoding.UTF8.GetString(got.Body));
        Assert.Equal("application/json; charset=utf-8", got.Header("content-type"));
    }
}
