using System.CommandLine;
using Herald.Core;
using Herald.Hosting;

namespace Herald.Cli;

/// <summary><c>herald serve</c>: every option also reads its HERALD_* environment variable (README, "Configuration").</summary>
public static class ServeCommand
{
    public static Command Create()
    {
        var urls = new Option<string?>("--urls") { Description = "Addresses to listen on [HERALD_URLS, default http://127.0.0.1:8080]" };
        var dataDir = new Option<string?>("--data-dir") { Description = "Data directory: SQLite database and key files [HERALD_DATA_DIR, default ./herald-data]" };
        var database = new Option<string?>("--database") { Description = "sqlite:PATH, or a PostgreSQL connection string [HERALD_DATABASE, default SQLite in the data dir]" };
        var role = new Option<string?>("--role") { Description = "all, api or worker [HERALD_ROLE, default all]" };
        var adminKey = new Option<string?>("--admin-key") { Description = "Bootstrap operator key of organization default [HERALD_ADMIN_KEY]" };
        var allowPrivate = new Option<bool>("--allow-private-targets") { Description = "Allow endpoints on loopback/private addresses [HERALD_ALLOW_PRIVATE_TARGETS=true]" };
        var workers = new Option<int?>("--workers") { Description = "Concurrent deliveries per process [HERALD_WORKERS, default 64]" };
        var requireHttps = new Option<bool>("--require-https") { Description = "Refuse http:// endpoint URLs [HERALD_REQUIRE_HTTPS=true]" };
        var maxPayload = new Option<string?>("--max-payload") { Description = "Largest accepted publish body, e.g. 1MiB [HERALD_MAX_PAYLOAD]" };
        var retention = new Option<string?>("--retention") { Description = "How long events and attempts are kept, e.g. 30d [HERALD_RETENTION]" };
        var secretKey = new Option<string?>("--secret-key") { Description = "Base64 of 32 bytes encrypting secrets at rest [HERALD_SECRET_KEY, default a key file in the data dir]" };

        var command = new Command("serve", "Run the HTTP API and the delivery workers in one process.")
        {
            urls, dataDir, database, role, adminKey, allowPrivate, workers, requireHttps, maxPayload, retention, secretKey,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            try
            {
                // The command line, else the HERALD_* variable, else the default: read when the options
                // are bound, and validated with them before anything is opened.
                var app = await HeraldServer.BuildAsync(options =>
                {
                    options.Urls = parse.GetValue(urls) ?? Env("HERALD_URLS") ?? "http://127.0.0.1:8080";
                    options.DataDir = parse.GetValue(dataDir) ?? Env("HERALD_DATA_DIR") ?? "./herald-data";
                    options.Database = parse.GetValue(database) ?? Env("HERALD_DATABASE");
                    options.Role = parse.GetValue(role) ?? Env("HERALD_ROLE") ?? "all";
                    options.AdminKey = parse.GetValue(adminKey) ?? Env("HERALD_ADMIN_KEY");
                    options.AllowPrivateTargets = parse.GetValue(allowPrivate) || EnvBool("HERALD_ALLOW_PRIVATE_TARGETS");
                    options.Workers = parse.GetValue(workers) ?? EnvInt("HERALD_WORKERS") ?? 64;
                    options.RequireHttps = parse.GetValue(requireHttps) || EnvBool("HERALD_REQUIRE_HTTPS");
                    options.MaxPayload = Size("--max-payload", parse.GetValue(maxPayload) ?? Env("HERALD_MAX_PAYLOAD")) ?? 1024 * 1024;
                    options.Retention = Duration("--retention", parse.GetValue(retention) ?? Env("HERALD_RETENTION")) ?? TimeSpan.FromDays(30);
                    options.SecretKey = parse.GetValue(secretKey) ?? Env("HERALD_SECRET_KEY");
                    options.ApplyTimingEnvironment(Environment.GetEnvironmentVariable);
                }, Console.Out);
                await app.RunAsync();
                return 0;
            }
            catch (StartupException e)
            {
                await Console.Error.WriteLineAsync("herald: " + e.Message);
                return 1;
            }
        });
        return command;
    }

    private static string? Env(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } value ? value : null;

    private static bool EnvBool(string name) => Env(name) switch
    {
        null => false,
        var v when v.Equals("true", StringComparison.OrdinalIgnoreCase) || v == "1" => true,
        var v when v.Equals("false", StringComparison.OrdinalIgnoreCase) || v == "0" => false,
        var v => throw new StartupException($"{name}={v} must be true or false."),
    };

    private static int? EnvInt(string name) => Env(name) is { } v
        ? int.TryParse(v, out var n) ? n : throw new StartupException($"{name}={v} must be an integer.")
        : null;

    private static long? Size(string option, string? text) => text is null
        ? null
        : Sizes.TryParse(text, out var bytes) && bytes > 0 ? bytes : throw new StartupException($"{option} {text} is not a size (an integer with B, KiB or MiB, like 1MiB).");

    private static TimeSpan? Duration(string option, string? text) => text is null
        ? null
        : Durations.TryParse(text, out var value) && value > TimeSpan.Zero ? value : throw new StartupException($"{option} {text} is not a duration (an integer with ms, s, m, h or d, like 30d).");
}
