using System.Diagnostics;
using Microsoft.Data.Sqlite;

namespace Herald.Bench;

/// <summary>
/// <c>herald bench</c> (docs/benchmarks.md): one receiver, the baselines measured against it, then each
/// selected scenario; a table (unless <c>--json</c>) and one JSON line per scenario on
/// <paramref name="stdout"/>, progress and errors on <paramref name="stderr"/>. Everything runs in
/// this process, in a temporary directory deleted afterwards.
/// </summary>
public sealed class BenchRunner(BenchHost host, BenchOptions options, TextWriter stdout, TextWriter stderr)
{
    public async Task<int> RunAsync(CancellationToken cancellationToken = default)
    {
        DirectoryInfo? work = null;
        try
        {
            var scenarios = Validate();
            var topology = BenchTopology.For(options.Processes);
            var progressMode = Progress.ModeFor(stderr, options.Json);
            // One key for every Herald of the run; HERALD_SECRET_KEY, when set, lets a later run reuse a PostgreSQL database.
            var secretKey = Environment.GetEnvironmentVariable("HERALD_SECRET_KEY") is { Length: > 0 } configured
                ? configured
                : Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
            work = Directory.CreateTempSubdirectory("herald-bench-");
            await using var receiver = await BenchReceiver.StartAsync();
            Say($"bench: receiver on {receiver.BaseUrl}; warming up and measuring the baselines ({options.Events:N0} plain POSTs, {Math.Min(options.Events, options.NaiveCap):N0} naive durable sends)");
            await Baselines.HttpAsync(receiver, Math.Min(options.Events, 1_000), options.Workers, cancellationToken);
            // Measured once, before the scenarios: every scenario of the run is compared with the same figures.
            var baselines = await Baselines.MeasureAsync(receiver, options, work.FullName, cancellationToken);

            var results = new List<BenchResult>();
            foreach (var scenario in scenarios)
            {
                var dir = Directory.CreateDirectory(Path.Combine(work.FullName, scenario.Name)).FullName;
                Say($"bench: {scenario.Name}: {scenario.Description}");
                var startedAt = DateTimeOffset.UtcNow;
                var peakIsScenarios = PeakRss.Reset();
                var measurement = await scenario.RunAsync(new ScenarioContext(options, receiver, dir, topology, secretKey, stderr, progressMode, host), cancellationToken);
                results.Add(new BenchResult(scenario.Name, options, measurement, baselines, PeakRss.Megabytes(), peakIsScenarios, startedAt) { HeraldVersion = host.HeraldVersion });
                // Each scenario starts on a clean heap, so one scenario's garbage is not charged to the next one's RSS.
                GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
                GC.WaitForPendingFinalizers();
            }

            if (!options.Json)
            {
                await stdout.WriteLineAsync(BenchReport.Table(results));
            }
            foreach (var result in results)
            {
                await stdout.WriteLineAsync(BenchReport.JsonLine(result));
            }
            await stdout.FlushAsync(cancellationToken);
            return 0;
        }
        catch (BenchException e)
        {
            return await FailAsync(e.Message);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return await FailAsync("cancelled.");
        }
        catch (Exception e) when (e is HttpRequestException or SqliteException or IOException or UnauthorizedAccessException)
        {
            return await FailAsync(e.Message);
        }
        finally
        {
            if (work is not null)
            {
                DeleteQuietly(work);
            }
        }
    }

    private IReadOnlyList<BenchScenario> Validate()
    {
        if (options.Events < 1)
        {
            throw new BenchException($"--events must be at least 1 (got {options.Events}).");
        }
        if (options.Endpoints < 1)
        {
            throw new BenchException($"--endpoints must be at least 1 (got {options.Endpoints}).");
        }
        if ((long)options.Events * options.Endpoints > 50_000_000)
        {
            throw new BenchException("--events × --endpoints must be at most 50,000,000 deliveries.");
        }
        if (options.Workers is < 1 or > 4096)
        {
            throw new BenchException($"--workers must be between 1 and 4096 (got {options.Workers}).");
        }
        if (options.Publishers is < 1 or > 1024)
        {
            throw new BenchException($"--publishers must be between 1 and 1024 (got {options.Publishers}).");
        }
        if (options.FanoutEndpoints is < 1 or > 10_000)
        {
            throw new BenchException($"--fanout-endpoints must be between 1 and 10,000, the endpoints an organization may have (got {options.FanoutEndpoints}).");
        }
        if (options.FanoutEvents is < 1 or > 10_000)
        {
            throw new BenchException($"--fanout-events must be between 1 and 10,000 (got {options.FanoutEvents}).");
        }
        if (options.Rate is < 1 or > 100_000)
        {
            throw new BenchException($"--rate must be between 1 and 100,000 events a second (got {options.Rate}).");
        }
        if (options.Duration <= TimeSpan.Zero || options.Duration > TimeSpan.FromHours(1) || options.Rate * options.Duration.TotalSeconds > 10_000_000)
        {
            throw new BenchException($"--duration must be more than 0 and at most 1h, and --rate × --duration at most 10,000,000 events (got {Core.Durations.Format(options.Duration)}).");
        }
        if (options.Backlog is < 1 or > 50_000_000)
        {
            throw new BenchException($"--backlog must be between 1 and 50,000,000 (got {options.Backlog}).");
        }
        ValidateDatabase(options.Database);
        if (options.Processes is < 1 or > 8)
        {
            throw new BenchException($"--processes must be between 1 and 8 (got {options.Processes}).");
        }
        if (options.Processes > 1 && !BenchDatabase.IsPostgres(options.Database))
        {
            throw new BenchException("--processes above 1 needs a PostgreSQL --database that the processes share (a SQLite database belongs to one process).");
        }
        return BenchScenarios.Select(options.Scenario);
    }

    /// <summary>A new SQLite file, or a PostgreSQL database (each scenario works in an organization of its own there).</summary>
    private static void ValidateDatabase(string? database)
    {
        if (string.IsNullOrWhiteSpace(database))
        {
            return;
        }
        if (BenchDatabase.IsPostgres(database))
        {
            try
            {
                BenchDatabase.DescribePostgres(database);
            }
            catch (FormatException e)
            {
                // Not described: a connection string that does not parse has no host to name.
                throw new BenchException($"--database: {e.Message}");
            }
            return;
        }
        const string prefix = "sqlite:";
        if (!database.StartsWith(prefix, StringComparison.OrdinalIgnoreCase) || database.Length == prefix.Length)
        {
            throw new BenchException(
                $"--database: leave it out (a temporary SQLite file), or give sqlite:PATH for a new file, or a PostgreSQL connection string (Host=…;Database=… or postgres://…) (got '{(database.Length > 40 ? database[..40] + "…" : database)}').");
        }
        var path = Path.GetFullPath(database[prefix.Length..]);
        if (File.Exists(path))
        {
            throw new BenchException($"--database {database}: {path} already exists; the bench needs a new, empty database.");
        }
    }

    private void Say(string line)
    {
        if (!options.Json)
        {
            stderr.WriteLine(line);
        }
    }

    private async Task<int> FailAsync(string message)
    {
        await stderr.WriteLineAsync("herald bench: " + message);
        return 1;
    }

    private static void DeleteQuietly(DirectoryInfo dir)
    {
        try
        {
            dir.Delete(recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A temp dir left behind is not worth failing a finished run for.
        }
    }
}

/// <summary>
/// Peak resident memory of this process. On Linux the peak can be reset (writing 5 to
/// /proc/self/clear_refs resets VmHWM), so each scenario reports its own; elsewhere the figure is
/// the process's peak since it started.
/// </summary>
internal static class PeakRss
{
    public static bool Reset()
    {
        if (!OperatingSystem.IsLinux())
        {
            return false;
        }
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    public static double Megabytes()
    {
        using var self = Process.GetCurrentProcess();
        return self.PeakWorkingSet64 / (1024.0 * 1024.0);
    }
}
