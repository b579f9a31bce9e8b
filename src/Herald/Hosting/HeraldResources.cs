using Herald.Core;
using Herald.Core.Security;
using Herald.Storage;
using Herald.Storage.Ports;
using Herald.Storage.Postgres;
using Herald.Storage.Sqlite;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Herald.Hosting;

/// <summary>
/// What a Herald process holds while it runs: the data directory, the database, the secret key.
/// Opened once the options are validated and before the host starts (<see cref="OpenAsync"/>); the
/// store, the secret box and the data directory are registered from here. Refusals throw
/// <see cref="StartupException"/>.
/// </summary>
public sealed class HeraldResources(IOptions<HeraldOptions> options, TimeProvider time) : IAsyncDisposable
{
    private DataDirectory? _dataDir;
    private HeraldStore? _store;
    private SecretBox? _box;
    private FileStream? _databaseLock;

    public DataDirectory DataDirectory => _dataDir ?? throw NotOpen();

    public HeraldStore Store => _store ?? throw NotOpen();

    public SecretBox SecretBox => _box ?? throw NotOpen();

    /// <summary>Takes the data directory, opens the database and registers the bootstrap key, printing a generated one on <paramref name="stdout"/>.</summary>
    public async Task OpenAsync(TextWriter stdout)
    {
        var o = options.Value;
        // Validated already: DatabaseOptionsValidator refuses what does not parse.
        var database = DatabaseChoice.Parse(o.Database, out _) ?? default;
        _dataDir = DataDirectory.Acquire(o.DataDir);
        try
        {
            var box = new SecretBox(LoadSecretKey(o, _dataDir));
            if (database.Postgres is { } connectionString)
            {
                _store = await OpenPostgresAsync(connectionString);
            }
            else
            {
                var path = database.SqlitePath ?? Path.Combine(_dataDir.Path, "herald.db");
                if (database.SqlitePath is not null)
                {
                    // A SQLite database belongs to one process even when it lives outside the data dir: a
                    // second owner would reclaim the first one's live leases at start and send them twice.
                    DataDirectory.CreateDirectory(Path.GetDirectoryName(path)!, "database directory");
                    _databaseLock = DataDirectory.Lock(path + ".lock", $"The database {path}");
                }
                _store = await OpenSqliteAsync(path);
            }
            await CheckSecretKeyAsync(_store, box);
            await BootstrapAsync(_store, o, _dataDir, stdout);
            _box = box;
        }
        catch
        {
            await DisposeAsync();
            throw;
        }
    }

    /// <summary>Closes the database and releases the locks; a second call does nothing.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_store is not null)
        {
            await _store.DisposeAsync();
        }
        _databaseLock?.Dispose();
        _dataDir?.Dispose();
    }

    private static InvalidOperationException NotOpen() => new("The data directory and the database are not open yet: HeraldResources.OpenAsync runs before the host starts.");

    private async Task<HeraldStore> OpenPostgresAsync(string connectionString)
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

    private async Task<HeraldStore> OpenSqliteAsync(string path)
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
            // Validated already: HeraldOptionsValidator refuses a key that does not parse.
            SecretBox.TryParseKey(options.SecretKey, out var given);
            return given;
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
            // At least 16 characters: HeraldOptionsValidator checked it.
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

public static class StorageServices
{
    /// <summary>
    /// The database and the data directory, opened by <see cref="HeraldResources"/> once the options
    /// are valid; the store, the secret box and the data directory are served from it. The listener
    /// keeps this process's caches in step with the others sharing the database.
    /// </summary>
    public static IServiceCollection AddHeraldStorage(this IServiceCollection services)
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<HeraldOptions>, DatabaseOptionsValidator>());
        services.AddSingleton<HeraldResources>();
        services.AddSingleton(sp => sp.GetRequiredService<HeraldResources>().Store);
        // The store's ports, each the one store: consumers depend on the part they use.
        services.AddSingleton<IEventStore>(sp => sp.GetRequiredService<HeraldStore>());
        services.AddSingleton<IDeliveryQueue>(sp => sp.GetRequiredService<HeraldStore>());
        services.AddSingleton<IEndpointStore>(sp => sp.GetRequiredService<HeraldStore>());
        services.AddSingleton<ITenancyStore>(sp => sp.GetRequiredService<HeraldStore>());
        services.AddSingleton<IMonitoringReads>(sp => sp.GetRequiredService<HeraldStore>());
        services.AddSingleton<IChangeFeed>(sp => sp.GetRequiredService<HeraldStore>());
        services.AddSingleton(sp => sp.GetRequiredService<HeraldResources>().SecretBox);
        services.AddSingleton(sp => sp.GetRequiredService<HeraldResources>().DataDirectory);
        services.AddHostedService<StoreListener>();
        return services;
    }
}
