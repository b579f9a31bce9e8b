using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Herald.Webhooks.Tests;

/// <summary>The minimal API filters on real Kestrel (127.0.0.1, a free port), with requests signed here.</summary>
public sealed class WebhookSignatureFiltersTests : IAsyncLifetime
{
    private const string Secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    private const string UshahidiSecret = "ushahidi-secret";

    private WebApplication _app = null!;
    private HttpClient _client = null!;
    private readonly List<string> _handled = [];

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        _app = builder.Build();
        // Binds the body: buffering must be on before binding, or the filter finds it consumed.
        _app.MapPost("/observations", (Observation observation) =>
        {
            lock (_handled)
            {
                _handled.Add(observation.Uid);
            }
            return Results.Ok(new { observation.Uid, roots = observation.BuildTree().Count });
        }).RequireStandardWebhookSignature(Secret);
        // Reads the raw body itself: the filter must have rewound it.
        _app.MapPost("/raw", async (HttpRequest request) =>
        {
            using var reader = new StreamReader(request.Body);
            return Results.Text(await reader.ReadToEndAsync());
        }).RequireStandardWebhookSignature(Secret);
        _app.MapPost("/ushahidi", async (HttpRequest request) =>
        {
            using var reader = new StreamReader(request.Body);
            return Results.Text(await reader.ReadToEndAsync());
        }).RequireUshahidiSignature(UshahidiSecret, "https://public.example/ushahidi");
        await _app.StartAsync();
        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        _client = new HttpClient { BaseAddress = new Uri(address) };
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private static HttpRequestMessage Signed(string path, string body, string secret = Secret, DateTimeOffset? at = null)
    {
        var id = "msg_" + Guid.NewGuid().ToString("N");
        var timestamp = at ?? DateTimeOffset.UtcNow;
        var bytes = Encoding.UTF8.GetBytes(body);
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new ByteArrayContent(bytes) };
        request.Content.Headers.ContentType = new("application/json");
        request.Headers.Add("webhook-id", id);
        request.Headers.Add("webhook-timestamp", timestamp.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture));
        request.Headers.Add("webhook-signature", new StandardWebhooksVerifier(secret).Sign(id, timestamp, bytes));
        return request;
    }

    [Fact]
    public async Task SignedRequest_ReachesAHandlerThatBindsTheBody()
    {
        using var response = await _client.SendAsync(Signed("/observations", Herald.Tests.Seeds.SeedPayloads.CyberTrackerSmartMultiRecord));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("1da3eb5fb71c42c29ecd547324541589", json.RootElement.GetProperty("uid").GetString());
        Assert.Equal(1, json.RootElement.GetProperty("roots").GetInt32());
    }

    [Fact]
    public async Task SignedRequest_LeavesTheRawBodyReadableFromTheStart()
    {
        const string body = """{"type":"herald.ping",  "data": {"x": 1}}""";

        using var response = await _client.SendAsync(Signed("/raw", body));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(body, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task TamperedBody_IsAnswered401ProblemJson_WithTheReason_AndTheHandlerDoesNotRun()
    {
        var request = Signed("/observations", Herald.Tests.Seeds.SeedPayloads.CyberTrackerSingleRecord);
        var tampered = Herald.Tests.Seeds.SeedPayloads.CyberTrackerSingleRecord.Replace("Justin", "Mallory", StringComparison.Ordinal);
        request.Content = new StringContent(tampered, Encoding.UTF8, "application/json");

        using var response = await _client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(401, problem.RootElement.GetProperty("status").GetInt32());
        Assert.Equal("no signature matches", problem.RootElement.GetProperty("detail").GetString());
        lock (_handled)
        {
            Assert.Empty(_handled);
        }
    }

    [Fact]
    public async Task StaleOrUnsignedRequests_AreAnswered401_WithTheReason()
    {
        using var stale = await _client.SendAsync(Signed("/raw", "{}", at: DateTimeOffset.UtcNow.AddMinutes(-10)));
        using var unsigned = await _client.PostAsync("/raw", new StringContent("{}", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.Unauthorized, stale.StatusCode);
        Assert.Contains("timestamp too old", await stale.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, unsigned.StatusCode);
        Assert.Contains("missing webhook-id header", await unsigned.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ushahidi_AcceptsTheSignatureOfTheConfiguredUrl_AndRejectsAnother()
    {
        const string body = """{"id":1}""";
        var bytes = Encoding.UTF8.GetBytes(body);
        var signer = new UshahidiVerifier(UshahidiSecret);

        using var good = new HttpRequestMessage(HttpMethod.Post, "/ushahidi") { Content = new StringContent(body) };
        good.Headers.Add("X-Ushahidi-Signature", signer.Sign("https://public.example/ushahidi", bytes));
        using var bad = new HttpRequestMessage(HttpMethod.Post, "/ushahidi") { Content = new StringContent(body) };
        bad.Headers.Add("X-Ushahidi-Signature", signer.Sign(_client.BaseAddress + "ushahidi", bytes));

        using var accepted = await _client.SendAsync(good);
        using var refused = await _client.SendAsync(bad);

        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        Assert.Equal(body, await accepted.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
    }
}
