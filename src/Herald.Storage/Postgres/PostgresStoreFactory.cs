using System.Data.Common;
using Herald.Storage.Relational;
using Npgsql;

namespace Herald.Storage.Postgres;

/// <summary>
/// Opens a PostgreSQL database shared by several Herald processes: migrations under an advisory
/// lock, claims that skip rows other processes hold, and LISTEN/NOTIFY between the processes.
/// </summary>
public static class PostgresStoreFactory
{
    /// <summary>True when <paramref name="database"/> names PostgreSQL: <c>postgres://…</c>, <c>postgresql://…</c> or <c>Host=…</c>.</summary>
    public static bool IsPostgres(string database) =>
        database.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase)
        || database.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase)
        || database.Contains("Host=", StringComparison.OrdinalIgnoreCase);

    /// <summary>Opens the database, applying the migrations not yet applied. Throws <see cref="FormatException"/> for a malformed connection string.</summary>
    public static async Task<HeraldStore> OpenAsync(string database, TimeProvider time)
    {
        var builder = PostgresConnectionString.Parse(database);
        var dataSource = new NpgsqlDataSourceBuilder(builder.ConnectionString).Build();
        var dialect = new PostgresDialect();
        var listener = new PostgresListener(builder.ConnectionString);
        var store = new HeraldStore(dataSource.OpenConnection, dialect, time, listener.ListenAsync, dataSource);
        try
        {
            // Unreachable or refusing: say so at once rather than after the writer's retries.
            await using (await dataSource.OpenConnectionAsync())
            {
            }
            await store.MigrateAsync();
        }
        catch
        {
            await store.DisposeAsync();
            throw;
        }
        return store;
    }
}

/// <summary>The SQL and error handling that differ on PostgreSQL.</summary>
internal sealed class PostgresDialect : IDialect
{
    // Any constant agreed by every Herald process: the advisory lock that serializes migrations.
    private const long MigrationLock = 0x4865_7261_6c64; // "Herald"

    public string Name => "postgresql";

    public bool OwnsDatabaseAlone => false;

    // A transaction spends most of its time on round trips to the server: several run at once.
    public int WriterLanes => 4;

    public string ClaimSql { get; } = Claims.Statement(" FOR UPDATE SKIP LOCKED");

    public string PendingByEndpointIndex => "";

    public string ForUpdate => " FOR UPDATE";

    public string ForUpdateSkipLocked => " FOR UPDATE SKIP LOCKED";

    public string? MigrationLockSql => $"SELECT pg_advisory_xact_lock({MigrationLock})";

    // What the jobs of a group-committed transaction have to say, sent once at its commit: a hundred
    // publishes in one transaction wake the other processes with one message, not a hundred.
    // (Messages of a transaction rolled back may ride along with a later one on a reused transaction
    // object: a spurious wake-up or cache drop, never a missed one.)
    private readonly System.Runtime.CompilerServices.ConditionalWeakTable<DbTransaction, HashSet<string>> _pending = new();

    public void Notify(DbConnection connection, DbTransaction transaction, string message) =>
        _pending.GetOrCreateValue(transaction).Add(message);

    public void BeforeCommit(DbConnection connection, DbTransaction transaction)
    {
        if (_pending.TryGetValue(transaction, out var messages))
        {
            _pending.Remove(transaction);
            connection.Execute(transaction, $"SELECT pg_notify('{StoreNotifications.Channel}', m) FROM unnest(@messages) AS m", ("@messages", messages.ToArray()));
        }
    }

    public bool IsTransient(Exception error) => error switch
    {
        PostgresException pg => pg.IsTransient
            || pg.SqlState is PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.SerializationFailure
                or PostgresErrorCodes.AdminShutdown or PostgresErrorCodes.CrashShutdown or PostgresErrorCodes.CannotConnectNow,
        NpgsqlException npgsql => npgsql.IsTransient,
        _ => false,
    };

    public bool IsUniqueViolation(Exception error) => error is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation };

    public void ResetConnections() => NpgsqlConnection.ClearAllPools();
}

/// <summary>Parses the two spellings of a PostgreSQL connection string Herald accepts.</summary>
public static class PostgresConnectionString
{
    /// <summary>
    /// <c>Host=…;Database=…</c> (Npgsql's keywords) or a URL <c>postgres://user:password@host:port/database?sslmode=require</c>.
    /// Messages never repeat the password.
    /// </summary>
    public static NpgsqlConnectionStringBuilder Parse(string text)
    {
        NpgsqlConnectionStringBuilder builder;
        if (text.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase) || text.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase))
        {
            builder = FromUrl(text);
        }
        else
        {
            try
            {
                builder = new NpgsqlConnectionStringBuilder(text);
            }
            catch (ArgumentException e)
            {
                throw new FormatException($"The PostgreSQL connection string is malformed: {e.Message}");
            }
        }
        if (string.IsNullOrWhiteSpace(builder.Host))
        {
            throw new FormatException("The PostgreSQL connection string names no host (Host=… or postgres://host/…).");
        }
        builder.ApplicationName ??= "herald";
        return builder;
    }

    /// <summary>Host, port and database of a connection string, for messages: never its password.</summary>
    public static string Describe(string text)
    {
        var builder = Parse(text);
        return $"{builder.Host}:{builder.Port}/{builder.Database ?? builder.Username ?? "postgres"}";
    }

    private static NpgsqlConnectionStringBuilder FromUrl(string text)
    {
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.Host))
        {
            throw new FormatException("The PostgreSQL URL is malformed; expected postgres://user:password@host:port/database.");
        }
        var builder = new NpgsqlConnectionStringBuilder { Host = uri.Host.Trim('[', ']') };
        if (uri.Port > 0)
        {
            builder.Port = uri.Port;
        }
        if (uri.UserInfo.Length > 0)
        {
            var colon = uri.UserInfo.IndexOf(':');
            builder.Username = Uri.UnescapeDataString(colon < 0 ? uri.UserInfo : uri.UserInfo[..colon]);
            if (colon >= 0)
            {
                builder.Password = Uri.UnescapeDataString(uri.UserInfo[(colon + 1)..]);
            }
        }
        var database = Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/'));
        if (database.Length > 0)
        {
            builder.Database = database;
        }
        foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = pair.IndexOf('=');
            var name = Uri.UnescapeDataString(equals < 0 ? pair : pair[..equals]);
            var value = equals < 0 ? "" : Uri.UnescapeDataString(pair[(equals + 1)..]);
            try
            {
                builder[UrlKeyword(name)] = value;
            }
            catch (ArgumentException)
            {
                throw new FormatException($"The PostgreSQL URL has an unknown or invalid parameter '{name}'.");
            }
        }
        return builder;
    }

    // libpq's URL parameter names for the options people put in URLs; others pass as Npgsql keywords.
    private static string UrlKeyword(string name) => name.ToLowerInvariant() switch
    {
        "sslmode" => "SSL Mode",
        "connect_timeout" => "Timeout",
        "application_name" => "Application Name",
        "options" => "Options",
        _ => name,
    };
}

/// <summary>One dedicated connection that LISTENs for what other processes say, reconnecting when it drops.</summary>
internal sealed class PostgresListener(string connectionString)
{
    private static readonly TimeSpan Reconnect = TimeSpan.FromSeconds(1);

    public async Task ListenAsync(Action<string> onMessage, CancellationToken cancellationToken)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false, KeepAlive = 30 };
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = new NpgsqlConnection(builder.ConnectionString);
                await connection.OpenAsync(cancellationToken);
                connection.Notification += (_, e) => onMessage(e.Payload);
                await using (var listen = new NpgsqlCommand($"LISTEN {StoreNotifications.Channel}", connection))
                {
                    await listen.ExecuteNonQueryAsync(cancellationToken);
                }
                // Whatever was said while this connection was down is lost: assume work is due.
                onMessage(StoreNotifications.Resynchronize);
                while (!cancellationToken.IsCancellationRequested)
                {
                    await connection.WaitAsync(cancellationToken);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is NpgsqlException or IOException or TimeoutException or InvalidOperationException)
            {
                // The server restarted or the network dropped: the dispatcher's once-a-second read
                // still finds due work meanwhile; listen again shortly.
                try
                {
                    await Task.Delay(Reconnect, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }
}
