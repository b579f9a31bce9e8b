using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Herald.Core;
using Herald.Core.Endpoints;
using Herald.Core.Model;
using Herald.Core.Security;
using Herald.Core.Validation;
using Herald.Engine.Configuration;
using Herald.Engine.Telemetry;
using Herald.Storage;
using Herald.Storage.Ports;

namespace Herald.Engine.Delivery;

/// <summary>
/// Endpoints as the engine and the API use them: unsealed, parsed and cached per organization.
/// The store announces every committed change, and the cache drops that organization's entry.
/// </summary>
public sealed class EndpointCatalog
{
    private readonly IEndpointStore _store;
    private readonly SecretBox _box;
    private readonly ConcurrentDictionary<string, OrgEndpoints> _byOrg = new();
    private long _version;

    public EndpointCatalog(IEndpointStore store, IChangeFeed changes, SecretBox box)
    {
        _store = store;
        _box = box;
        changes.EndpointsChanged += Invalidate;
    }

    public void Invalidate(string orgId)
    {
        Interlocked.Increment(ref _version);
        _byOrg.TryRemove(orgId, out _);
    }

    /// <summary>Drops every organization's endpoints (changes made elsewhere may have gone unheard).</summary>
    public void InvalidateAll()
    {
        Interlocked.Increment(ref _version);
        _byOrg.Clear();
    }

    /// <summary>Every endpoint of the organization, enabled or not.</summary>
    public async ValueTask<IReadOnlyList<Endpoint>> ForOrgAsync(string orgId) =>
        (_byOrg.TryGetValue(orgId, out var cached) ? cached : await LoadAsync(orgId)).All;

    public async ValueTask<Endpoint?> FindAsync(string orgId, string id) =>
        (_byOrg.TryGetValue(orgId, out var cached) ? cached : await LoadAsync(orgId)).ById.GetValueOrDefault(id);

    private async Task<OrgEndpoints> LoadAsync(string orgId)
    {
        // A change committed while this read runs bumps the version; the stale result is then not cached.
        var version = Interlocked.Read(ref _version);
        var all = (await _store.AllEndpointsAsync(orgId)).Select(Open).ToArray();
        var loaded = new OrgEndpoints(all, all.ToDictionary(e => e.Id));
        if (Interlocked.Read(ref _version) == version)
        {
            _byOrg[orgId] = loaded;
        }
        return loaded;
    }

    public Endpoint Open(StoredEndpoint stored)
    {
        if (!_box.TryOpen(stored.Spec, out var specBytes) || !_box.TryOpen(stored.Secrets, out var secretBytes))
        {
            throw new InvalidOperationException($"Endpoint {stored.Id} cannot be decrypted with this secret key.");
        }
        var errors = new ValidationErrors();
        var body = JsonNode.Parse(specBytes) as JsonObject ?? throw new InvalidOperationException($"Endpoint {stored.Id} is corrupt.");
        var parsed = EndpointSpecParser.Parse(body, EndpointParseMode.Stored, null, errors)
            ?? throw new InvalidOperationException($"Endpoint {stored.Id} is stored in a form this version cannot read: {string.Join("; ", errors.Items.Select(kv => kv.Key + " " + string.Join(", ", kv.Value)))}");
        var secrets = JsonSerializer.Deserialize(secretBytes, EngineJson.Default.StoredSecrets) ?? new StoredSecrets(null, null, null);
        return new Endpoint(
            stored.Id, stored.OrgId, parsed.Spec with { Enabled = stored.Enabled },
            new SigningSecrets(secrets.Current, secrets.Previous, secrets.PreviousUntil is { } until ? Times.FromUnixMs(until) : null),
            stored.DisabledReason, stored.CircuitOpen, stored.CreatedAt, stored.UpdatedAt);
    }

    /// <summary>Seals an endpoint for storage: the whole spec and the secrets are encrypted at rest.</summary>
    public StoredEndpoint Seal(Endpoint endpoint)
    {
        var spec = Encoding.UTF8.GetBytes(EndpointView.SpecToJson(endpoint.Spec, mask: false).ToJsonString());
        var secrets = JsonSerializer.SerializeToUtf8Bytes(
            new StoredSecrets(endpoint.Secrets.Current, endpoint.Secrets.Previous, endpoint.Secrets.PreviousUntil is { } until ? Times.ToUnixMs(until) : null),
            EngineJson.Default.StoredSecrets);
        return new StoredEndpoint(endpoint.Id, endpoint.OrgId, endpoint.Spec.Name, endpoint.Spec.Enabled, endpoint.DisabledReason,
            endpoint.CircuitOpen, _box.Seal(spec), _box.Seal(secrets), endpoint.CreatedAt, endpoint.UpdatedAt)
        {
            Fifo = endpoint.Spec.Ordering == "fifo",
            TimeoutMs = (long)endpoint.Spec.Timeout.TotalMilliseconds,
        };
    }

    private sealed record OrgEndpoints(Endpoint[] All, Dictionary<string, Endpoint> ById);
}

/// <summary>The sealed secrets blob of an endpoint.</summary>
public sealed record StoredSecrets(string? Current, string? Previous, long? PreviousUntil);
