using System.Collections.Concurrent;
using Herald.Core;
using Herald.Core.Model;
using Herald.Storage;
using Herald.Storage.Ports;
using Microsoft.Extensions.Hosting;

namespace Herald.Api;

/// <summary>
/// Resolves bearer keys to callers, for the API key and dashboard session schemes. Keys are stored as
/// SHA-256 hashes only and found by hash, never compared as text; a short cache keeps the lookup off
/// the database on the publish path, and deleting a key evicts it at once (in other processes too,
/// through the StoreListener).
/// </summary>
public sealed class KeyAuthenticator(ITenancyStore store, TimeProvider time)
{
    private static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(10);
    private readonly ConcurrentDictionary<string, (ApiKey Key, DateTimeOffset Until)> _cache = new();
    private readonly ConcurrentDictionary<string, DateTimeOffset> _uses = new();

    public async ValueTask<Caller?> AuthenticateAsync(string token)
    {
        if (token.Length is < 8 or > 512)
        {
            return null;
        }
        var hash = ApiKeys.Hash(token);
        var cacheKey = Convert.ToHexString(hash);
        var now = time.GetUtcNow();
        ApiKey? key;
        if (_cache.TryGetValue(cacheKey, out var cached) && cached.Until > now)
        {
            key = cached.Key;
        }
        else
        {
            key = await store.FindKeyByHashAsync(hash);
            if (key is null)
            {
                _cache.TryRemove(cacheKey, out _);
                return null;
            }
            _cache[cacheKey] = (key, now + CacheFor);
        }
        _uses[key.Id] = now;
        return new Caller(key.OrgId, key.Id, key.Role, key.IsOperator);
    }

    /// <summary>Drops every cached key: the next request of each is checked against the database.</summary>
    public void ForgetAll() => _cache.Clear();

    public void Forget(string keyId)
    {
        foreach (var (hash, entry) in _cache)
        {
            if (entry.Key.Id == keyId)
            {
                _cache.TryRemove(hash, out _);
            }
        }
        _uses.TryRemove(keyId, out _);
    }

    /// <summary>Writes the last-used times gathered since the previous flush, in one transaction.</summary>
    public async Task FlushUsesAsync()
    {
        if (_uses.IsEmpty)
        {
            return;
        }
        var batch = new List<(string, DateTimeOffset)>();
        foreach (var id in _uses.Keys)
        {
            if (_uses.TryRemove(id, out var at))
            {
                batch.Add((id, Times.Truncate(at)));
            }
        }
        await store.TouchKeysAsync(batch);
    }
}

/// <summary>Flushes key usage every few seconds; an idle server writes nothing.</summary>
public sealed class KeyUsageFlusher(KeyAuthenticator authenticator, HeraldOptions options, TimeProvider time) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.ServesApi)
        {
            // --role worker: no request uses a key here.
            return;
        }
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(5), time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            try
            {
                await authenticator.FlushUsesAsync();
            }
            catch (Exception) when (!stoppingToken.IsCancellationRequested)
            {
                // last_used_at is informational; the next flush tries again.
            }
        }
        await authenticator.FlushUsesAsync();
    }
}
