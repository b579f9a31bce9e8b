using System.Text;
using System.Text.Json.Nodes;
using Herald.Tests.Fuzz;

namespace Herald.Tests.Security;

/// <summary>
/// Requests whose framing or form breaks while Herald reads them — a chunk size no number holds, a
/// chunk without its CRLF, a form past 1,024 fields, a body that stops arriving — are the client's mistake: a problem+json 4xx
/// that says why, never a 500, and no error line or stack trace in the log of the real executable.
/// </summary>
public sealed class ClientErrorTests
{
    private static readonly (string Name, string Body)[] BrokenChunks =
    [
        ("overflowing chunk size", "FFFFFFFFFFFFFFFFFFFF\r\n{}\r\n0\r\n\r\n"),
        ("chunk size that is no hex number", "zz\r\n{}\r\n0\r\n\r\n"),
        ("negative chunk size", "-1\r\n{}\r\n0\r\n\r\n"),
        ("chunk without its CRLF", "2\r\n{}XX0\r\n\r\n"),
        ("chunk shorter than its size", "9\r\n{}\r\n0\r\n\r\nXX"),
    ];

    [Fact]
    public async Task BrokenChunkedBodiesHugeFormsAndStalledBodies_Answer4xxProblemJson_AndLogNoErrorOrStackTrace()
    {
        await using var herald = await HeraldProcess.StartReadyAsync();
        var auth = ("Authorization", "Bearer " + herald.AdminKey);
        var json = ("Content-Type", "application/json");
        var form = ("Content-Type", "application/x-www-form-urlencoded");
        (string Method, string Path, (string, string)[] Headers)[] routes =
        [
            ("POST", "/v1/events", [auth, json]),
            ("POST", "/v1/endpoints", [auth, json]),
            ("POST", "/v1/keys", [auth, json]),
            ("POST", "/sign-in", [form]),
        ];
        var answers = new List<string>();
        foreach (var (method, path, headers) in routes)
        {
            foreach (var (name, body) in BrokenChunks)
            {
                var wire = (byte[])[.. RawHttp.ChunkedHead(herald.BaseUrl, method, path, headers), .. Encoding.ASCII.GetBytes(body)];
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));

                var response = await RawHttp.SendBytesAsync(herald.BaseUrl, wire, timeout.Token);

                var what = $"{method} {path} with a {name}: {response.Status} {response.ContentType} {response.BodyText}";
                answers.Add(what);
                Assert.True(response.Status == 400, what);
                AssertProblem(response, what);
            }
        }

        // 1,100 fields, past the form reader's limit of 1,024.
        var fields = string.Join("&", Enumerable.Range(0, 1100).Select(i => $"f{i}=v"));
        var bytes = Encoding.ASCII.GetBytes(fields);
        using (var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
        {
            var response = await RawHttp.SendAsync(herald.BaseUrl, "POST", "/sign-in", [form], bytes, chunked: false, cts.Token);
            var what = $"POST /sign-in with 1,100 fields: {response.Status} {response.ContentType} {response.BodyText}";
            Assert.True(response.Status == 400, what);
            AssertProblem(response, what);
            Assert.Contains("Form value count limit", response.BodyText, StringComparison.Ordinal);
        }

        // A body that stops arriving (slowloris): Kestrel's minimum data rate ends it after its 5 s grace period.
        var slow = (byte[])[.. Encoding.ASCII.GetBytes($"POST /v1/events HTTP/1.1\r\nHost: {herald.BaseUrl.Authority}\r\nConnection: close\r\n"
            + $"Authorization: Bearer {herald.AdminKey}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n"), .. "{\"type\":"u8];
        using (var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
        {
            var response = await RawHttp.SendBytesAsync(herald.BaseUrl, slow, cts.Token);
            var what = $"POST /v1/events with a body that stops: {response.Status} {response.ContentType} {response.BodyText}";
            Assert.True(response.Status == 408, what);
            AssertProblem(response, what);
        }

        // Requests Kestrel refuses before Herald runs get the same problem+json, with the status Kestrel chose.
        foreach (var (name, wire, status) in KestrelRejected(herald.BaseUrl.Authority, herald.AdminKey))
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            var response = await RawHttp.SendBytesAsync(herald.BaseUrl, Encoding.ASCII.GetBytes(wire), cts.Token);
            var what = $"{name}: {response.Status} {response.ContentType} {response.BodyText}";
            answers.Add(what);
            Assert.True(response.Status == status, what);
            AssertProblem(response, what);
        }

        // The connection still serves well-formed requests normally afterwards.
        using (var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
        {
            var response = await RawHttp.SendAsync(herald.BaseUrl, "GET", "/v1/events", [auth], null, chunked: false, cts.Token);
            Assert.Equal(200, response.Status);
        }

        Assert.Equal(0, await herald.StopAsync());
        var errors = herald.OutputLines.Where(l => l.StartsWith("fail:", StringComparison.Ordinal) || l.StartsWith("crit:", StringComparison.Ordinal)
            || l.TrimStart().StartsWith("at ", StringComparison.Ordinal)).ToList();
        Assert.True(errors.Count == 0, $"The log has error lines or stack traces for client mistakes:\n{string.Join('\n', errors.Take(20))}\n\nanswers:\n{string.Join('\n', answers)}");
    }

    private static IEnumerable<(string Name, string Wire, int Status)> KestrelRejected(string host, string key)
    {
        var auth = $"Authorization: Bearer {key}\r\n";
        yield return ("NUL (%00) in the path", $"GET /v1/events/%00 HTTP/1.1\r\nHost: {host}\r\n{auth}Connection: close\r\n\r\n", 400);
        yield return ("NUL (%00) in a dashboard path", $"GET /endpoints/%00 HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n", 400);
        yield return ("request line without a version", $"GET /v1/events\r\nHost: {host}\r\n\r\n", 505);
        yield return ("header line without a colon", $"GET /v1/events HTTP/1.1\r\nHost: {host}\r\nBroken header\r\n\r\n", 400);
        yield return ("Content-Length that is no number", $"POST /v1/events HTTP/1.1\r\nHost: {host}\r\n{auth}Content-Length: x\r\n\r\n", 400);
        yield return ("headers past the size limit", $"GET /v1/events HTTP/1.1\r\nHost: {host}\r\nX-Big: {new string('a', 40 * 1024)}\r\n\r\n", 431);
    }

    private static void AssertProblem(WireResponse response, string what)
    {
        Assert.True(response.ContentType?.StartsWith("application/problem+json", StringComparison.Ordinal) == true, what);
        var problem = JsonNode.Parse(response.Body)!;
        Assert.Equal(response.Status, problem["status"]!.GetValue<int>());
        Assert.False(string.IsNullOrWhiteSpace(problem["detail"]?.GetValue<string>()), what);
    }
}
