using System.Data.Common;
using Herald.Storage.Relational;
using Microsoft.Data.Sqlite;

namespace Herald.Storage.Sqlite;

/// <summary>The SQL that differs on SQLite.</summary>
internal sealed class SqliteDialect : IDialect
{
    public static readonly SqliteDialect Instance = new();

    public string Name => "sqlite";

    public bool OwnsDatabaseAlone => true;

    // In process: a statement costs no round trip, there is nothing to batch.
    public bool BatchesStatements => false;

    // SQLite lets one writer in at a time: a second lane would only wait for the lock.
    public int WriterLanes => 1;

    public string ClaimSql { get; } = Claims.Statement("");

    // SQLite has no UPDATE inside WITH; reading the claimed rows after is no round trip there.
    public bool ClaimReturnsRows => false;

    public string PendingByEndpointIndex => " INDEXED BY deliveries_pending_by_endpoint";

    // One writer at a time: the write transaction already excludes everyone else.
    public string ForUpdate => "";

    public string ForUpdateSkipLocked => "";

    public string? MigrationLockSql => null;

    public void Notify(DbConnection connection, DbTransaction transaction, string message)
    {
    }

    public void NotifyInBatch(DbBatch batch, IReadOnlyCollection<string> messages)
    {
    }

    public ValueTask BeforeCommitAsync(DbConnection connection, DbTransaction transaction) => ValueTask.CompletedTask;

    public void WriterConnection(DbConnection connection, bool opened)
    {
    }

    // A busy database surfaces after the 30 s busy timeout: retrying would only double the wait.
    public bool IsTransient(Exception error) => false;

    // SQLITE_CONSTRAINT_UNIQUE / SQLITE_CONSTRAINT_PRIMARYKEY
    public bool IsUniqueViolation(Exception error) =>
        error is SqliteException { SqliteErrorCode: 19, SqliteExtendedErrorCode: 2067 or 1555 };

    public void ResetConnections()
    {
    }
}
