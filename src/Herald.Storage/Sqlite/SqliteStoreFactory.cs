using System.Data.Common;
using Herald.Storage.Relational;
using Microsoft.Data.Sqlite;

namespace Herald.Storage.Sqlite;

/// <summary>Opens SQLite databases the way Herald needs them: WAL, and durable commits.</summary>
public static class SqliteStoreFactory
{
    public static async Task<HeraldStore> OpenAsync(string path, TimeProvider time)
    {
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        if (!File.Exists(full) && !OperatingSystem.IsWindows())
        {
            // The database holds key hashes and sealed secrets: owner-only, like the key files. SQLite
            // gives its -wal and -shm files the database file's mode.
            using var created = new FileStream(full, new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
            });
        }
        var connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = full,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();

        SqliteConnection Open()
        {
            var connection = new SqliteConnection(connectionString);
            connection.Open();
            using var pragma = connection.CreateCommand();
            // synchronous=FULL: a commit is on disk before Herald answers 202, so an accepted event
            // survives power loss, not only a process crash. busy_timeout rides out another process's
            // brief write lock (backups, sqlite3 shells) instead of failing the batch.
            pragma.CommandText = "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; PRAGMA busy_timeout=30000;";
            pragma.ExecuteNonQuery();
            return connection;
        }

        var store = new HeraldStore(Open, SqliteDialect.Instance, time);
        await store.MigrateAsync();
        return store;
    }
}

/// <summary>The SQL that differs on SQLite.</summary>
internal sealed class SqliteDialect : IDialect
{
    public static readonly SqliteDialect Instance = new();

    public string Name => "sqlite";

    public bool OwnsDatabaseAlone => true;

    // SQLite lets one writer in at a time: a second lane would only wait for the lock.
    public int WriterLanes => 1;

    public string ClaimSql { get; } = Claims.Statement("");

    public string PendingByEndpointIndex => " INDEXED BY deliveries_pending_by_endpoint";

    // One writer at a time: the write transaction already excludes everyone else.
    public string ForUpdate => "";

    public string ForUpdateSkipLocked => "";

    public string? MigrationLockSql => null;

    public void Notify(DbConnection connection, DbTransaction transaction, string message)
    {
    }

    public void BeforeCommit(DbConnection connection, DbTransaction transaction)
    {
    }

    // A busy database surfaces after the 30 s busy timeout: retrying would only double the wait.
    public bool IsTransient(Exception error) => false;

    // SQLITE_CONSTRAINT_UNIQUE / SQLITE_CONSTRAINT_PRIMARYKEY
    public bool IsUniqueViolation(Exception error) =>
        error is Microsoft.Data.Sqlite.SqliteException { SqliteErrorCode: 19, SqliteExtendedErrorCode: 2067 or 1555 };

    public void ResetConnections()
    {
    }
}
