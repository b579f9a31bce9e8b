using Herald.Core.Model;

namespace Herald.Storage.Ports;

/// <summary>Organizations, their API keys and their event type catalogues.</summary>
public interface ITenancyStore
{
    Task<Organization> CreateOrgAsync(string name);

    Task<Organization> EnsureOrgAsync(string name);

    Task<Organization?> FindOrgByNameAsync(string name);

    Task<Page<Organization>> ListOrgsAsync(string? cursor, int limit);

    Task<ApiKey> CreateKeyAsync(string orgId, string name, Role role, bool isOperator, byte[] hash);

    Task<bool> EnsureKeyAsync(string orgId, string name, byte[] hash);

    Task<bool> AnyOperatorKeyAsync();

    Task<ApiKey?> FindKeyByHashAsync(byte[] hash);

    Task<ApiKey?> FindKeyAsync(string orgId, string id);

    Task<Page<ApiKey>> ListKeysAsync(string orgId, string? cursor, int limit);

    Task<bool> DeleteKeyAsync(string orgId, string id);

    Task TouchKeysAsync(IReadOnlyCollection<(string Id, DateTimeOffset At)> uses);

    Task<EventType> CreateEventTypeAsync(string orgId, string name, string description, string? schema);

    Task<EventType?> ReplaceEventTypeAsync(string orgId, string name, string description, string? schema);

    Task<EventType?> GetEventTypeAsync(string orgId, string name);

    Task<Page<EventType>> ListEventTypesAsync(string orgId, string? cursor, int limit);

    Task<bool> DeleteEventTypeAsync(string orgId, string name);
}
