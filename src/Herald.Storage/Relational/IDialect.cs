namespace Herald.Storage.Relational;

/// <summary>The few statements that differ between SQLite and PostgreSQL.</summary>
internal interface IDialect
{
    string Name { get; }

    /// <summary>True when one process owns the database (SQLite): every lease is stale at start.</summary>
    bool OwnsDatabaseAlone { get; }

    /// <summary>
    /// Leases up to @limit due deliveries until @lease and returns their ids. A FIFO delivery is due
    /// only while it is its endpoint's oldest open one: one in flight, or one being retried, holds
    /// back the later ones.
    /// </summary>
    string ClaimSql { get; }
}
