using System.Text.Json.Nodes;
using Herald.Core;
using Herald.Core.Endpoints;
using Herald.Core.Model;
using Herald.Core.Validation;
using Herald.Engine.Delivery;
using Herald.Engine.Configuration;
using Herald.Engine.Telemetry;
using Herald.Storage;
using Herald.Storage.Ports;
using Herald.Core.Templates;

namespace Herald.Engine.Endpoints;

/// <summary>
/// What saving an endpoint came to. Exactly one holds: <see cref="Saved"/> (with the new secret when
/// one was generated), <see cref="Invalid"/> (the parser's errors), <see cref="Refused"/> (a template
/// that does not parse, or a url that may not be a target), <see cref="Conflict"/> (the name is
/// taken), <see cref="Limit"/> (the organization has as many endpoints as it may), or <see cref="Gone"/>.
/// </summary>
public sealed record EndpointSaveResult
{
    public Endpoint? Saved { get; init; }
    public string? Secret { get; init; }
    public ValidationErrors? Invalid { get; init; }
    public (string Path, string Message)? Refused { get; init; }
    public string? Conflict { get; init; }
    public string? Limit { get; init; }
    public bool Gone { get; init; }
}

/// <summary>
/// Creates or replaces an endpoint from an endpoint body: the parser, the template check, the
/// SSRF check and the store, the same for <c>POST</c>/<c>PUT</c>/<c>PATCH /v1/endpoints</c>, applink
/// import and the dashboard's form.
/// </summary>
public static class EndpointWriter
{
    public static async Task<EndpointSaveResult> SaveAsync(
        string orgId, Endpoint? existing, JsonObject body, IEndpointStore store, EndpointCatalog catalog, TargetGuard guard, HeraldOptions options, TimeProvider time, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        var parsed = EndpointSpecParser.Parse(body, existing is null ? EndpointParseMode.Create : EndpointParseMode.Replace, existing, errors);
        if (parsed is null)
        {
            return new EndpointSaveResult { Invalid = errors };
        }
        // A template that does not parse is refused when saved, not discovered at the first delivery.
        if (parsed.Spec.Template is { } source && !BodyTemplate.TryParse(source, out _, out var templateError))
        {
            return new EndpointSaveResult { Refused = ("template", templateError ?? "does not parse") };
        }
        // The template writes JSON text: an escape in it that is no UTF-16 would reach every receiver.
        if (parsed.Spec.Template is { } text && Core.Validation.JsonUtf16.FindUnpairedEscape(System.Text.Encoding.UTF8.GetBytes(text)) is { } escape)
        {
            return new EndpointSaveResult { Refused = ("template", $"contains an unpaired UTF-16 surrogate escape ({escape}); a receiver could not decode the body") };
        }
        if (await RefuseTargetAsync(parsed.Spec, guard, options, cancellationToken) is { } reason)
        {
            return new EndpointSaveResult { Refused = ("url", reason) };
        }
        var now = Times.Truncate(time.GetUtcNow());
        try
        {
            if (existing is null)
            {
                var created = new Endpoint(Ids.New(Ids.Endpoint, now), orgId, parsed.Spec, new SigningSecrets(parsed.NewSecret, null, null), null, false, now, now);
                await store.CreateEndpointAsync(catalog.Seal(created));
                return new EndpointSaveResult { Saved = created, Secret = parsed.NewSecret };
            }
            var schemeChanged = parsed.Spec.SignatureScheme != existing.Spec.SignatureScheme;
            var updated = existing with
            {
                Spec = parsed.Spec,
                Secrets = schemeChanged ? new SigningSecrets(parsed.NewSecret, null, null) : existing.Secrets,
                UpdatedAt = now,
            };
            return await store.UpdateEndpointAsync(catalog.Seal(updated)) is null
                ? new EndpointSaveResult { Gone = true }
                : new EndpointSaveResult { Saved = updated, Secret = schemeChanged ? parsed.NewSecret : null };
        }
        catch (ConflictException e)
        {
            return new EndpointSaveResult { Conflict = e.Message };
        }
        catch (LimitException e)
        {
            return new EndpointSaveResult { Limit = e.Message };
        }
    }

    /// <summary>Why the endpoint's url may not be a target, phrased to follow "url"; null when it may.</summary>
    private static async Task<string?> RefuseTargetAsync(EndpointSpec spec, TargetGuard guard, HeraldOptions options, CancellationToken cancellationToken)
    {
        var url = new Uri(spec.Url);
        if (options.RequireHttps && url.Scheme != Uri.UriSchemeHttps)
        {
            return "must use https: this server runs with --require-https";
        }
        return await guard.CheckUrlAsync(url, cancellationToken);
    }
}
