using System.CommandLine;
using System.Text.Json;
using Herald.Bench;
using Herald.Cli;
using Herald.Tests.Infrastructure;

namespace Herald.Tests.Bench;

/// <summary>
/// Console output is process-wide: the test that captures it runs alone, after the parallel ones,
/// so no other test's server can write into what it reads.
/// </summary>
[CollectionDefinition(nameof(ConsoleCapture), DisableParallelization = true)]
public sealed class ConsoleCapture;

/// <summary>
/// <c>herald bench</c> end to end on a tiny size: the output's shape is the contract (docs/benchmarks.md, "Output");
/// the figures themselves depend on the machine and are not asserted.
/// </summary>
[Collection(nameof(ConsoleCapture))]
public sealed class BenchCommandTests
{
    private static readonly string[] NumberFields =
    [
        "events", "endpoints", "workers", "accepted_per_s", "delivered_per_s", "publish_p50_ms", "publish_p99_ms",
        "e2e_p50_ms", "e2e_p99_ms", "peak_rss_mb", "baseline_http_per_s", "baseline_naive_per_s",
    ];

    [Fact]
    public async Task Bench_PrintsOnlyOneJsonLineWithEveryField_WhenRunWithJson()
    {
        var (exitCode, stdout, stderr) = await RunThroughCliAsync(["bench", "--scenario", "throughput", "--events", "200", "--json"]);

        Assert.True(exitCode == 0, $"exit code {exitCode}; stderr: {stderr}");
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var line = Assert.Single(lines);
        using var json = JsonDocument.Parse(line);
        var root = json.RootElement;
        Assert.Equal("throughput", root.GetProperty("scenario").GetString());
        Assert.Equal("sqlite", root.GetProperty("backend").GetString());
        Assert.Equal(200, root.GetProperty("events").GetInt32());
        Assert.Equal(1, root.GetProperty("endpoints").GetInt32());
        Assert.Equal(64, root.GetProperty("workers").GetInt32());
        foreach (var field in NumberFields)
        {
            Assert.True(root.TryGetProperty(field, out var value), $"missing {field} in {line}");
            Assert.Equal(JsonValueKind.Number, value.ValueKind);
            Assert.True(value.GetDouble() > 0, $"{field} is {value.GetDouble()} in {line}");
        }
        Assert.Equal(200, root.GetProperty("delivered").GetInt64());
        var machine = root.GetProperty("machine");
        Assert.Equal(Environment.ProcessorCount, machine.GetProperty("cores").GetInt32());
        Assert.False(string.IsNullOrEmpty(machine.GetProperty("os").GetString()));
        // With --json, standard error carries no progress.
        Assert.Equal("", stderr);
    }

    [Fact]
    public async Task Bench_RunsEveryScenarioOnATinySize_EachDeliveringEverythingAndPrintingEveryField()
    {
        var (exitCode, stdout, stderr) = await RunAsync([
            "bench", "--events", "60", "--workers", "16", "--fanout-endpoints", "20", "--fanout-events", "2",
            "--rate", "100", "--duration", "1s", "--backlog", "500", "--json"]);

        Assert.True(exitCode == 0, $"exit code {exitCode}; stderr: {stderr}");
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();
        Assert.Equal(["throughput", "throughput-10", "fanout", "latency", "backlog", "noisy-neighbour"], lines.Select(l => l.GetProperty("scenario").GetString()));
        // (events, endpoints) each scenario ran: every delivery of each reached the receiver, once.
        (int Events, int Endpoints)[] sizes = [(60, 1), (60, 10), (2, 20), (100, 1), (60, 1), (100, 1)];
        for (var i = 0; i < lines.Count; i++)
        {
            var line = lines[i];
            var scenario = line.GetProperty("scenario").GetString();
            Assert.Equal(sizes[i].Events, line.GetProperty("events").GetInt32());
            Assert.Equal(sizes[i].Endpoints, line.GetProperty("endpoints").GetInt32());
            Assert.Equal((long)sizes[i].Events * sizes[i].Endpoints, line.GetProperty("deliveries").GetInt64());
            Assert.True(line.GetProperty("delivered").GetInt64() == line.GetProperty("deliveries").GetInt64(), $"{scenario}: {line}");
            Assert.Equal("sqlite", line.GetProperty("backend").GetString());
            Assert.Equal("in-process", line.GetProperty("topology").GetString());
            Assert.Equal(1, line.GetProperty("processes").GetInt32());
            foreach (var field in NumberFields.Concat(["ratio_http", "ratio_naive", "cpu_ms_per_delivery"]))
            {
                Assert.True(line.TryGetProperty(field, out var value), $"{scenario}: missing {field}");
                Assert.Equal(JsonValueKind.Number, value.ValueKind);
                Assert.True(value.GetDouble() > 0, $"{scenario}: {field} is {value.GetDouble()}");
            }
            // The baselines are measured once and shared by every scenario of the run.
            Assert.Equal(lines[0].GetProperty("baseline_http_per_s").GetDouble(), line.GetProperty("baseline_http_per_s").GetDouble());
            Assert.Equal(lines[0].GetProperty("baseline_naive_per_s").GetDouble(), line.GetProperty("baseline_naive_per_s").GetDouble());
        }
        var fanout = lines[2];
        foreach (var field in new[] { "fanout_accept_p50_ms", "fanout_accept_max_ms", "fanout_all_delivered_p50_ms", "fanout_all_delivered_max_ms" })
        {
            Assert.True(fanout.GetProperty(field).GetDouble() > 0, $"fanout: {field}");
        }
        Assert.True(fanout.GetProperty("fanout_all_delivered_max_ms").GetDouble() >= fanout.GetProperty("fanout_all_delivered_p50_ms").GetDouble());
        var latency = lines[3];
        Assert.Equal(100, latency.GetProperty("rate_per_s").GetDouble());
        Assert.Equal(JsonValueKind.Number, latency.GetProperty("send_late_p99_ms").ValueKind);
        var backlog = lines[4];
        Assert.Equal(500, backlog.GetProperty("backlog").GetInt32());
        // The stored backlog is still pending after the second run: none of it was due, none was sent.
        Assert.True(backlog.GetProperty("backlog_pending_after").GetInt64() >= 500);
        Assert.True(backlog.GetProperty("delivered_per_s_without_backlog").GetDouble() > 0);
        Assert.Equal(JsonValueKind.Number, backlog.GetProperty("backlog_throughput_loss").ValueKind);
        var noisy = lines[5];
        foreach (var field in new[] { "quiet_e2e_p99_ms_alone", "quiet_e2e_p99_ms_noisy", "quiet_p99_ratio", "noisy_hanging_requests", "noisy_flood_published" })
        {
            Assert.True(noisy.GetProperty(field).GetDouble() > 0, $"noisy-neighbour: {field} in {noisy}");
        }
        Assert.Equal("", stderr);
    }

    [Fact]
    public async Task Bench_Exits1_WhenDurationIsNotADuration()
    {
        var (exitCode, stdout, stderr) = await RunAsync(["bench", "--scenario", "latency", "--duration", "10"]);

        Assert.Equal(1, exitCode);
        Assert.Equal("", stdout);
        Assert.StartsWith("herald bench: --duration must be a duration like 10s", stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--backlog", "0", "--backlog must be between 1")]
    [InlineData("--rate", "0", "--rate must be between 1")]
    [InlineData("--fanout-endpoints", "10001", "--fanout-endpoints must be between 1 and 10,000")]
    [InlineData("--fanout-events", "0", "--fanout-events must be between 1")]
    public async Task Bench_Exits1WithOneClearLine_WhenAScenarioSizeIsOutOfRange(string option, string value, string message)
    {
        var (exitCode, stdout, stderr) = await RunAsync(["bench", option, value]);

        Assert.Equal(1, exitCode);
        Assert.Equal("", stdout);
        Assert.StartsWith("herald bench: " + message, stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bench_PrintsTableThenJson_AndFansOutToEveryEndpoint()
    {
        var (exitCode, stdout, stderr) = await RunAsync(["bench", "--scenario", "throughput", "--events", "40", "--endpoints", "3", "--workers", "8"]);

        Assert.True(exitCode == 0, $"exit code {exitCode}; stderr: {stderr}");
        // Standard error is not a terminal here: progress comes as plain lines, ending with the total.
        Assert.Contains("throughput: 120/120 delivered", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain('\r', stderr);
        Assert.Contains("delivered/s", stdout, StringComparison.Ordinal);
        Assert.Contains("baseline naive/s", stdout, StringComparison.Ordinal);
        var jsonLines = stdout.Split('\n').Where(l => l.StartsWith('{')).ToList();
        using var json = JsonDocument.Parse(Assert.Single(jsonLines));
        Assert.Equal(40, json.RootElement.GetProperty("events").GetInt32());
        Assert.Equal(3, json.RootElement.GetProperty("endpoints").GetInt32());
        Assert.Equal(8, json.RootElement.GetProperty("workers").GetInt32());
    }

    [Theory]
    [InlineData("mysql:whatever")]
    [InlineData("sqlite:")]
    public async Task Bench_Exits1WithOneClearLine_WhenDatabaseIsNeitherSqliteNorPostgres(string database)
    {
        var (exitCode, stdout, stderr) = await RunAsync(["bench", "--events", "10", "--database", database]);

        Assert.Equal(1, exitCode);
        Assert.Equal("", stdout);
        Assert.StartsWith("herald bench: --database: leave it out (a temporary SQLite file), or give sqlite:PATH for a new file, or a PostgreSQL connection string", stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Host=;Database=herald;Password=secret", "herald bench: --database: The PostgreSQL connection string names no host")]
    [InlineData("postgres://", "herald bench: --database: The PostgreSQL URL is malformed")]
    public async Task Bench_Exits1WithOneClearLine_WhenAPostgresConnectionStringNamesNoHost(string database, string message)
    {
        var (exitCode, stdout, stderr) = await RunAsync(["bench", "--events", "10", "--database", database]);

        Assert.Equal(1, exitCode);
        Assert.Equal("", stdout);
        Assert.StartsWith(message, stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bench_RunsOnPostgres_EachScenarioInItsOwnOrganizationOfOneDatabase()
    {
        await using var database = await PostgresDatabase.CreateAsync();

        var (exitCode, stdout, stderr) = await RunAsync([
            "bench", "--scenario", "throughput,fanout,backlog", "--events", "40", "--workers", "16",
            "--fanout-endpoints", "10", "--fanout-events", "2", "--backlog", "300", "--database", database.ConnectionString, "--json"]);

        Assert.True(exitCode == 0, $"exit code {exitCode}; stderr: {stderr}");
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();
        Assert.Equal(["throughput", "fanout", "backlog"], lines.Select(l => l.GetProperty("scenario").GetString()));
        foreach (var line in lines)
        {
            Assert.Equal("postgresql", line.GetProperty("backend").GetString());
            // Endpoints of the scenarios before, in the same database, received nothing of this one's.
            Assert.Equal(line.GetProperty("deliveries").GetInt64(), line.GetProperty("delivered").GetInt64());
        }
        Assert.Equal(40, lines[0].GetProperty("deliveries").GetInt64());
        Assert.Equal(20, lines[1].GetProperty("deliveries").GetInt64());
        Assert.True(lines[2].GetProperty("backlog_pending_after").GetInt64() >= 300);
    }

    [Fact]
    public async Task Bench_RunsTwoServeProcessesOnOnePostgresDatabase_AndEveryDeliveryArrivesOnce()
    {
        await using var database = await PostgresDatabase.CreateAsync();

        var (exitCode, stdout, stderr) = await RunAsync([
            "bench", "--scenario", "throughput,fanout", "--events", "60", "--workers", "16", "--processes", "2",
            "--fanout-endpoints", "10", "--fanout-events", "2", "--database", database.ConnectionString, "--json"]);

        Assert.True(exitCode == 0, $"exit code {exitCode}; stderr: {stderr}");
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();
        Assert.Equal(["throughput", "fanout"], lines.Select(l => l.GetProperty("scenario").GetString()));
        foreach (var line in lines)
        {
            Assert.Equal("processes", line.GetProperty("topology").GetString());
            Assert.Equal(2, line.GetProperty("processes").GetInt32());
            Assert.Equal(line.GetProperty("deliveries").GetInt64(), line.GetProperty("delivered").GetInt64());
            Assert.True(line.GetProperty("cpu_ms_per_delivery").GetDouble() > 0);
        }
        Assert.Equal(60, lines[0].GetProperty("delivered").GetInt64());
    }

    [Fact]
    public async Task Bench_RefusesSeveralProcesses_OnSqlite()
    {
        var (exitCode, stdout, stderr) = await RunAsync(["bench", "--events", "10", "--processes", "2"]);

        Assert.Equal(1, exitCode);
        Assert.Equal("", stdout);
        Assert.Contains("--processes above 1 needs a PostgreSQL --database", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bench_Exits1_WhenSqliteFileAlreadyExists()
    {
        var path = Path.Combine(Path.GetTempPath(), $"herald-bench-test-{Guid.NewGuid():N}.db");
        await File.WriteAllTextAsync(path, "");
        try
        {
            var (exitCode, _, stderr) = await RunAsync(["bench", "--events", "10", "--database", "sqlite:" + path]);

            Assert.Equal(1, exitCode);
            Assert.Contains("already exists", stderr, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task Bench_Exits1NamingTheScenarios_WhenScenarioIsUnknown()
    {
        var (exitCode, _, stderr) = await RunAsync(["bench", "--events", "10", "--scenario", "nope"]);

        Assert.Equal(1, exitCode);
        Assert.Contains("--scenario must be all or one or more (comma-separated) of: throughput, throughput-10, fanout, latency, backlog, noisy-neighbour (got 'nope')", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bench_Exits1SayingHowFarItGot_WhenDeliveriesDoNotArriveInTime()
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var options = new BenchOptions { Scenario = "throughput", Events = 50, Json = true, DeliveryTimeout = TimeSpan.FromMilliseconds(1) };

        var exitCode = await new BenchRunner(BenchCommand.Host, options, stdout, stderr).RunAsync();

        Assert.Equal(1, exitCode);
        Assert.Equal("", stdout.ToString());
        Assert.StartsWith("herald bench: The receiver got ", stderr.ToString(), StringComparison.Ordinal);
    }

    /// <summary>Through the real entry point, with Console's writers swapped for the run and always restored.</summary>
    private static async Task<(int ExitCode, string Stdout, string Stderr)> RunThroughCliAsync(string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var (oldOut, oldError) = (Console.Out, Console.Error);
        Console.SetOut(stdout);
        Console.SetError(stderr);
        try
        {
            var exitCode = await HeraldCli.RunAsync(args);
            return (exitCode, stdout.ToString(), stderr.ToString());
        }
        finally
        {
            Console.SetOut(oldOut);
            Console.SetError(oldError);
        }
    }

    /// <summary>The bench command parsed as the CLI parses it, writing to the invocation's own writers.</summary>
    private static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var root = new RootCommand { BenchCommand.Create() };
        var exitCode = await root.Parse(args).InvokeAsync(new InvocationConfiguration { Output = stdout, Error = stderr });
        return (exitCode, stdout.ToString(), stderr.ToString());
    }
}
