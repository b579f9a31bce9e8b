using System.Data.Common;
using Herald.Core;
using Herald.Storage.Relational;

namespace Herald.Storage;

public sealed partial class HeraldStore
{
    private const string EndpointColumns = "id, org_id, name, enabled, disabled_reason, circuit_open, spec, secrets, created_at, updated_at";

    private static StoredEndpoint MapEndpoint(DbDataReader r) => new(
        r.GetString(0), r.GetString(1), r.GetString(2), r.GetInt64(3) != 0, r.NullableString(4), r.GetInt64(5) != 0,
        r.Bytes(6), r.Bytes(7), Times.FromUnixMs(r.GetInt64(8)), Times.FromUnixMs(r.GetInt64(9)));

    /// <summary>Raised after a committed change to an organization's endpoints, so caches drop them.</summary>
    public event Action<string>? EndpointsChanged;

    private async Task<T> ChangeEndpointsAsync<T>(string orgId, Func<DbConnection, DbTransaction, ValueTask<T>> job)
    {
        var result = await WriteAsync(async (c, t) =>
        {
            var result = await job(c, t);
            Notify(c, t, StoreNotifications.Endpoints(orgId));
            return result;
        });
        EndpointsChanged?.Invoke(orgId);
        return result;
    }

    /// <summary>Endpoints one organization may have: fan-out and the endpoint cache stay bounded.</summary>
    public const int MaxEndpointsPerOrg = 10_000;

    /// <summary>The limit in force; tests lower it rather than create ten thousand endpoints.</summary>
    internal int EndpointLimit { get; set; } = MaxEndpointsPerOrg;

    public Task<StoredEndpoint> CreateEndpointAsync(StoredEndpoint endpoint) => ChangeEndpointsAsync(endpoint.OrgId, async (c, t) =>
    {
        if (Convert.ToInt64(await c.ScalarAsync(t, "SELECT COUNT(*) FROM endpoints WHERE org_id = @org", ("@org", endpoint.OrgId))) >= EndpointLimit)
        {
            throw new LimitException($"The organization already has {EndpointLimit} endpoints, the most it may have; delete some first.");
        }
        await EnsureNameFreeAsync(c, t, endpoint.OrgId, endpoint.Name, endpoint.Id);
        await c.ExecuteAsync(t, $"INSERT INTO endpoints ({EndpointColumns}, timeout_ms) VALUES (@id, @org, @name, @enabled, @reason, @circuit, @spec, @secrets, @created, @updated, @timeout)",
            EndpointArgs(endpoint));
        return endpoint;
    });

    /// <summary>Replaces the spec (and secrets) of an endpoint; null when it is not in this organization.</summary>
    public Task<StoredEndpoint?> UpdateEndpointAsync(StoredEndpoint endpoint) => ChangeEndpointsAsync(endpoint.OrgId, async (c, t) =>
    {
        await EnsureNameFreeAsync(c, t, endpoint.OrgId, endpoint.Name, endpoint.Id);
        var changed = await c.ExecuteAsync(t, """
            UPDATE endpoints SET name = @name, enabled = @enabled, disabled_reason = @reason, spec = @spec, secrets = @secrets, timeout_ms = @timeout, updated_at = @updated
            WHERE id = @id AND org_id = @org
            """, EndpointArgs(endpoint));
        if (changed > 0)
        {
            await ApplyEnabledStateAsync(c, t, endpoint.Id, endpoint.Enabled);
            await c.ExecuteAsync(t, "UPDATE deliveries SET fifo = @fifo WHERE endpoint_id = @id AND status IN ('pending', 'delivering') AND fifo <> @fifo",
                ("@fifo", endpoint.Fifo ? 1 : 0), ("@id", endpoint.Id));
        }
        return changed == 0 ? null : endpoint;
    });

    private static async ValueTask EnsureNameFreeAsync(DbConnection c, DbTransaction t, string orgId, string name, string id)
    {
        if (await c.ScalarAsync(t, "SELECT id FROM endpoints WHERE org_id = @org AND name = @n AND id <> @id", ("@org", orgId), ("@n", name), ("@id", id)) is not null)
        {
            throw new ConflictException($"An endpoint named '{name}' already exists.");
        }
    }

    private static (string, object?)[] EndpointArgs(StoredEndpoint e) =>
    [
        ("@id", e.Id), ("@org", e.OrgId), ("@name", e.Name), ("@enabled", e.Enabled ? 1 : 0), ("@reason", e.DisabledReason),
        ("@circuit", e.CircuitOpen ? 1 : 0), ("@spec", e.Spec), ("@secrets", e.Secrets),
        ("@created", Times.ToUnixMs(e.CreatedAt)), ("@updated", Times.ToUnixMs(e.UpdatedAt)), ("@timeout", e.TimeoutMs),
    ];

    public Task<StoredEndpoint?> GetEndpointAsync(string orgId, string id) =>
        ReadAsync(c => c.OneAsync(null, $"SELECT {EndpointColumns} FROM endpoints WHERE org_id = @org AND id = @id", MapEndpoint, ("@org", orgId), ("@id", id)));

    public Task<Page<StoredEndpoint>> ListEndpointsAsync(string orgId, string? cursor, int limit) => ReadAsync(async c =>
    {
        var rows = await c.QueryAsync(null, $"SELECT {EndpointColumns} FROM endpoints WHERE org_id = @org AND (@cursor IS NULL OR id < @cursor) ORDER BY id DESC LIMIT @limit",
            MapEndpoint, ("@org", orgId), ("@cursor", cursor), ("@limit", limit));
        return new Page<StoredEndpoint>(rows, Cursor(rows.LastOrDefault()?.Id, rows.Count, limit));
    });

    /// <summary>Every endpoint of an organization: the candidates of fan-out.</summary>
    public Task<List<StoredEndpoint>> AllEndpointsAsync(string orgId) =>
        ReadAsync(c => c.QueryAsync(null, $"SELECT {EndpointColumns} FROM endpoints WHERE org_id = @org ORDER BY id", MapEndpoint, ("@org", orgId)));

    /// <summary>Deletes an endpoint and cancels its deliveries that had not ended.</summary>
    public Task<bool> DeleteEndpointAsync(string orgId, string id) => ChangeEndpointsAsync(orgId, async (c, t) =>
    {
        if (await c.ExecuteAsync(t, "DELETE FROM endpoints WHERE org_id = @org AND id = @id", ("@org", orgId), ("@id", id)) == 0)
        {
            return false;
        }
        await c.ExecuteAsync(t, """
            UPDATE deliveries SET status = 'cancelled', next_attempt_at = NULL, lease_until = NULL, updated_at = @now
            WHERE endpoint_id = @id AND status IN ('pending', 'delivering')
            """, ("@id", id), ("@now", Now));
        return true;
    });

    /// <summary>Enables or disables an endpoint; enabling clears the disabled reason.</summary>
    public Task<StoredEndpoint?> SetEndpointEnabledAsync(string orgId, string id, bool enabled, string? reason) => ChangeEndpointsAsync(orgId, async (c, t) =>
    {
        // Enabling is an administrator's "try again": it also closes the circuit and forgets the failures.
        var changed = await c.ExecuteAsync(t, enabled
                ? "UPDATE endpoints SET enabled = 1, disabled_reason = NULL, circuit_open = 0, probe_at = NULL, consecutive_failures = 0, failing_since = NULL, updated_at = @now WHERE org_id = @org AND id = @id"
                : "UPDATE endpoints SET enabled = 0, disabled_reason = @r, updated_at = @now WHERE org_id = @org AND id = @id",
            ("@r", reason), ("@now", Now), ("@org", orgId), ("@id", id));
        if (changed > 0)
        {
            await ApplyEnabledStateAsync(c, t, id, enabled);
        }
        return changed == 0 ? null : await c.OneAsync(t, $"SELECT {EndpointColumns} FROM endpoints WHERE id = @id", MapEndpoint, ("@id", id));
    });

    /// <summary>
    /// A disabled endpoint's pending deliveries are parked (no due time) so no worker claims them;
    /// enabling makes them due at once: they wait and go out when it is re-enabled.
    /// </summary>
    private async ValueTask ApplyEnabledStateAsync(DbConnection c, DbTransaction t, string endpointId, bool enabled)
    {
        if (enabled)
        {
            await c.ExecuteAsync(t, "UPDATE deliveries SET next_attempt_at = @now, updated_at = @now WHERE endpoint_id = @id AND status = 'pending' AND next_attempt_at IS NULL",
                ("@id", endpointId), ("@now", Now));
        }
        else
        {
            await c.ExecuteAsync(t, "UPDATE deliveries SET next_attempt_at = NULL, updated_at = @now WHERE endpoint_id = @id AND status = 'pending'",
                ("@id", endpointId), ("@now", Now));
        }
    }
}
