using Microsoft.Extensions.Logging.Console;

namespace Herald.Cli;

/// <summary>
/// Keeps standard output for the results: the in-process servers log warnings and errors only,
/// and to standard error, so <c>--json</c> output stays pure JSON lines.
/// </summary>
internal static class BenchLogging
{
    public static void Quiet(IServiceCollection services)
    {
        services.Configure<LoggerFilterOptions>(o =>
        {
            o.MinLevel = LogLevel.Warning;
            o.Rules.Add(new LoggerFilterRule(null, null, LogLevel.Warning, null));
        });
        services.Configure<ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
    }
}
