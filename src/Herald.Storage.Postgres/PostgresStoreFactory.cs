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
        // The same few statements run thousands of times a second (publish, claim, completion):
        // prepared once per connection, the server parses and plans them once, not at every run.
        // A connection string that sets Max Auto Prepare keeps its own choice.
        var pooled = new NpgsqlConnectionStringBuilder(builder.ConnectionString);
        if (pooled.MaxAutoPrepare == 0)
        {
            pooled.MaxAutoPrepare = 64;
            pooled.AutoPrepareMinUsages = 2;
        }
        var dataSource = new NpgsqlDataSourceBuilder(pooled.ConnectionString).Build();
        var dialect = new PostgresDialect();
        var listener = new PostgresListener(builder.ConnectionString, dialect.IsOwnBackend);
        var store = new HeraldStore(async () => await dataSource.OpenConnectionAsync(), dialect, time, listener.ListenAsync, dataSource);
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
