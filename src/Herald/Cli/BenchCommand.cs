using System.CommandLine;
using Herald.Bench;

namespace Herald.Cli;

/// <summary><c>herald bench</c>: the load benchmark (DESIGN §9). Output goes to the invocation's writers, so tests can capture it.</summary>
public static class BenchCommand
{
    public static Command Create()
    {
        var events = new Option<int>("--events") { Description = "Events to publish", DefaultValueFactory = _ => 20_000 };
        var endpoints = new Option<int>("--endpoints") { Description = "Endpoints each event fans out to", DefaultValueFactory = _ => 1 };
        var database = new Option<string?>("--database") { Description = "Default: a SQLite file in a temporary data dir; sqlite:PATH for a new file (only SQLite for now)" };
        var scenario = new Option<string>("--scenario") { Description = $"{string.Join(", ", BenchScenarios.All.Select(s => s.Name))} or all", DefaultValueFactory = _ => "throughput" };
        var workers = new Option<int>("--workers") { Description = "Herald's concurrent deliveries; the baselines send with the same concurrency", DefaultValueFactory = _ => 64 };
        var publishers = new Option<int>("--publishers") { Description = "Concurrent publishing clients", DefaultValueFactory = _ => 16 };
        var json = new Option<bool>("--json") { Description = "Print only the JSON lines, one per scenario" };

        var command = new Command("bench", "Start Herald and a local receiver in this process, publish N events to M endpoints, and report throughput and latency against baselines measured in the same run.")
        {
            events, endpoints, database, scenario, workers, publishers, json,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var options = new BenchOptions
            {
                Events = parse.GetValue(events),
                Endpoints = parse.GetValue(endpoints),
                Database = parse.GetValue(database),
                Scenario = parse.GetValue(scenario) ?? "throughput",
                Workers = parse.GetValue(workers),
                Publishers = parse.GetValue(publishers),
                Json = parse.GetValue(json),
            };
            var invocation = parse.InvocationConfiguration;
            return await new BenchRunner(options, invocation.Output, invocation.Error).RunAsync(cancellationToken);
        });
        return command;
    }
}
