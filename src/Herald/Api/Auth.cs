using System.Collections.Concurrent;
using Herald.Core;
using Herald.Core.Model;
using Herald.Storage;
using Microsoft.Extensions.Hosting;

namespace Herald.Api;

/// <summary>
/// Resolves bearer keys to callers. Keys are stored as SHA-256 hashes only; a short cache keeps the
/// lookup off the database on the publish path, and deleting a key evicts it at once.
/// </summary>
public sealed class KeyAuthenticator(HeraldStore store, TimeProvider time)
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
public sealed class KeyUsageFlusher(KeyAuthenticator authenticator, TimeProvider time) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
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

public static class AuthExtensions
{
    private const string CallerKey = "herald.caller";

    /// <summary>Every /v1 route needs a valid key: 401 before anything else, even for unknown routes.</summary>
    public static IApplicationBuilder UseApiKeys(this IApplicationBuilder app) =>
        app.UseWhen(c => c.Request.Path.StartsWithSegments("/v1"), branch => branch.Use(async (context, next) =>
        {
            var header = context.Request.Headers.Authorization.ToString();
            var authenticator = context.RequestServices.GetRequiredService<KeyAuthenticator>();
            Caller? caller = null;
            if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            {
                caller = await authenticator.AuthenticateAsync(header["Bearer ".Length..].Trim());
            }
            if (caller is null)
            {
                context.Response.Headers.WWWAuthenticate = "Bearer";
                var detail = header.Length == 0
                    ? "Send an API key: Authorization: Bearer <key>."
                    : "The API key is not valid (it may have been deleted).";
                await Problems.Status(401, "Unauthorized", detail).ExecuteAsync(context);
                return;
            }
            context.Items[CallerKey] = caller;
            await next(context);
        }));

    public static Caller Caller(this HttpContext context) =>
        context.Items[CallerKey] as Caller ?? throw new InvalidOperationException("No caller: the route is outside /v1.");

    /// <summary>Refuses callers whose role is below <paramref name="role"/> with 403.</summary>
    public static RouteHandlerBuilder Require(this RouteHandlerBuilder builder, Role role) =>
        builder.AddEndpointFilter(async (context, next) =>
        {
            var caller = context.HttpContext.Caller();
            return caller.Allows(role)
                ? await next(context)
                : Problems.Forbidden($"This needs the {Roles.Name(role)} role; your key has {Roles.Name(caller.Role)}.");
        });

    /// <summary>Only the bootstrap operator key may manage organizations.</summary>
    public static RouteHandlerBuilder RequireOperator(this RouteHandlerBuilder builder) =>
        builder.AddEndpointFilter(async (context, next) =>
            context.HttpContext.Caller().IsOperator
                ? await next(context)
                : Problems.Forbidden("Only the operator key (the bootstrap admin key) may manage organizations."));
}
