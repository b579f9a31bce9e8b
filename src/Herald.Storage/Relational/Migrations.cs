namespace Herald.Storage.Relational;

/// <summary>
/// The schema, as an append-only list of versioned steps. A released step is never edited: changes
/// come as new steps, so every database upgrades along the same path.
/// Times are Unix milliseconds (INTEGER/BIGINT) so the SQL is the same on every backend.
/// </summary>
internal static class Migrations
{
    public static readonly IReadOnlyList<(int Version, string Name, string Sql)> Steps =
    [
        (1, "initial schema", """
            CREATE TABLE meta (
                key TEXT PRIMARY KEY,
                value TEXT NOT NULL
            );
            CREATE TABLE orgs (
                id TEXT PRIMARY KEY,
                name TEXT NOT NULL UNIQUE,
                created_at BIGINT NOT NULL
            );
            CREATE TABLE api_keys (
                id TEXT PRIMARY KEY,
                org_id TEXT NOT NULL REFERENCES orgs(id),
                name TEXT NOT NULL,
                role TEXT NOT NULL,
                is_operator INTEGER NOT NULL,
                hash BYTEA NOT NULL UNIQUE,
                created_at BIGINT NOT NULL,
                last_used_at BIGINT NULL
            );
            CREATE INDEX api_keys_org ON api_keys(org_id, id);
            CREATE TABLE event_types (
                org_id TEXT NOT NULL REFERENCES orgs(id),
                name TEXT NOT NULL,
                description TEXT NOT NULL,
                schema TEXT NULL,
                created_at BIGINT NOT NULL,
                updated_at BIGINT NOT NULL,
                PRIMARY KEY (org_id, name)
            );
            CREATE TABLE endpoints (
                id TEXT PRIMARY KEY,
                org_id TEXT NOT NULL REFERENCES orgs(id),
                name TEXT NOT NULL,
                enabled INTEGER NOT NULL,
                disabled_reason TEXT NULL,
                spec BYTEA NOT NULL,
                secrets BYTEA NOT NULL,
                circuit_open INTEGER NOT NULL DEFAULT 0,
                consecutive_failures INTEGER NOT NULL DEFAULT 0,
                failing_since BIGINT NULL,
                created_at BIGINT NOT NULL,
                updated_at BIGINT NOT NULL,
                UNIQUE (org_id, name)
            );
            CREATE TABLE events (
                id TEXT PRIMARY KEY,
                org_id TEXT NOT NULL,
                type TEXT NOT NULL,
                resource_type TEXT NULL,
                resource_id TEXT NULL,
                triggered_by TEXT NULL,
                occurred_at BIGINT NULL,
                created_at BIGINT NOT NULL,
                data BYTEA NOT NULL
            );
            CREATE INDEX events_org ON events(org_id, id);
            CREATE INDEX events_org_type ON events(org_id, type, id);
            CREATE INDEX events_org_resource ON events(org_id, resource_type, resource_id, id);
            CREATE TABLE deliveries (
                id TEXT PRIMARY KEY,
                org_id TEXT NOT NULL,
                event_id TEXT NOT NULL,
                endpoint_id TEXT NOT NULL,
                status TEXT NOT NULL,
                attempt_count INTEGER NOT NULL DEFAULT 0,
                scheduled_failures INTEGER NOT NULL DEFAULT 0,
                next_attempt_at BIGINT NULL,
                lease_until BIGINT NULL,
                created_at BIGINT NOT NULL,
                updated_at BIGINT NOT NULL
            );
            CREATE INDEX deliveries_due ON deliveries(next_attempt_at) WHERE status = 'pending';
            CREATE INDEX deliveries_leased ON deliveries(lease_until) WHERE status = 'delivering';
            CREATE INDEX deliveries_org ON deliveries(org_id, id);
            CREATE INDEX deliveries_event ON deliveries(event_id);
            CREATE INDEX deliveries_endpoint ON deliveries(endpoint_id, status);
            CREATE TABLE attempts (
                id TEXT PRIMARY KEY,
                delivery_id TEXT NOT NULL,
                started_at BIGINT NOT NULL,
                duration_ms INTEGER NOT NULL,
                request TEXT NOT NULL,
                response TEXT NULL,
                error TEXT NULL
            );
            CREATE INDEX attempts_delivery ON attempts(delivery_id, id);
            CREATE TABLE idempotency (
                org_id TEXT NOT NULL,
                key TEXT NOT NULL,
                body_hash BYTEA NOT NULL,
                status INTEGER NOT NULL,
                response BYTEA NOT NULL,
                created_at BIGINT NOT NULL,
                PRIMARY KEY (org_id, key)
            );
            """),
        (2, "retention indexes", """
            CREATE INDEX events_created ON events(created_at);
            CREATE INDEX idempotency_created ON idempotency(created_at);
            """),
        (3, "deferred batches", """
            ALTER TABLE deliveries ADD COLUMN batch_id TEXT NULL;
            """),
        (4, "fifo ordering and rate limits", """
            ALTER TABLE deliveries ADD COLUMN fifo INTEGER NOT NULL DEFAULT 0;
            CREATE INDEX deliveries_open_by_endpoint ON deliveries(endpoint_id, id) WHERE status IN ('pending', 'delivering');
            CREATE TABLE rate_limits (
                endpoint_id TEXT PRIMARY KEY,
                next_free_us BIGINT NOT NULL,
                queue_until_us BIGINT NOT NULL
            );
            """),
        (5, "circuit probes", """
            ALTER TABLE endpoints ADD COLUMN probe_at BIGINT NULL;
            CREATE INDEX endpoints_open_circuits ON endpoints(probe_at) WHERE circuit_open = 1;
            """),
        (6, "lease per endpoint timeout", """
            ALTER TABLE endpoints ADD COLUMN timeout_ms BIGINT NULL;
            """),
        (7, "fair claims", """
            CREATE INDEX deliveries_pending_by_endpoint ON deliveries(endpoint_id, next_attempt_at) WHERE status = 'pending';
            """),
    ];
}
