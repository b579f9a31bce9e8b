using Npgsql;

namespace Herald.Tests.Infrastructure;

/// <summary>
/// A fresh database on the test PostgreSQL server (HERALD_TEST_POSTGRES, which scripts/test.sh sets
/// after starting a throwaway cluster), dropped again on dispose.
/// </summary>
public sealed class PostgresDatabase : IAsyncDisposable
{
    private readonly string _server;

    private PostgresDatabase(string server, string name, string connectionString)
    {
        _server = server;
        Name = name;
        ConnectionString = connectionString;
    }

    public string Name { get; }

    /// <summary>The connection string of this database, in Npgsql's keyword form.</summary>
    public string ConnectionString { get; }

    /// <summary>The test server's connection string; tests fail (never skip) without one: a backend not tested is not supported.</summary>
    public static string Server =>
        Environment.GetEnvironmentVariable("HERALD_TEST_POSTGRES") is { Length: > 0 } server
            ? server
            : throw new InvalidOperationException(
                "HERALD_TEST_POSTGRES is not set. Run the tests with scripts/test.sh, which starts a throwaway PostgreSQL cluster, " +
                "or set it to a connection string of a server where databases may be created (Host=127.0.0.1;Port=5432;Username=postgres).");

    public static async Task<PostgresDatabase> CreateAsync()
    {
        var server = Server;
        var name = "herald_test_" + Guid.NewGuid().ToString("N")[..16];
        await using (var connection = new NpgsqlConnection(server))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            await create.ExecuteNonQueryAsync();
        }
        var builder = new NpgsqlConnectionStringBuilder(server) { Database = name };
        return new PostgresDatabase(server, name, builder.ConnectionString);
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(_server);
        await connection.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {Name} WITH (FORCE)", connection);
        await drop.ExecuteNonQueryAsync();
    }
}
