using System.CommandLine;
using Herald.Bench;
using Herald.Core;
using Herald.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace Herald.Cli;

/// <summary><c>herald bench</c>: the load benchmark (docs/benchmarks.md). Output goes to the invocation's writers, so tests can capture it.</summary>
public static class BenchCommand
{
    public static Command Create()
    {
        var defaults = new BenchOptions();
        var events = new Option<int>("--events") { Description = "Events each throughput run publishes", DefaultValueFactory = _ => defaults.Events };
        var endpoints = new Option<int>("--endpoints") { Description = "Endpoints each event of the throughput scenario fans out to", DefaultValueFactory = _ => defaults.Endpoints };
        var database = new Option<string?>("--database") { Description = "Default: a SQLite file in a temporary data dir per scenario; sqlite:PATH for a new file; or a PostgreSQL connection string (Host=…;Database=… or postgres://…)" };
        var scenario = new Option<string>("--scenario")
        {
            Description = $"Comma-separated scenarios: {string.Join(", ", BenchScenarios.All.Select(s => s.Name))}; or all",
            DefaultValueFactory = _ => defaults.Scenario,
        };
        var workers = new Option<int>("--workers") { Description = "Herald's concurrent deliveries; the baselines send with the same concurrency", DefaultValueFactory = _ => defaults.Workers };
        var publishers = new Option<int>("--publishers") { Description = "Concurrent publishing clients of the throughput runs", DefaultValueFactory = _ => defaults.Publishers };
        var fanoutEndpoints = new Option<int>("--fanout-endpoints") { Description = "Endpoints the fanout scenario's event goes to", DefaultValueFactory = _ => defaults.FanoutEndpoints };
        var fanoutEvents = new Option<int>("--fanout-events") { Description = "Events the fanout scenario publishes, one at a time", DefaultValueFactory = _ => defaults.FanoutEvents };
        var rate = new Option<int>("--rate") { Description = "Events per second the latency scenario publishes (open loop)", DefaultValueFactory = _ => defaults.Rate };
        var duration = new Option<string>("--duration") { Description = "How long the latency scenario publishes, like 10s", DefaultValueFactory = _ => Durations.Format(defaults.Duration) };
        var backlog = new Option<int>("--backlog") { Description = "Pending deliveries the backlog scenario stores", DefaultValueFactory = _ => defaults.Backlog };
        var processes = new Option<int>("--processes") { Description = "herald serve processes sharing the PostgreSQL --database (1: Herald runs inside the bench)", DefaultValueFactory = _ => defaults.Processes };
        var json = new Option<bool>("--json") { Description = "Print only the JSON lines, one per scenario" };

        var command = new Command("bench", "Start Herald and a local receiver in this process, run the load scenarios, and report throughput and latency against baselines measured in the same run.")
        {
            events, endpoints, database, processes, scenario, workers, publishers, fanoutEndpoints, fanoutEvents, rate, duration, backlog, json,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var invocation = parse.InvocationConfiguration;
            var durationText = parse.GetValue(duration) ?? "";
            if (!Durations.TryParse(durationText, out var latencyDuration))
            {
                await invocation.Error.WriteLineAsync($"herald bench: --duration must be a duration like 10s or 2m (got '{durationText}').");
                return 1;
            }
            var options = new BenchOptions
            {
                Events = parse.GetValue(events),
                Endpoints = parse.GetValue(endpoints),
                Database = parse.GetValue(database),
                Processes = parse.GetValue(processes),
                Scenario = parse.GetValue(scenario) ?? defaults.Scenario,
                Workers = parse.GetValue(workers),
                Publishers = parse.GetValue(publishers),
                FanoutEndpoints = parse.GetValue(fanoutEndpoints),
                FanoutEvents = parse.GetValue(fanoutEvents),
                Rate = parse.GetValue(rate),
                Duration = latencyDuration,
                Backlog = parse.GetValue(backlog),
                Json = parse.GetValue(json),
            };
            return await new BenchRunner(Host, options, invocation.Output, invocation.Error).RunAsync(cancellationToken);
        });
        return command;
    }

    /// <summary>What the benchmark gets from this executable: its version, its path, and an in-process Herald.</summary>
    public static BenchHost Host { get; } = new()
    {
        HeraldVersion = HeraldServer.Version,
        HeraldAssembly = typeof(BenchCommand).Assembly.Location,
        StartInProcessAsync = StartInProcessAsync,
    };

    /// <summary>Herald as <c>herald serve</c> builds it, in this process, on a free loopback port.</summary>
    private static async Task<StartedHerald> StartInProcessAsync(InProcessHerald settings, CancellationToken cancellationToken)
    {
        var options = new HeraldOptions
        {
            Urls = "http://127.0.0.1:0",
            DataDir = settings.DataDir,
            Database = settings.Database,
            AdminKey = settings.AdminKey,
            AllowPrivateTargets = true,
            Workers = settings.Workers,
            SecretKey = settings.SecretKey,
        };
        WebApplication app;
        try
        {
            app = await HeraldServer.BuildAsync(options, TextWriter.Null, configure: BenchLogging.Quiet);
        }
        catch (StartupException e)
        {
            throw new BenchException("Herald did not start: " + e.Message);
        }
        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new StartedHerald(new Uri(address), new Stopper(app));
    }

    /// <summary>Stops the in-process Herald gracefully, then releases it.</summary>
    private sealed class Stopper(WebApplication app) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await app.StopAsync(CancellationToken.None);
            await app.DisposeAsync();
        }
    }
}
