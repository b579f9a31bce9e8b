namespace Herald.Storage.Ports;

/// <summary>Endpoints as stored: written whole, read by organization.</summary>
public interface IEndpointStore
{
    Task<StoredEndpoint> CreateEndpointAsync(StoredEndpoint endpoint);

    Task<StoredEndpoint?> UpdateEndpointAsync(StoredEndpoint endpoint);

    Task<StoredEndpoint?> GetEndpointAsync(string orgId, string id);

    Task<Page<StoredEndpoint>> ListEndpointsAsync(string orgId, string? cursor, int limit);

    Task<List<StoredEndpoint>> AllEndpointsAsync(string orgId);

    Task<bool> DeleteEndpointAsync(string orgId, string id);

    Task<StoredEndpoint?> SetEndpointEnabledAsync(string orgId, string id, bool enabled, string? reason);
}
