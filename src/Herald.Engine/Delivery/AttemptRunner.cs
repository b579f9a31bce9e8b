using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Herald.Core;
using Herald.Core.Endpoints;
using Herald.Core.Model;
using Herald.Core.Policies;
using Herald.Core.Signing;
using Herald.Engine.Configuration;
using Herald.Engine.Delivery.Transports;
using Herald.Engine.Telemetry;
using Herald.Storage;
using Herald.Storage.Ports;
using Microsoft.Extensions.Logging;

namespace Herald.Engine.Delivery;

/// <summary>
/// Sends one attempt of a leased delivery and records what happened: the request as sent (secrets
/// masked), the response or the reason there was none, and the delivery's next state. The attempt
/// is prepared here and sent by the endpoint's transport (docs/adr/0007-delivery-transports.md).
/// </summary>
public sealed class AttemptRunner(
    IDeliveryQueue store,
    EndpointCatalog catalog,
    DeliveryTransports transports,
    HeraldMetrics metrics,
    HeraldOptions options,
    TimeProvider time,
    ILogger<AttemptRunner> logger)
{
    /// <summary>Consecutive failed requests that open an endpoint's circuit.</summary>
    public const int CircuitThreshold = 10;

    private readonly HealthPolicy healthPolicy = new(CircuitThreshold, options.CircuitProbeInterval, options.AutoDisableAfter);

    /// <summary>
    /// Runs the attempt and stores its outcome; returns the attempt as logged. <paramref name="onAnswered"/>
    /// is called once the receiver has answered (or the request failed), before the outcome is stored.
    /// </summary>
    public async Task<Attempt> RunAsync(ClaimedDelivery delivery, Endpoint endpoint, bool manual, CancellationToken cancellationToken, Action? onAnswered = null)
    {
        var attempts = await SendAsync(endpoint, [delivery], delivery.Id, manual, cancellationToken, onAnswered);
        return attempts[0];
    }

    /// <summary>
    /// Sends a deferred batch as one request (a JSON array of the payloads) under the batch id, and
    /// records the attempt on each of its deliveries; a failed batch is retried as a whole.
    /// </summary>
    public Task<IReadOnlyList<Attempt>> RunBatchAsync(Endpoint endpoint, IReadOnlyList<ClaimedDelivery> batch, CancellationToken cancellationToken) =>
        SendAsync(endpoint, batch, batch[0].BatchId ?? batch[0].Id, manual: false, cancellationToken, onAnswered: null);

    private async Task<IReadOnlyList<Attempt>> SendAsync(Endpoint endpoint, IReadOnlyList<ClaimedDelivery> deliveries, string messageId, bool manual, CancellationToken cancellationToken, Action? onAnswered)
    {
        var startedAt = time.GetUtcNow();
        var payload = await BuildBodyAsync(endpoint, deliveries, cancellationToken);
        var request = BuildRequest(messageId, endpoint, payload.Body, startedAt);
        // A body that cannot be built fails the attempt before anything is sent; the log shows why.
        var result = payload.Error is null
            ? await transports.SendAsync(endpoint, request, cancellationToken)
            : SendOutcome.NotSent(payload.Error);
        onAnswered?.Invoke();

        var loggedRequest = new AttemptRequest(request.Method, request.Url, MaskHeaders(request.Headers, endpoint.Spec));
        var response = result.Status is { } status ? new AttemptResponse(status, result.Headers, result.Body) : null;
        var error = result.Error;
        var now = time.GetUtcNow();
        // Members of a batch share one fate: the schedule of the batch is that of its most-tried member.
        var first = deliveries.MaxBy(d => d.ScheduledFailures)!;
        var decision = AttemptRules.Decide(
            result.Status, RetryAfter.Parse(result.RetryAfter, now), first.PreviousStatus, manual, first.DueAt,
            first.ScheduledFailures, endpoint.Spec.Retry, now, Random.Shared.NextDouble());

        var acknowledged = result.Status is >= 200 and < 300;
        var goneReason = decision.Gone ? $"The receiver answered 410 Gone at {Times.Format(now)}." : null;
        var health = new EndpointHealth(endpoint.OrgId, endpoint.Id, new RequestVerdict(acknowledged, goneReason), healthPolicy);
        // Any failure may be the one that disables the endpoint (410, or failing for the auto-disable
        // period). The store decides in the transaction and, only if it disables the endpoint, builds
        // the notice with the reason decided and stores it in that transaction.
        var orgEndpoints = acknowledged ? null : await catalog.ForOrgAsync(endpoint.OrgId);
        NewEvent? notice = null;
        Func<string, NewEvent>? disabledNotice = orgEndpoints is null ? null
            : reason => notice = OperationalEvents.EndpointDisabled(orgEndpoints, endpoint, reason, now);

        var attempts = new List<Attempt>(deliveries.Count);
        var completions = new List<Task<HealthChange>>(deliveries.Count);
        foreach (var delivery in deliveries)
        {
            var attempt = new Attempt(Ids.New(Ids.Attempt, startedAt), delivery.Id, Times.Truncate(startedAt),
                (int)Math.Round(result.Duration.TotalMilliseconds), loggedRequest, response, error);
            attempts.Add(attempt);
            // Final state writes do not take the shutdown token: a finished attempt is always recorded.
            completions.Add(store.CompleteAsync(new AttemptOutcome(attempt, decision.Status, decision.ScheduledFailures, decision.NextAttemptAt,
                delivery == first ? health : null, delivery == first ? disabledNotice : null)));
            metrics.DeliveryOutcome(decision.Status);
        }
        var change = (await Task.WhenAll(completions))[0];
        metrics.AttemptFinished(result.Duration, acknowledged);
        switch (change)
        {
            case HealthChange.Disabled:
                metrics.EventAccepted(notice?.Deliveries.Count ?? 0);
                EngineLog.EndpointDisabled(logger, endpoint.Id, goneReason is null ? "failing for the auto-disable period" : "410 Gone");
                break;
            case HealthChange.CircuitOpened:
                EngineLog.CircuitOpened(logger, endpoint.Id, healthPolicy.FailureThreshold);
                break;
            case HealthChange.CircuitClosed:
                EngineLog.CircuitClosed(logger, endpoint.Id);
                break;
        }
        return attempts;
    }

    /// <summary>One payload, or for a batch endpoint a JSON array of them (a single resend is an array of one).</summary>
    private static async ValueTask<PayloadResult> BuildBodyAsync(Endpoint endpoint, IReadOnlyList<ClaimedDelivery> deliveries, CancellationToken cancellationToken)
    {
        if (!Fanout.IsBatch(endpoint.Spec))
        {
            return await Payloads.BuildAsync(endpoint, deliveries[0].Event, deliveries[0].Id, deliveries[0].AttemptCount + 1, cancellationToken);
        }
        using var buffer = new MemoryStream();
        buffer.WriteByte((byte)'[');
        for (var i = 0; i < deliveries.Count; i++)
        {
            var item = await Payloads.BuildAsync(endpoint, deliveries[i].Event, deliveries[i].Id, deliveries[i].AttemptCount + 1, cancellationToken);
            if (item.Error is not null)
            {
                return new PayloadResult([], $"delivery {deliveries[i].Id}: {item.Error}");
            }
            if (i > 0)
            {
                buffer.WriteByte((byte)',');
            }
            buffer.Write(item.Body);
        }
        buffer.WriteByte((byte)']');
        return new PayloadResult(buffer.ToArray(), null);
    }

    /// <summary>The request for one message id (a delivery id, or a batch id): headers, signature, auth.</summary>
    public static PreparedAttempt BuildRequest(string messageId, Endpoint endpoint, byte[] body, DateTimeOffset startedAt)
    {
        var spec = endpoint.Spec;
        var headers = new List<KeyValuePair<string, string>>(8 + spec.Headers.Count)
        {
            new("Content-Type", "application/json"),
            new("Accept", "application/json"),
            new("User-Agent", HttpTransport.AgentHeader),
            // The delivery id is the message id: identical across retries so receivers can deduplicate.
            new("webhook-id", messageId),
        };
        if (spec.SignatureScheme == "standard" && endpoint.Secrets.Current is not null)
        {
            var timestamp = startedAt.ToUnixTimeSeconds();
            headers.Add(new("webhook-timestamp", timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            headers.Add(new("webhook-signature", StandardWebhooks.SignatureHeader(SigningKeys(endpoint, startedAt), messageId, timestamp, body)));
        }
        else if (spec.SignatureScheme == "ushahidi" && endpoint.Secrets.Current is { } secret)
        {
            // Ushahidi signs the URL exactly as configured followed by the body; one secret, no timestamp.
            headers.Add(new(spec.SignatureHeader ?? UshahidiSignature.DefaultHeader, UshahidiSignature.Sign(secret, spec.Url, body)));
        }
        foreach (var header in spec.Headers)
        {
            headers.Add(new(header.Name, header.Value));
        }
        if (spec.Auth is { Type: "basic", Username: { } user, Password: { } password })
        {
            headers.Add(new("Authorization", "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(user + ":" + password))));
        }
        return new PreparedAttempt(spec.Method, spec.Url, headers, body, spec.Timeout);
    }

    /// <summary>The current key, and the previous one while its rotation overlap lasts.</summary>
    private static IEnumerable<byte[]> SigningKeys(Endpoint endpoint, DateTimeOffset now)
    {
        if (StandardWebhooks.TryParseSecret(endpoint.Secrets.Current, out var key, out _))
        {
            yield return key;
        }
        if (endpoint.Secrets.PreviousUntil is { } until && until > now && StandardWebhooks.TryParseSecret(endpoint.Secrets.Previous, out var previous, out _))
        {
            yield return previous;
        }
    }

    private static Dictionary<string, string> MaskHeaders(IReadOnlyList<KeyValuePair<string, string>> headers, EndpointSpec spec)
    {
        var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in headers)
        {
            var shown = value;
            if (name.Equals("Authorization", StringComparison.OrdinalIgnoreCase))
            {
                // Always masked, keeping the scheme so the log still says what was sent.
                var space = value.IndexOf(' ');
                shown = space > 0 ? value[..(space + 1)] + EndpointSpecParser.Mask : EndpointSpecParser.Mask;
            }
            else if (spec.Headers.Any(h => h.Sensitive && h.Name.Equals(name, StringComparison.OrdinalIgnoreCase)))
            {
                shown = EndpointSpecParser.Mask;
            }
            result[name] = result.TryGetValue(name, out var existing) ? existing + ", " + shown : shown;
        }
        return result;
    }
}
