using System.Globalization;
using System.Text;

namespace Herald.Engine.Telemetry;

/// <summary>
/// Aggregate counters for <c>/metrics</c> in Prometheus text format. No organization, endpoint or URL
/// labels: the page is public, and per-tenant labels would leak who the tenants talk to.
/// </summary>
public sealed class HeraldMetrics
{
    private static readonly double[] LatencyBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
    private readonly long[] _latencyCounts = new long[LatencyBuckets.Length + 1];
    private long _latencySumMicros;
    private long _eventsAccepted;
    private long _deliveriesCreated;
    private long _succeeded;
    private long _failed;
    private long _retried;
    private long _attemptsOk;
    private long _attemptsError;

    public void EventAccepted(int deliveries)
    {
        Interlocked.Increment(ref _eventsAccepted);
        Interlocked.Add(ref _deliveriesCreated, deliveries);
    }

    public void AttemptFinished(TimeSpan duration, bool acknowledged)
    {
        var seconds = duration.TotalSeconds;
        var bucket = 0;
        while (bucket < LatencyBuckets.Length && seconds > LatencyBuckets[bucket])
        {
            bucket++;
        }
        Interlocked.Increment(ref _latencyCounts[bucket]);
        Interlocked.Add(ref _latencySumMicros, (long)(duration.TotalMilliseconds * 1000));
        Interlocked.Increment(ref acknowledged ? ref _attemptsOk : ref _attemptsError);
    }

    public void DeliveryOutcome(Core.Model.DeliveryStatus status)
    {
        switch (status)
        {
            case Core.Model.DeliveryStatus.Succeeded: Interlocked.Increment(ref _succeeded); break;
            case Core.Model.DeliveryStatus.Failed: Interlocked.Increment(ref _failed); break;
            case Core.Model.DeliveryStatus.Pending: Interlocked.Increment(ref _retried); break;
        }
    }

    public string Render(long queueDepth, long openCircuits, long databaseRoundTrips)
    {
        var s = new StringBuilder();
        Counter(s, "herald_events_accepted_total", "Events accepted (202) by the publish API.", Interlocked.Read(ref _eventsAccepted));
        Counter(s, "herald_deliveries_created_total", "Deliveries created by fan-out.", Interlocked.Read(ref _deliveriesCreated));
        s.Append("# HELP herald_deliveries_total Delivery attempts' effect on their delivery, by outcome.\n# TYPE herald_deliveries_total counter\n");
        s.Append("herald_deliveries_total{outcome=\"succeeded\"} ").Append(Interlocked.Read(ref _succeeded)).Append('\n');
        s.Append("herald_deliveries_total{outcome=\"failed\"} ").Append(Interlocked.Read(ref _failed)).Append('\n');
        s.Append("herald_deliveries_total{outcome=\"retry_scheduled\"} ").Append(Interlocked.Read(ref _retried)).Append('\n');
        s.Append("# HELP herald_attempts_total HTTP attempts by result.\n# TYPE herald_attempts_total counter\n");
        s.Append("herald_attempts_total{result=\"acknowledged\"} ").Append(Interlocked.Read(ref _attemptsOk)).Append('\n');
        s.Append("herald_attempts_total{result=\"error\"} ").Append(Interlocked.Read(ref _attemptsError)).Append('\n');
        s.Append("# HELP herald_attempt_duration_seconds Time from sending a request to its response or failure.\n# TYPE herald_attempt_duration_seconds histogram\n");
        long cumulative = 0;
        for (var i = 0; i < LatencyBuckets.Length; i++)
        {
            cumulative += Interlocked.Read(ref _latencyCounts[i]);
            s.Append("herald_attempt_duration_seconds_bucket{le=\"").Append(LatencyBuckets[i].ToString(CultureInfo.InvariantCulture)).Append("\"} ").Append(cumulative).Append('\n');
        }
        cumulative += Interlocked.Read(ref _latencyCounts[^1]);
        s.Append("herald_attempt_duration_seconds_bucket{le=\"+Inf\"} ").Append(cumulative).Append('\n');
        s.Append("herald_attempt_duration_seconds_sum ").Append((Interlocked.Read(ref _latencySumMicros) / 1e6).ToString(CultureInfo.InvariantCulture)).Append('\n');
        s.Append("herald_attempt_duration_seconds_count ").Append(cumulative).Append('\n');
        s.Append("# HELP herald_queue_depth Deliveries pending or being sent.\n# TYPE herald_queue_depth gauge\n");
        s.Append("herald_queue_depth ").Append(queueDepth).Append('\n');
        s.Append("# HELP herald_open_circuits Endpoints whose circuit breaker is open (paused, probing).\n# TYPE herald_open_circuits gauge\n");
        s.Append("herald_open_circuits ").Append(openCircuits).Append('\n');
        Counter(s, "herald_db_queries_total", "Database reads and write jobs (an idle server makes about one a second).", databaseRoundTrips);
        return s.ToString();
    }

    private static void Counter(StringBuilder s, string name, string help, long value) =>
        s.Append("# HELP ").Append(name).Append(' ').Append(help).Append("\n# TYPE ").Append(name).Append(" counter\n").Append(name).Append(' ').Append(value).Append('\n');
}
