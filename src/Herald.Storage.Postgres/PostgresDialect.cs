using System.Data.Common;
using Herald.Storage.Relational;
using Npgsql;

namespace Herald.Storage.Postgres;

/// <summary>The SQL and error handling that differ on PostgreSQL.</summary>
internal sealed class PostgresDialect : IDialect
{
    // Any constant agreed by every Herald process: the advisory lock that serializes migrations.
    private const long MigrationLock = 0x4865_7261_6c64; // "Herald"

    public string Name => "postgresql";

    public bool OwnsDatabaseAlone => false;

    // The publishes and completions of a transaction reach the server in one round trip.
    public bool BatchesStatements => true;

    // A transaction spends most of its time on round trips to the server: several run at once.
    public int WriterLanes => 2;

    public string ClaimSql { get; } = Claims.ReturningRows(Claims.Statement(" FOR UPDATE SKIP LOCKED"));

    public bool ClaimReturnsRows => true;

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

    private const string NotifySql = $"SELECT pg_notify('{StoreNotifications.Channel}', m) FROM unnest(@messages) AS m";

    public void NotifyInBatch(DbBatch batch, IReadOnlyCollection<string> messages)
    {
        var command = batch.CreateBatchCommand();
        command.CommandText = NotifySql;
        var p = command.CreateParameter();
        p.ParameterName = "@messages";
        p.Value = messages.ToArray();
        command.Parameters.Add(p);
        batch.BatchCommands.Add(command);
    }

    public ValueTask BeforeCommitAsync(DbConnection connection, DbTransaction transaction)
    {
        if (!_pending.TryGetValue(transaction, out var messages))
        {
            return ValueTask.CompletedTask;
        }
        _pending.Remove(transaction);
        return Send(connection, transaction, messages);

        static async ValueTask Send(DbConnection connection, DbTransaction transaction, HashSet<string> messages) =>
            await connection.ExecuteAsync(transaction, NotifySql, ("@messages", messages.ToArray()));
    }

    // The server processes of this process's writer connections: what they notify, the listener
    // hears too, and this process has already acted on (a publish wakes its own dispatcher, a
    // change drops its own caches). Hearing it again would only make every dispatcher of the
    // process read the database once more per transaction.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<int, byte> _ownBackends = new();

    public void WriterConnection(DbConnection connection, bool opened)
    {
        if (connection is not NpgsqlConnection { ProcessID: var pid and > 0 })
        {
            return;
        }
        if (opened)
        {
            _ownBackends[pid] = 0;
        }
        else
        {
            _ownBackends.TryRemove(pid, out _);
        }
    }

    /// <summary>True when a notification came from one of this process's writer connections.</summary>
    public bool IsOwnBackend(int processId) => _ownBackends.ContainsKey(processId);

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
