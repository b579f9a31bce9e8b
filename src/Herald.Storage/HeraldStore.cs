using System.Data.Common;
using Herald.Core;
using Herald.Storage.Relational;

namespace Herald.Storage;

/// <summary>
/// Herald's storage port, speaking delivery rather than rows: publish an event with its deliveries
/// in one transaction, claim due deliveries with a lease, complete or reschedule them. Reads use
/// their own pooled connections; every write goes through one group-committing writer.
/// </summary>
public sealed partial class HeraldStore : IAsyncDisposable
{
    private readonly Func<DbConnection> _open;
    private readonly IDialect _dialect;
    private readonly TimeProvider _time;
    private readonly BatchWriter _writer;

    internal HeraldStore(Func<DbConnection> open, IDialect dialect, TimeProvider time)
    {
        _open = open;
        _dialect = dialect;
        _time = time;
        _writer = new BatchWriter(open);
    }

    public string Backend => _dialect.Name;

    private long Now => _time.GetUtcNow().ToUnixTimeMilliseconds();

    private long _roundTrips;

    /// <summary>Reads and write jobs sent to the database since start (an idle server must keep this near one a second).</summary>
    public long RoundTrips => Interlocked.Read(ref _roundTrips);

    internal Task<T> WriteAsync<T>(Func<DbConnection, DbTransaction, T> job)
    {
        Interlocked.Increment(ref _roundTrips);
        return _writer.WriteAsync(job);
    }

    internal T Read<T>(Func<DbConnection, T> query)
    {
        Interlocked.Increment(ref _roundTrips);
        using var connection = _open();
        return query(connection);
    }

    /// <summary>Applies the schema steps not yet applied; safe to run at every start.</summary>
    internal async Task MigrateAsync()
    {
        await WriteAsync((c, t) =>
        {
            c.Execute(t, "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)");
            var applied = c.Query(t, "SELECT version FROM schema_migrations", r => r.GetInt32(0)).ToHashSet();
            foreach (var (version, name, sql) in Migrations.Steps)
            {
                if (applied.Contains(version))
                {
                    continue;
                }
                c.Execute(t, sql);
                c.Execute(t, "INSERT INTO schema_migrations (version, name, applied_at) VALUES (@v, @n, @at)", ("@v", version), ("@n", name), ("@at", Now));
            }
            return 0;
        });
    }

    /// <summary>The schema version now in the database.</summary>
    public int SchemaVersion() => Read(c => Convert.ToInt32(c.Scalar(null, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations")));

    /// <summary>True when the database answers a query (readiness).</summary>
    public bool Ping()
    {
        try
        {
            return Read(c => c.Scalar(null, "SELECT 1") is not null);
        }
        catch (DbException)
        {
            return false;
        }
    }

    /// <summary>Stores <paramref name="value"/> under <paramref name="key"/> unless a value is there; returns the value in force.</summary>
    public Task<string> InitMetaAsync(string key, string value) => WriteAsync((c, t) =>
    {
        if (c.Scalar(t, "SELECT value FROM meta WHERE key = @k", ("@k", key)) is string existing)
        {
            return existing;
        }
        c.Execute(t, "INSERT INTO meta (key, value) VALUES (@k, @v)", ("@k", key), ("@v", value));
        return value;
    });

    internal static string? Cursor(string? lastId, int count, int limit) => count == limit ? lastId : null;

    public async ValueTask DisposeAsync() => await _writer.DisposeAsync();
}
