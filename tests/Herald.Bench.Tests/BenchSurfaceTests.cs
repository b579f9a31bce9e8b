namespace Herald.Bench.Tests;

/// <summary>What the bench reads from Herald's public surfaces: the --database text, /metrics, and the backlog's due times.</summary>
public sealed class BenchSurfaceTests
{
    [Fact]
    public void TheBench_ReferencesNeitherTheStorageNorTheEngineNorTheHost()
    {
        var references = typeof(BenchRunner).Assembly.GetReferencedAssemblies().Select(a => a.Name!).ToList();

        Assert.Contains("Herald.Core", references);
        Assert.DoesNotContain(references, name => name.StartsWith("Herald.Storage", StringComparison.Ordinal));
        Assert.DoesNotContain(references, name => name is "Herald.Engine" or "herald" or "Npgsql");
    }

    [Theory]
    [InlineData(null, false, "sqlite")]
    [InlineData("sqlite:/tmp/bench.db", false, "sqlite")]
    [InlineData("Host=localhost;Database=herald", true, "postgresql")]
    [InlineData("host=db;username=herald", true, "postgresql")]
    [InlineData("postgres://herald@db/herald", true, "postgresql")]
    [InlineData("POSTGRESQL://db", true, "postgresql")]
    public void Database_NamesItsBackend_AsHeraldDoes(string? database, bool postgres, string backend)
    {
        Assert.Equal(postgres, BenchDatabase.IsPostgres(database));
        Assert.Equal(backend, BenchDatabase.Backend(database));
    }

    [Theory]
    [InlineData("Host=db.local;Port=5433;Database=herald;Username=u;Password=secret", "db.local:5433/herald")]
    [InlineData("host = db ; user id = herald ; password = secret", "db:5432/herald")]
    [InlineData("Host=db", "db:5432/postgres")]
    [InlineData("postgres://u:secret@db:6543/bench?sslmode=require", "db:6543/bench")]
    [InlineData("postgresql://herald@[::1]/", "::1:5432/herald")]
    public void DescribePostgres_GivesHostPortAndDatabase_NeverThePassword(string text, string described)
    {
        var description = BenchDatabase.DescribePostgres(text);

        Assert.Equal(described, description);
        Assert.DoesNotContain("secret", description, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Host=;Database=herald", "names no host")]
    [InlineData("Database=herald;Host=", "names no host")]
    [InlineData("Host=db;secret", "every part must be keyword=value")]
    [InlineData("postgres://", "The PostgreSQL URL is malformed")]
    public void DescribePostgres_RefusesAConnectionStringWithoutAHost_WithoutRepeatingIt(string text, string message)
    {
        var error = Assert.Throws<FormatException>(() => BenchDatabase.DescribePostgres(text));

        Assert.Contains(message, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Metrics_ReadsAnUnlabelledSample_AndNotALongerNameOrALabelledOne()
    {
        const string text = """
            # HELP herald_queue_depth Deliveries pending or being sent.
            # TYPE herald_queue_depth gauge
            herald_queue_depth_max 9
            herald_queue_depth 1000042
            herald_deliveries_total{outcome="succeeded"} 17
            herald_db_queries_total 3.5e3

            """;

        Assert.Equal(1_000_042, MetricsText.Value(text, "herald_queue_depth"));
        Assert.Equal(3_500, MetricsText.Value(text, "herald_db_queries_total"));
        Assert.Null(MetricsText.Value(text, "herald_deliveries_total"));
        Assert.Null(MetricsText.Value(text, "herald_open_circuits"));
    }

    [Theory]
    [InlineData("2026-12-08T00:20:00Z")]
    [InlineData("2026-12-08T17:59:59.999Z")]
    [InlineData("2026-12-08T23:59:30Z")]
    public void Backlog_DefersEachEndpoint_ToAnIntervalEnding6To7HoursLater(string now)
    {
        var at = DateTimeOffset.Parse(now, System.Globalization.CultureInfo.InvariantCulture);

        var intervals = BacklogScenario.DeferralIntervals(200, at);

        Assert.Equal(200, intervals.Length);
        Assert.Equal(200, intervals.Distinct().Count());
        foreach (var interval in intervals)
        {
            Assert.True(interval <= TimeSpan.FromDays(1) && interval.Ticks % TimeSpan.TicksPerSecond == 0, $"{interval}");
            // The first due time Herald gives a deferred endpoint: the next multiple of its interval since the epoch.
            var step = (long)interval.TotalMilliseconds;
            var due = DateTimeOffset.FromUnixTimeMilliseconds((at.ToUnixTimeMilliseconds() + step - 1) / step * step);
            Assert.InRange(due - at, TimeSpan.FromHours(6), TimeSpan.FromHours(7));
        }
    }
}
