using System.Data.Common;

namespace Herald.Storage.Relational;

/// <summary>The few statements and behaviours that differ between SQLite and PostgreSQL.</summary>
internal interface IDialect
{
    string Name { get; }

    /// <summary>True when the statements of several writes of a transaction go to the database in one round trip (a DbBatch).</summary>
    bool BatchesStatements { get; }

    /// <summary>Write transactions a process runs at once (<see cref="BatchWriter"/>'s lanes).</summary>
    int WriterLanes { get; }

    /// <summary>True when one process owns the database (SQLite): every lease is stale at start.</summary>
    bool OwnsDatabaseAlone { get; }

    /// <summary>
    /// Leases up to @limit due deliveries and returns their ids; each lease lasts its endpoint's
    /// timeout (@timeout when unknown) plus @grace. A FIFO delivery is due only while it is its
    /// endpoint's oldest open one: one in flight, or one being retried, holds back the later ones.
    /// Rows another process is claiming at the same moment are skipped, not waited for.
    /// </summary>
    string ClaimSql { get; }

    /// <summary>
    /// True when the claim statements return the leased deliveries with their events
    /// (<see cref="Claims.ReturningRows"/>) rather than their ids alone.
    /// </summary>
    bool ClaimReturnsRows { get; }

    /// <summary>
    /// Follows <c>deliveries d</c> in the statements that read one endpoint's pending deliveries in
    /// due order: SQLite, without statistics, would rather use the (endpoint, status) index and sort
    /// the whole backlog; PostgreSQL's planner finds the partial index itself.
    /// </summary>
    string PendingByEndpointIndex { get; }

    /// <summary>Appended to a SELECT whose rows the transaction goes on to change: locks them against other processes.</summary>
    string ForUpdate { get; }

    /// <summary>Appended to a SELECT that picks work: rows another process holds are skipped.</summary>
    string ForUpdateSkipLocked { get; }

    /// <summary>Run first in the migration transaction, so processes starting together migrate one at a time.</summary>
    string? MigrationLockSql { get; }

    /// <summary>
    /// Tells the other processes on the database, when the transaction commits: <paramref name="message"/>
    /// is a <see cref="StoreNotifications"/> message. A database owned by one process has no one to tell.
    /// </summary>
    void Notify(DbConnection connection, DbTransaction transaction, string message);

    /// <summary>Adds to <paramref name="batch"/> a command that tells the other processes <paramref name="messages"/> when the transaction commits.</summary>
    void NotifyInBatch(DbBatch batch, IReadOnlyCollection<string> messages);

    /// <summary>Sends what <see cref="Notify"/> gathered in the transaction, each message once, just before it commits.</summary>
    ValueTask BeforeCommitAsync(DbConnection connection, DbTransaction transaction);

    /// <summary>
    /// A writer connection opened (<paramref name="opened"/>) or about to be closed: what the writers
    /// say to the other processes comes back to this one's listener too, and is recognised by it.
    /// </summary>
    void WriterConnection(DbConnection connection, bool opened);

    /// <summary>An error worth running the transaction again for: a lost connection, a deadlock, a restarting server.</summary>
    bool IsTransient(Exception error);

    /// <summary>A unique constraint refused a row: a name taken by a concurrent writer.</summary>
    bool IsUniqueViolation(Exception error);

    /// <summary>Called after a transient error, before retrying: drops pooled connections that may be dead.</summary>
    void ResetConnections();
}
