using System.Diagnostics;
using Microsoft.Data.Sqlite;

namespace Herald.Bench;

/// <summary>
/// <c>herald bench</c> (DESIGN §9): one receiver, the baselines measured against it, then each
/// selected scenario; a table (unless <c>--json</c>) and one JSON line per scenario on
/// <paramref name="stdout"/>, progress and errors on <paramref name="stderr"/>. Everything runs in
/// this process, in a temporary directory deleted afterwards.
/// </summary>
public sealed class BenchRunner(BenchOptions options, TextWriter stdout, TextWriter stderr)
{
    public async Task<int> RunAsync(CancellationToken cancellationToken = default)
    {
        DirectoryInfo? work = null;
        try
        {
            var scenarios = Validate();
            work = Directory.CreateTempSubdirectory("herald-bench-");
            await using var receiver = await BenchReceiver.StartAsync();
            Say($"bench: receiver on {receiver.BaseUrl}; warming up and measuring the baselines ({options.Events:N0} plain POSTs, {Math.Min(options.Events, options.NaiveCap):N0} naive durable sends)");
            await Baselines.HttpAsync(receiver, Math.Min(options.Events, 1_000), options.Workers, cancellationToken);
            var baselines = await Baselines.MeasureAsync(receiver, options, work.FullName, cancellationToken);

            var results = new List<BenchResult>();
            foreach (var scenario in scenarios)
            {
                var dir = Directory.CreateDirectory(Path.Combine(work.FullName, scenario.Name)).FullName;
                Say($"bench: {scenario.Name}: {options.Events:N0} events × {options.Endpoints} endpoint(s), {options.Workers} workers");
                var startedAt = DateTimeOffset.UtcNow;
                var measurement = await scenario.RunAsync(new ScenarioContext(options, receiver, dir, stderr), cancellationToken);
                results.Add(new BenchResult(scenario.Name, options, measurement, baselines, PeakRssMb(), startedAt));
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
        ValidateDatabase(options.Database);
        return BenchScenarios.Select(options.Scenario);
    }

    /// <summary>Only SQLite for now, and only a database the run can fill from empty.</summary>
    private static void ValidateDatabase(string? database)
    {
        if (string.IsNullOrWhiteSpace(database))
        {
            return;
        }
        const string prefix = "sqlite:";
        if (!database.StartsWith(prefix, StringComparison.OrdinalIgnoreCase) || database.Length == prefix.Length)
        {
            throw new BenchException(
                $"--database: this version of herald bench runs on SQLite only; leave it out (a temporary SQLite file) or give sqlite:PATH for a new file (got '{(database.Length > 40 ? database[..40] + "…" : database)}').");
        }
        var path = Path.GetFullPath(database[prefix.Length..]);
        if (File.Exists(path))
        {
            throw new BenchException($"--database {database}: {path} already exists; the bench needs a new, empty database.");
        }
    }

    private static double PeakRssMb()
    {
        using var self = Process.GetCurrentProcess();
        return self.PeakWorkingSet64 / (1024.0 * 1024.0);
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
