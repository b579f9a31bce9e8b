using System.Data.Common;
using Herald.Core;
using Herald.Core.Model;
using Herald.Storage.Relational;

namespace Herald.Storage;

public sealed partial class HeraldStore
{
    private static Organization MapOrg(DbDataReader r) => new(r.GetString(0), r.GetString(1), Times.FromUnixMs(r.GetInt64(2)));

    public Task<Organization> CreateOrgAsync(string name) => WriteAsync(async (c, t) =>
    {
        if (await c.ScalarAsync(t, "SELECT id FROM orgs WHERE name = @n", ("@n", name)) is not null)
        {
            throw new ConflictException($"An organization named '{name}' already exists.");
        }
        var now = Times.Truncate(_time.GetUtcNow());
        var org = new Organization(Ids.New(Ids.Org, now), name, now);
        await c.ExecuteAsync(t, "INSERT INTO orgs (id, name, created_at) VALUES (@id, @n, @at)", ("@id", org.Id), ("@n", name), ("@at", Times.ToUnixMs(now)));
        return org;
    });

    /// <summary>Returns the organization with this name, creating it first if needed (the bootstrap <c>default</c>).</summary>
    public async Task<Organization> EnsureOrgAsync(string name)
    {
        try
        {
            return await FindOrgByNameAsync(name) ?? await CreateOrgAsync(name);
        }
        catch (ConflictException)
        {
            return (await FindOrgByNameAsync(name))!;
        }
    }

    public Task<Organization?> FindOrgByNameAsync(string name) =>
        ReadAsync(c => c.OneAsync(null, "SELECT id, name, created_at FROM orgs WHERE name = @n", MapOrg, ("@n", name)));

    public Task<Page<Organization>> ListOrgsAsync(string? cursor, int limit) => ReadAsync(async c =>
    {
        var rows = await c.QueryAsync(null, "SELECT id, name, created_at FROM orgs WHERE (@cursor IS NULL OR id < @cursor) ORDER BY id DESC LIMIT @limit",
            MapOrg, ("@cursor", cursor), ("@limit", limit));
        return new Page<Organization>(rows, Cursor(rows.LastOrDefault()?.Id, rows.Count, limit));
    });

    private static ApiKey MapKey(DbDataReader r) => new(
        r.GetString(0), r.GetString(1), r.GetString(2),
        Roles.TryParse(r.GetString(3), out var role) ? role : Role.Viewer,
        r.GetInt64(4) != 0, Times.FromUnixMs(r.GetInt64(5)),
        r.NullableInt64(6) is { } used ? Times.FromUnixMs(used) : null);

    private const string KeyColumns = "id, org_id, name, role, is_operator, created_at, last_used_at";

    public Task<ApiKey> CreateKeyAsync(string orgId, string name, Role role, bool isOperator, byte[] hash) => WriteAsync(async (c, t) =>
    {
        var now = Times.Truncate(_time.GetUtcNow());
        var key = new ApiKey(Ids.New(Ids.Key, now), orgId, name, role, isOperator, now, null);
        await c.ExecuteAsync(t, "INSERT INTO api_keys (id, org_id, name, role, is_operator, hash, created_at) VALUES (@id, @org, @n, @role, @op, @hash, @at)",
            ("@id", key.Id), ("@org", orgId), ("@n", name), ("@role", Roles.Name(role)), ("@op", isOperator ? 1 : 0), ("@hash", hash), ("@at", Times.ToUnixMs(now)));
        return key;
    });

    /// <summary>Registers a bootstrap key unless a key with this hash exists (earlier ones stay valid).</summary>
    public Task<bool> EnsureKeyAsync(string orgId, string name, byte[] hash) => WriteAsync(async (c, t) =>
    {
        if (await c.ScalarAsync(t, "SELECT id FROM api_keys WHERE hash = @h", ("@h", hash)) is not null)
        {
            return false;
        }
        var now = Times.Truncate(_time.GetUtcNow());
        // Processes starting together on one database register the same key once.
        return await c.ExecuteAsync(t, "INSERT INTO api_keys (id, org_id, name, role, is_operator, hash, created_at) VALUES (@id, @org, @n, 'admin', 1, @hash, @at) ON CONFLICT (hash) DO NOTHING",
            ("@id", Ids.New(Ids.Key, now)), ("@org", orgId), ("@n", name), ("@hash", hash), ("@at", Times.ToUnixMs(now))) > 0;
    });

    public Task<bool> AnyOperatorKeyAsync() => ReadAsync(async c => await c.ScalarAsync(null, "SELECT 1 FROM api_keys WHERE is_operator = 1 LIMIT 1") is not null);

    public Task<ApiKey?> FindKeyByHashAsync(byte[] hash) =>
        ReadAsync(c => c.OneAsync(null, $"SELECT {KeyColumns} FROM api_keys WHERE hash = @h", MapKey, ("@h", hash)));

    public Task<ApiKey?> FindKeyAsync(string orgId, string id) =>
        ReadAsync(c => c.OneAsync(null, $"SELECT {KeyColumns} FROM api_keys WHERE org_id = @org AND id = @id", MapKey, ("@org", orgId), ("@id", id)));

    public Task<Page<ApiKey>> ListKeysAsync(string orgId, string? cursor, int limit) => ReadAsync(async c =>
    {
        var rows = await c.QueryAsync(null, $"SELECT {KeyColumns} FROM api_keys WHERE org_id = @org AND (@cursor IS NULL OR id < @cursor) ORDER BY id DESC LIMIT @limit",
            MapKey, ("@org", orgId), ("@cursor", cursor), ("@limit", limit));
        return new Page<ApiKey>(rows, Cursor(rows.LastOrDefault()?.Id, rows.Count, limit));
    });

    public async Task<bool> DeleteKeyAsync(string orgId, string id)
    {
        var deleted = await WriteAsync(async (c, t) =>
        {
            Notify(c, t, StoreNotifications.KeyRevoked(id));
            return await c.ExecuteAsync(t, "DELETE FROM api_keys WHERE org_id = @org AND id = @id", ("@org", orgId), ("@id", id)) > 0;
        });
        if (deleted)
        {
            KeyRevoked?.Invoke(id);
        }
        return deleted;
    }

    /// <summary>Records when keys were last used; batched by the caller so reads never cost a write each.</summary>
    public Task TouchKeysAsync(IReadOnlyCollection<(string Id, DateTimeOffset At)> uses) => WriteAsync(async (c, t) =>
    {
        foreach (var (id, at) in uses)
        {
            await c.ExecuteAsync(t, "UPDATE api_keys SET last_used_at = @at WHERE id = @id AND (last_used_at IS NULL OR last_used_at < @at)", ("@id", id), ("@at", Times.ToUnixMs(at)));
        }
        return 0;
    });

    // Event types

    private const string EventTypeColumns = "org_id, name, description, schema, created_at, updated_at";

    private static EventType MapEventType(DbDataReader r) => new(
        r.GetString(0), r.GetString(1), r.GetString(2), r.NullableString(3), Times.FromUnixMs(r.GetInt64(4)), Times.FromUnixMs(r.GetInt64(5)));

    public Task<EventType> CreateEventTypeAsync(string orgId, string name, string description, string? schema) => WriteAsync(async (c, t) =>
    {
        if (await c.ScalarAsync(t, "SELECT 1 FROM event_types WHERE org_id = @org AND name = @n", ("@org", orgId), ("@n", name)) is not null)
        {
            throw new ConflictException($"The event type '{name}' already exists.");
        }
        var now = Times.Truncate(_time.GetUtcNow());
        Notify(c, t, StoreNotifications.EventType(orgId, name));
        await c.ExecuteAsync(t, "INSERT INTO event_types (org_id, name, description, schema, created_at, updated_at) VALUES (@org, @n, @d, @s, @at, @at)",
            ("@org", orgId), ("@n", name), ("@d", description), ("@s", schema), ("@at", Times.ToUnixMs(now)));
        return new EventType(orgId, name, description, schema, now, now);
    });

    public Task<EventType?> ReplaceEventTypeAsync(string orgId, string name, string description, string? schema) => WriteAsync(async (c, t) =>
    {
        var existing = await c.OneAsync(t, $"SELECT {EventTypeColumns} FROM event_types WHERE org_id = @org AND name = @n", MapEventType, ("@org", orgId), ("@n", name));
        if (existing is null)
        {
            return null;
        }
        var now = Times.Truncate(_time.GetUtcNow());
        Notify(c, t, StoreNotifications.EventType(orgId, name));
        await c.ExecuteAsync(t, "UPDATE event_types SET description = @d, schema = @s, updated_at = @at WHERE org_id = @org AND name = @n",
            ("@org", orgId), ("@n", name), ("@d", description), ("@s", schema), ("@at", Times.ToUnixMs(now)));
        return existing with { Description = description, SchemaJson = schema, UpdatedAt = now };
    });

    public Task<EventType?> GetEventTypeAsync(string orgId, string name) =>
        ReadAsync(c => c.OneAsync(null, $"SELECT {EventTypeColumns} FROM event_types WHERE org_id = @org AND name = @n", MapEventType, ("@org", orgId), ("@n", name)));

    public Task<Page<EventType>> ListEventTypesAsync(string orgId, string? cursor, int limit) => ReadAsync(async c =>
    {
        var rows = await c.QueryAsync(null, $"SELECT {EventTypeColumns} FROM event_types WHERE org_id = @org AND (@cursor IS NULL OR name > @cursor) ORDER BY name LIMIT @limit",
            MapEventType, ("@org", orgId), ("@cursor", cursor), ("@limit", limit));
        return new Page<EventType>(rows, Cursor(rows.LastOrDefault()?.Name, rows.Count, limit));
    });

    public Task<bool> DeleteEventTypeAsync(string orgId, string name) => WriteAsync(async (c, t) =>
    {
        Notify(c, t, StoreNotifications.EventType(orgId, name));
        return await c.ExecuteAsync(t, "DELETE FROM event_types WHERE org_id = @org AND name = @n", ("@org", orgId), ("@n", name)) > 0;
    });
}
