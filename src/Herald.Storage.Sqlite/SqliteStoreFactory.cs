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

        // Microsoft.Data.Sqlite's async methods run synchronously: the storage helpers call the
        // synchronous ones directly and spare every statement the async machinery.
        Sql.RegisterSynchronous<SqliteConnection>();
        var store = new HeraldStore(() => new ValueTask<DbConnection>(Open()), SqliteDialect.Instance, time);
        await store.MigrateAsync();
        return store;
    }
}
