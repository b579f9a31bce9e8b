using System.Reflection;
using Herald.Api;
using Herald.Core;
using Herald.Core.Security;
using Herald.Dashboard;
using Herald.Engine.Delivery;
using Herald.Engine.Operational;
using Herald.Storage;
using Herald.Storage.Postgres;
using Herald.Storage.Sqlite;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.Json;

namespace Herald.Hosting;

/// <summary>Builds the one Herald process: API, delivery workers and operational routes.</summary>
public static class HeraldServer
{
    public static string Version => typeof(HeraldServer).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    /// <summary>
    /// Validates the options, takes the data directory, opens the database and registers the bootstrap
    /// key. Start-up refusals throw <see cref="StartupException"/>. Tests pass their own clock and
    /// replace services (the name resolver) through <paramref name="configure"/>.
    /// </summary>
    public static async Task<WebApplication> BuildAsync(HeraldOptions options, TextWriter stdout, TimeProvider? clock = null, Action<IServiceCollection>? configure = null)
    {
        var database = ResolveDatabase(options);
        if (options.Role is not ("all" or "api" or "worker"))
        {
            throw new StartupException($"--role must be all, api or worker (got '{options.Role}').");
        }
        if (options.Role != "all" && database.Postgres is null)
        {
            throw new StartupException($"--role {options.Role} needs a PostgreSQL database shared with the other processes (--database Host=…); a SQLite database belongs to one process running --role all.");
        }
        var serveApi = options.Role is "all" or "api";
        var deliver = options.Role is "all" or "worker";
        if (options.Workers is < 1 or > 4096)
        {
            throw new StartupException($"--workers must be between 1 and 4096 (got {options.Workers}).");
        }

        var dataDir = DataDirectory.Acquire(options.DataDir);
        HeraldStore? store = null;
        FileStream? databaseLock = null;
        try
        {
            var box = new SecretBox(LoadSecretKey(options, dataDir));
            var time = clock ?? TimeProvider.System;
            if (database.Postgres is { } connectionString)
            {
                store = await OpenPostgresAsync(connectionString, time);
            }
            else
            {
                var path = database.SqlitePath ?? Path.Combine(dataDir.Path, "herald.db");
                if (database.SqlitePath is not null)
                {
                    // A SQLite database belongs to one process even when it lives outside the data dir: a
                    // second owner would reclaim the first one's live leases at start and send them twice.
                    DataDirectory.CreateDirectory(Path.GetDirectoryName(path)!, "database directory");
                    databaseLock = DataDirectory.Lock(path + ".lock", $"The database {path}");
                }
                store = await OpenSqliteAsync(path, time);
            }
            await CheckSecretKeyAsync(store, box);
            await BootstrapAsync(store, options, dataDir, stdout);

            // The content root is the install folder, not the working directory: the host watches its
            // content root for configuration changes, and the data dir (written constantly) is often
            // inside the working directory.
            var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
            builder.WebHost.UseUrls(options.Urls);
            builder.WebHost.ConfigureKestrel(k =>
            {
                k.AddServerHeader = false;
                k.ConfigureEndpointDefaults(listen => listen.UseProblemRejections());
                // Long enough that an absurd id reaches Herald and gets a problem+json 404, not Kestrel's bare 414.
                k.Limits.MaxRequestLineSize = 64 * 1024;
                // Bodies are read with their own limits; this only stops absurd uploads early.
                k.Limits.MaxRequestBodySize = Math.Max(options.MaxPayload, RequestBody.DefaultLimit) + 64 * 1024;
            });
            builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
            builder.Logging.AddFilter("System.Net.Http", LogLevel.Warning);
            builder.Services.Configure<JsonOptions>(o => ApiJson.Configure(o.SerializerOptions));
            builder.Services.AddProblemDetails(o => o.CustomizeProblemDetails = c => c.ProblemDetails.Detail ??= DefaultDetail(c.HttpContext));
            builder.Services.AddOpenApi();
            builder.Services.AddSingleton(options);
            builder.Services.AddSingleton(dataDir);
            builder.Services.AddSingleton(store);
            builder.Services.AddSingleton(box);
            builder.Services.AddSingleton(time);
            builder.Services.AddSingleton<IHostResolver, DnsHostResolver>();
            builder.Services.AddSingleton<TargetGuard>();
            builder.Services.AddSingleton<HttpSender>();
            builder.Services.AddSingleton<HeraldMetrics>();
            builder.Services.AddSingleton<EndpointCatalog>();
            builder.Services.AddSingleton<EventTypeCatalog>();
            builder.Services.AddSingleton<KeyAuthenticator>();
            builder.Services.AddSingleton<DispatchSignal>();
            builder.Services.AddSingleton<AttemptRunner>();
            builder.Services.AddSingleton<Publisher>();
            builder.Services.AddHostedService<StoreListener>();
            if (deliver)
            {
                builder.Services.AddHostedService<Dispatcher>();
                builder.Services.AddHostedService<RetentionService>();
            }
            if (serveApi)
            {
                builder.Services.AddHostedService<KeyUsageFlusher>();
            }
            builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(20));
            configure?.Invoke(builder.Services);

            var app = builder.Build();
            app.UseExceptionHandler(new ExceptionHandlerOptions
            {
                // A database that is locked past the busy timeout, or unreachable, is a 503 to retry:
                // nothing was committed, so nothing was accepted.
                StatusCodeSelector = e => e switch
                {
                    BadHttpRequestException bad => bad.StatusCode,
                    System.Data.Common.DbException => 503,
                    _ => 500,
                },
            });
            app.UseClientErrors();
            app.UseStatusCodePages();
            app.UseApiKeys();
            app.MapOperationsApi();
            if (serveApi)
            {
                // The one document Herald has; any other name falls through to the problem+json 404.
                app.MapOpenApi("/openapi/v1.json");
                var v1 = app.MapGroup("/v1");
                v1.MapOrgsApi();
                v1.MapEventTypesApi();
                v1.MapEndpointsApi();
                v1.MapApplinksApi();
                v1.MapEventsApi();
                v1.MapDeliveriesApi();
                app.MapDashboard();
            }

            var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Herald");
            app.Lifetime.ApplicationStarted.Register(() =>
                LogMessages.Started(logger, Version, string.Join(", ", app.Urls), store.Backend, options.Role, dataDir.Path));
            app.Lifetime.ApplicationStopped.Register(() =>
            {
                store.DisposeAsync().AsTask().GetAwaiter().GetResult();
                databaseLock?.Dispose();
                dataDir.Dispose();
            });
            return app;
        }
        catch
        {
            if (store is not null)
            {
                await store.DisposeAsync();
            }
            databaseLock?.Dispose();
            dataDir.Dispose();
            throw;
        }
    }

    /// <summary>The detail of errors raised before a handler runs (routing, media types), so every problem says what went wrong.</summary>
    private static string? DefaultDetail(HttpContext context)
    {
        var request = context.Request;
        return context.Response.StatusCode switch
        {
            404 => $"No route matches {request.Method} {request.Path}. The API is described at /openapi/v1.json.",
            405 => $"{request.Method} is not allowed on {request.Path}.",
            503 => "The database is busy or unreachable; nothing was stored. Retry shortly.",
            413 => "The request body is larger than the limit.",
            415 => $"The Content-Type {(string.IsNullOrEmpty(request.ContentType) ? "(none)" : request.ContentType)} is not accepted here; send the body as application/json.",
            500 => "Herald failed to handle this request; the error is logged with its trace id.",
            _ => null,
        };
    }

    /// <summary>Where the data lives: a SQLite file (null path: the default file in the data dir) or a PostgreSQL connection string.</summary>
    private readonly record struct DatabaseChoice(string? SqlitePath, string? Postgres);

    private static DatabaseChoice ResolveDatabase(HeraldOptions options)
    {
        var database = options.Database?.Trim();
        if (string.IsNullOrEmpty(database))
        {
            return default;
        }
        if (database.StartsWith("sqlite:", StringComparison.OrdinalIgnoreCase))
        {
            var path = database["sqlite:".Length..];
            return path.Length == 0
                ? throw new StartupException("--database sqlite: needs a file path, like sqlite:./herald.db.")
                : new DatabaseChoice(Path.GetFullPath(path), null);
        }
        if (PostgresStoreFactory.IsPostgres(database))
        {
            try
            {
                PostgresConnectionString.Parse(database);
            }
            catch (FormatException e)
            {
                throw new StartupException($"--database: {e.Message}");
            }
            return new DatabaseChoice(null, database);
        }
        throw new StartupException($"--database must be sqlite:PATH or a PostgreSQL connection string (Host=…;Database=… or postgres://…); got '{Redact(database)}'.");
    }

    // Never the whole value: it may hold a password.
    private static string Redact(string text) => text.Length > 12 ? text[..12] + "…" : text;

    private static async Task<HeraldStore> OpenPostgresAsync(string connectionString, TimeProvider time)
    {
        try
        {
            return await PostgresStoreFactory.OpenAsync(connectionString, time);
        }
        catch (Exception e) when (e is Npgsql.NpgsqlException or System.Net.Sockets.SocketException or TimeoutException)
        {
            // The message names the host and the cause, never the password.
            throw new StartupException($"Cannot open the PostgreSQL database {PostgresConnectionString.Describe(connectionString)}: {e.Message}");
        }
    }

    private static async Task<HeraldStore> OpenSqliteAsync(string path, TimeProvider time)
    {
        try
        {
            return await SqliteStoreFactory.OpenAsync(path, time);
        }
        catch (Exception e) when (e is Microsoft.Data.Sqlite.SqliteException or IOException or UnauthorizedAccessException)
        {
            throw new StartupException($"Cannot open the database {path}: {e.Message}");
        }
    }

    private static byte[] LoadSecretKey(HeraldOptions options, DataDirectory dataDir)
    {
        if (!string.IsNullOrEmpty(options.SecretKey))
        {
            return SecretBox.TryParseKey(options.SecretKey, out var key)
                ? key
                : throw new StartupException("--secret-key / HERALD_SECRET_KEY must be the base64 of exactly 32 bytes (openssl rand -base64 32).");
        }
        var file = Path.Combine(dataDir.Path, "secret.key");
        try
        {
            if (File.Exists(file))
            {
                return SecretBox.TryParseKey(File.ReadAllText(file), out var key)
                    ? key
                    : throw new StartupException($"{file} does not hold a base64 key of 32 bytes.");
            }
            var fresh = SecretBox.NewKey();
            DataDirectory.WritePrivateFile(file, Convert.ToBase64String(fresh) + "\n");
            return fresh;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new StartupException($"Cannot read or write the secret key file {file}: {e.Message}");
        }
    }

    /// <summary>A process whose key cannot open the secrets already stored refuses to start.</summary>
    private static async Task CheckSecretKeyAsync(HeraldStore store, SecretBox box)
    {
        var check = await store.InitMetaAsync("secret_key_check", box.SealString("herald"));
        if (!box.TryOpenString(check, out var plain) || plain != "herald")
        {
            throw new StartupException("The secret key cannot decrypt the secrets stored in this database: start with the HERALD_SECRET_KEY it was created with.");
        }
    }

    private static async Task BootstrapAsync(HeraldStore store, HeraldOptions options, DataDirectory dataDir, TextWriter stdout)
    {
        var org = await store.EnsureOrgAsync("default");
        if (!string.IsNullOrEmpty(options.AdminKey))
        {
            if (options.AdminKey.Length < 16)
            {
                throw new StartupException("--admin-key / HERALD_ADMIN_KEY must be at least 16 characters.");
            }
            await store.EnsureKeyAsync(org.Id, "bootstrap", ApiKeys.Hash(options.AdminKey));
            return;
        }
        if (await store.AnyOperatorKeyAsync())
        {
            return;
        }
        // File and output first, registration last: a crash in between leaves no operator key, so the
        // next start generates and prints a fresh one instead of locking everyone out.
        var token = ApiKeys.NewToken();
        var file = Path.Combine(dataDir.Path, "admin.key");
        DataDirectory.WritePrivateFile(file, token + "\n");
        // The only time a key is ever printed.
        await stdout.WriteLineAsync($"Generated the admin key (also written to {file}, mode 0600):");
        await stdout.WriteLineAsync(token);
        await stdout.FlushAsync();
        await store.EnsureKeyAsync(org.Id, "bootstrap", ApiKeys.Hash(token));
    }
}
