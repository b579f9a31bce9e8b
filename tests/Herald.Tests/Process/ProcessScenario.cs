using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;

namespace Herald.Tests.ProcessTests;

/// <summary>The API calls the process-level tests share: an endpoint, many publishes, delivery counts.</summary>
internal static class ProcessScenario
{
    /// <summary>Creates an endpoint posting to <paramref name="url"/> with the given retry schedule and no jitter; returns its id.</summary>
    public static async Task<string> CreateEndpointAsync(HttpClient client, string url, string[] schedule)
    {
        using var response = await client.PostJsonAsync("/v1/endpoints", new
        {
            name = "process-" + Guid.NewGuid().ToString("N")[..12],
            url,
            retry = new { schedule, jitter = 0 },
        });
        var endpoint = await response.ReadJsonAsync(HttpStatusCode.Created);
        return endpoint.Str("id");
    }

    /// <summary>
    /// Publishes events whose <c>data.n</c> runs from 0 to <paramref name="count"/> − 1, from
    /// <paramref name="parallelism"/> concurrent tasks; every publish must be answered 202.
    /// </summary>
    public static async Task PublishNumberedAsync(HttpClient client, int count, int parallelism)
    {
        var next = -1;
        var publishers = Enumerable.Range(0, parallelism).Select(_ => Task.Run(async () =>
        {
            int n;
            while ((n = Interlocked.Increment(ref next)) < count)
            {
                using var response = await client.PostJsonAsync("/v1/events", new { type = "process.numbered", data = new { n } });
                await response.ExpectStatusAsync(HttpStatusCode.Accepted);
            }
        }));
        await Task.WhenAll(publishers);
    }

    /// <summary>How many deliveries of <paramref name="endpointId"/> have <paramref name="status"/> (all pages).</summary>
    public static async Task<int> CountDeliveriesAsync(HttpClient client, string endpointId, string status)
    {
        var total = 0;
        string? cursor = null;
        do
        {
            var url = $"/v1/deliveries?endpoint_id={endpointId}&status={status}&limit=250" + (cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor));
            using var response = await client.GetAsync(url);
            var page = await response.ReadJsonAsync(HttpStatusCode.OK);
            total += page.At("data")!.AsArray().Count;
            cursor = page.At("next_cursor")?.GetValue<string>();
        }
        while (cursor is not null);
        return total;
    }

    /// <summary>Polls until no delivery of the endpoint is pending or being sent.</summary>
    public static async Task WaitUntilSettledAsync(HttpClient client, string endpointId, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var pending = await CountDeliveriesAsync(client, endpointId, "pending");
            var delivering = await CountDeliveriesAsync(client, endpointId, "delivering");
            if (pending == 0 && delivering == 0)
            {
                return;
            }
            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException($"Endpoint {endpointId} still had {pending} pending and {delivering} delivering deliveries after {timeout.TotalSeconds:0} s.");
            }
            await Task.Delay(100);
        }
    }

    /// <summary>The delivery's attempt log (GET /v1/deliveries/{id}).</summary>
    public static async Task<JsonArray> AttemptsAsync(HttpClient client, string deliveryId)
    {
        using var response = await client.GetAsync($"/v1/deliveries/{deliveryId}");
        var delivery = await response.ReadJsonAsync(HttpStatusCode.OK);
        return delivery.At("attempts")?.AsArray() ?? [];
    }

    public static DateTimeOffset StartedAt(JsonNode attempt) =>
        DateTimeOffset.Parse(attempt.Str("started_at"), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);

    /// <summary>The <c>data.n</c> of an envelope, or null for anything else.</summary>
    public static int? NumberOf(ReceivedRequest request)
    {
        try
        {
            return request.Json().At("data.n") is JsonValue value && value.TryGetValue<int>(out var n) ? n : null;
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }
}
