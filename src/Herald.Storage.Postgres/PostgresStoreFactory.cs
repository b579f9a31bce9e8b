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
