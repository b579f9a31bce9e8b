using System.Buffers;
using System.CommandLine;
using System.Text;
using System.Text.Json;
using Herald.Bench;
using Herald.Cli;

namespace Herald.Tests.Bench;

/// <summary>
/// Console output is process-wide: the test that captures it runs alone, after the parallel ones,
/// so no other test's server can write into what it reads.
/// </summary>
[CollectionDefinition(nameof(ConsoleCapture), DisableParallelization = true)]
public sealed class ConsoleCapture;

/// <summary>
/// <c>herald bench</c> end to end on a tiny size: the output's shape is the contract (DESIGN §9);
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
        var (exitCode, stdout, stderr) = await RunThroughCliAsync(["bench", "--events", "200", "--json"]);

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
        var machine = root.GetProperty("machine");
        Assert.Equal(Environment.ProcessorCount, machine.GetProperty("cores").GetInt32());
        Assert.False(string.IsNullOrEmpty(machine.GetProperty("os").GetString()));
    }

    [Fact]
    public async Task Bench_PrintsTableThenJson_AndFansOutToEveryEndpoint()
    {
        var (exitCode, stdout, stderr) = await RunAsync(["bench", "--events", "40", "--endpoints", "3", "--workers", "8"]);

        Assert.True(exitCode == 0, $"exit code {exitCode}; stderr: {stderr}");
        Assert.Contains("delivered/s", stdout, StringComparison.Ordinal);
        Assert.Contains("baseline naive/s", stdout, StringComparison.Ordinal);
        var jsonLines = stdout.Split('\n').Where(l => l.StartsWith('{')).ToList();
        using var json = JsonDocument.Parse(Assert.Single(jsonLines));
        Assert.Equal(40, json.RootElement.GetProperty("events").GetInt32());
        Assert.Equal(3, json.RootElement.GetProperty("endpoints").GetInt32());
        Assert.Equal(8, json.RootElement.GetProperty("workers").GetInt32());
    }

    [Theory]
    [InlineData("postgres://bench@localhost/herald")]
    [InlineData("Host=localhost;Database=herald")]
    [InlineData("mysql:whatever")]
    public async Task Bench_Exits1WithOneClearLine_WhenDatabaseIsNotSqlite(string database)
    {
        var (exitCode, stdout, stderr) = await RunAsync(["bench", "--events", "10", "--database", database]);

        Assert.Equal(1, exitCode);
        Assert.Equal("", stdout);
        Assert.StartsWith("herald bench: --database: this version of herald bench runs on SQLite only", stderr, StringComparison.Ordinal);
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
        Assert.Contains("--scenario must be all or one of: throughput", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bench_Exits1SayingHowFarItGot_WhenDeliveriesDoNotArriveInTime()
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var options = new BenchOptions { Events = 50, Json = true, DeliveryTimeout = TimeSpan.FromMilliseconds(1) };

        var exitCode = await new BenchRunner(options, stdout, stderr).RunAsync();

        Assert.Equal(1, exitCode);
        Assert.Equal("", stdout.ToString());
        Assert.StartsWith("herald bench: The receiver got ", stderr.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void ScenarioAll_SelectsEveryScenario()
    {
        Assert.Equal(BenchScenarios.All, BenchScenarios.Select("all"));
        Assert.Equal("throughput", Assert.Single(BenchScenarios.Select("throughput")).Name);
    }

    [Theory]
    [InlineData("""{"version":"1.0.0","type":"t","resource":{"n":7},"data":{"a":[1,{"n":5}],"n":123}}""", 123)]
    [InlineData("""{"n":42}""", 42)]
    [InlineData("""{"data":"n","n2":1}""", -1)]
    [InlineData("""{"data":{"warmup":true}}""", -1)]
    [InlineData("not json", -1)]
    public void Receiver_ReadsTheSequenceNumber_FromDataN(string body, int expected)
    {
        Assert.Equal(expected, BenchReceiver.SequenceOf(new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(body))));
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
