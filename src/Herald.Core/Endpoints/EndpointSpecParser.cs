using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Herald.Core.Filters;
using Herald.Core.Model;
using Herald.Core.Signing;
using Herald.Core.Validation;

namespace Herald.Core.Endpoints;

/// <summary>How a body is being read: a new endpoint, a replacement, or Herald's own stored copy.</summary>
public enum EndpointParseMode
{
    Create,
    Replace,
    Stored,
}

/// <summary>The outcome of reading an endpoint body: the spec, and a secret to reveal once if one was set.</summary>
public sealed record ParsedEndpoint(EndpointSpec Spec, string? NewSecret);

/// <summary>
/// Reads an endpoint body into an <see cref="EndpointSpec"/>, collecting every error at its
/// JSON path. Masked values (<c>"********"</c>) sent back unchanged resolve to the stored ones, so a
/// GET → PUT round trip never loses a secret.
/// </summary>
public static partial class EndpointSpecParser
{
    public const string Mask = "********";
    public const int MaxPatterns = 100;
    public const int MaxHeaders = 50;
    public const int MaxScheduleLength = 20;
    public static readonly TimeSpan MaxTimeout = TimeSpan.FromSeconds(60);
    public static readonly TimeSpan MinTimeout = TimeSpan.FromMilliseconds(100);
    public static readonly TimeSpan MaxRetryDelay = TimeSpan.FromDays(7);

    private static readonly string[] Fields =
    [
        "name", "url", "method", "description", "event_types", "entity_types", "filter", "auth", "signature",
        "headers", "format", "template", "source_field_key", "destination_field_key", "retry", "delivery",
        "timeout", "rate_limit", "ordering", "enabled", "metadata",
    ];

    /// <summary>Fields Herald computes; accepted and ignored in PUT/PATCH bodies so a GET → PUT round trip works.</summary>
    private static readonly string[] ReadOnlyFields = ["id", "created_at", "updated_at", "insecure", "circuit", "disabled_reason"];

    private static readonly HashSet<string> AlwaysReservedHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "webhook-id", "webhook-timestamp", "webhook-signature", "content-type", "content-length", "host",
        // Hop-by-hop and framing headers would corrupt the request itself.
        "connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "proxy-authorization", "proxy-connection",
    };

    /// <summary>
    /// Reads <paramref name="body"/>. <paramref name="existing"/> is the stored endpoint for Replace
    /// (masked values and the current enabled state come from it).
    /// </summary>
    public static ParsedEndpoint? Parse(JsonObject body, EndpointParseMode mode, Endpoint? existing, ValidationErrors errors)
    {
        var r = new ObjectReader(body, "", errors, Fields, mode == EndpointParseMode.Create ? null : ReadOnlyFields);

        var name = r.String("name", required: true, maxLength: 200, allowEmpty: false)?.Trim();
        if (name is { Length: 0 })
        {
            errors.Add("name", "must not be blank");
        }
        var url = ReadUrl(r);
        var method = r.String("method") ?? "POST";
        if (method is not ("POST" or "PUT"))
        {
            errors.Add("method", "must be POST or PUT");
        }
        var description = r.String("description", maxLength: 2000) ?? "";
        var eventTypes = r.StringArray("event_types", MaxPatterns,
            p => EventTypeMatcher.IsValidPattern(p, out var e) ? null : e) ?? [];
        var entityTypes = r.StringArray("entity_types", MaxPatterns,
            t => EventTypeMatcher.IsValidTypeName(t, out var e) ? null : e) ?? [];

        string? filter = null;
        PayloadFilter? compiledFilter = null;
        if (r.Node("filter") is { } filterNode)
        {
            if (filterNode is not JsonObject filterObject)
            {
                errors.Add("filter", "must be an object or null");
            }
            else
            {
                filter = filterNode.ToJsonString();
                compiledFilter = PayloadFilter.Parse(filterObject, errors, stored: mode == EndpointParseMode.Stored);
            }
        }

        var auth = ReadAuth(r, existing);
        var (scheme, signatureHeader, newSecret) = ReadSignature(r, mode, existing);
        var headers = ReadHeaders(r, existing, auth, scheme, signatureHeader);

        var format = r.String("format") ?? "envelope";
        if (format is not ("envelope" or "raw" or "ushahidi" or "template"))
        {
            errors.Add("format", "must be envelope, raw, ushahidi or template");
        }
        var template = r.String("template", maxLength: 65536);
        if (format == "template" && template is null)
        {
            errors.Add("template", "is required when format is template");
        }
        if (format != "template" && template is not null)
        {
            errors.Add("template", "is allowed only when format is template");
        }
        var sourceFieldKey = r.String("source_field_key", maxLength: 256);
        var destinationFieldKey = r.String("destination_field_key", maxLength: 256);

        var retry = ReadRetry(r);
        var delivery = ReadDelivery(r);
        var timeout = r.Duration("timeout", MinTimeout, MaxTimeout) ?? TimeSpan.FromSeconds(15);

        double? rateLimit = null;
        if (r.Node("rate_limit") is not null)
        {
            rateLimit = r.Number("rate_limit");
            if (rateLimit is { } limit && (limit <= 0 || limit > 100_000))
            {
                errors.Add("rate_limit", "must be greater than 0 and at most 100000 requests per second");
            }

        }

        var ordering = r.String("ordering") ?? "none";
        if (ordering is not ("none" or "fifo"))
        {
            errors.Add("ordering", "must be none or fifo");
        }
        else if (ordering == "fifo" && delivery.Batch)
        {
            errors.Add("ordering", "fifo cannot be combined with batched deferred delivery: a batch already carries its events in publish order");
        }

        var enabled = r.Bool("enabled") ?? existing?.Spec.Enabled ?? true;

        var metadata = "{}";
        if (r.Node("metadata") is { } metadataNode)
        {
            if (metadataNode is not JsonObject)
            {
                errors.Add("metadata", "must be an object");
            }
            else
            {
                metadata = metadataNode.ToJsonString();
                if (metadata.Length > 16384)
                {
                    errors.Add("metadata", "must be at most 16 KiB of JSON");
                }
            }
        }

        if (errors.Any || name is null || url is null)
        {
            return null;
        }

        var spec = new EndpointSpec
        {
            Name = name,
            Url = url,
            Method = method,
            Description = description,
            EventTypes = eventTypes,
            EntityTypes = entityTypes,
            FilterJson = filter,
            Filter = compiledFilter,
            Auth = auth,
            SignatureScheme = scheme,
            SignatureHeader = signatureHeader,
            Headers = headers,
            Format = format,
            Template = template,
            SourceFieldKey = sourceFieldKey,
            DestinationFieldKey = destinationFieldKey,
            Retry = retry,
            Delivery = delivery,
            Timeout = timeout,
            RateLimit = rateLimit,
            Ordering = ordering,
            Enabled = enabled,
            MetadataJson = metadata,
        };
        return new ParsedEndpoint(spec, newSecret);
    }

    private static string? ReadUrl(ObjectReader r)
    {
        var url = r.String("url", required: true, maxLength: 2048, allowEmpty: false);
        if (url is null)
        {
            return null;
        }
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            r.Errors.Add("url", "must be an absolute http or https URL");
            return null;
        }
        if (string.IsNullOrEmpty(uri.Host))
        {
            r.Errors.Add("url", "must name a host");
            return null;
        }
        if (url.Any(char.IsWhiteSpace))
        {
            r.Errors.Add("url", "must not contain whitespace");
            return null;
        }
        if (uri.UserInfo.Length > 0)
        {
            // Credentials in the URL would be shown to every viewer; auth keeps them write-only.
            r.Errors.Add("url", "must not contain credentials: use auth (type basic) instead");
            return null;
        }
        return url;
    }

    private static AuthSpec ReadAuth(ObjectReader r, Endpoint? existing)
    {
        var obj = r.Object("auth");
        if (obj is null)
        {
            return AuthSpec.None;
        }
        var a = new ObjectReader(obj, "auth", r.Errors, ["type", "username", "password"]);
        var type = a.String("type") ?? "none";
        switch (type)
        {
            case "none":
                if (a.Node("username") is not null || a.Node("password") is not null)
                {
                    r.Errors.Add("auth", "username and password are allowed only with type basic");
                }
                return AuthSpec.None;
            case "basic":
                var username = a.String("username", required: true, maxLength: 256, allowEmpty: false);
                if (username is not null && (username.Contains(':') || username.Any(char.IsControl)))
                {
                    r.Errors.Add("auth.username", "must not contain ':' or control characters");
                }
                var password = a.String("password", required: true, maxLength: 1024, allowEmpty: false);
                if (password == Mask)
                {
                    password = existing?.Spec.Auth is { Type: "basic", Password: { } stored } ? stored : null;
                    if (password is null)
                    {
                        r.Errors.Add("auth.password", "is masked but no password is stored: send the password itself");
                    }
                }
                else if (password is not null && password.Any(char.IsControl))
                {
                    r.Errors.Add("auth.password", "must not contain control characters");
                }
                return new AuthSpec("basic", username, password);
            default:
                r.Errors.Add("auth.type", "must be none or basic");
                return AuthSpec.None;
        }
    }

    private static (string Scheme, string? Header, string? NewSecret) ReadSignature(ObjectReader r, EndpointParseMode mode, Endpoint? existing)
    {
        var obj = r.Object("signature");
        var s = obj is null ? null : new ObjectReader(obj, "signature", r.Errors, ["scheme", "secret", "header"], mode == EndpointParseMode.Create ? null : ["secret_hint"]);
        var scheme = s?.String("scheme") ?? "standard";
        if (scheme is not ("standard" or "ushahidi" or "none"))
        {
            r.Errors.Add("signature.scheme", "must be standard, ushahidi or none");
            return (scheme, null, null);
        }
        var header = s?.String("header", maxLength: 256, allowEmpty: false);
        if (header is not null && scheme != "ushahidi")
        {
            r.Errors.Add("signature.header", "applies only to the ushahidi scheme");
        }
        if (header is not null && !IsToken(header))
        {
            r.Errors.Add("signature.header", "must be a valid header name");
        }

        var secret = s?.String("secret", maxLength: 1024);
        if (mode == EndpointParseMode.Stored)
        {
            return (scheme, header, null);
        }
        if (mode == EndpointParseMode.Replace)
        {
            if (secret is not null)
            {
                r.Errors.Add("signature.secret", "cannot be changed here: use POST /v1/endpoints/{id}/secret/rotate");
            }
            // Changing the scheme makes the old secret meaningless, so a new one is generated and shown once.
            var changed = existing is not null && existing.Spec.SignatureScheme != scheme;
            return (scheme, header, changed ? NewSecretFor(scheme) : null);
        }
        if (secret is null)
        {
            return (scheme, header, NewSecretFor(scheme));
        }
        switch (scheme)
        {
            case "none":
                r.Errors.Add("signature.secret", "is not used when the scheme is none");
                return (scheme, header, null);
            case "standard":
                if (!StandardWebhooks.TryParseSecret(secret, out _, out var error))
                {
                    r.Errors.Add("signature.secret", error ?? "must be whsec_ followed by base64 of 24 to 64 bytes");
                }
                return (scheme, header, secret);
            default:
                if (secret.Length < 8 || secret.Any(char.IsControl))
                {
                    r.Errors.Add("signature.secret", "must be at least 8 characters without control characters");
                }
                return (scheme, header, secret);
        }
    }

    /// <summary>A fresh secret in the form the scheme expects, or null for the unsigned scheme.</summary>
    public static string? NewSecretFor(string scheme) => scheme switch
    {
        "standard" => StandardWebhooks.NewSecret(),
        "ushahidi" => UshahidiSignature.NewSecret(),
        _ => null,
    };

    private static List<HeaderSpec> ReadHeaders(ObjectReader r, Endpoint? existing, AuthSpec auth, string scheme, string? signatureHeader)
    {
        var array = r.Array("headers", MaxHeaders);
        var result = new List<HeaderSpec>();
        if (array is null)
        {
            return result;
        }
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < array.Count; i++)
        {
            var path = ValidationErrors.Index("headers", i);
            if (array[i] is not JsonObject obj)
            {
                r.Errors.Add(path, "must be an object with name, value and sensitive");
                continue;
            }
            var h = new ObjectReader(obj, path, r.Errors, ["name", "value", "sensitive"]);
            var name = h.String("name", required: true, maxLength: 256, allowEmpty: false);
            var value = h.String("value", required: true, maxLength: 8192);
            var sensitive = h.Bool("sensitive") ?? false;
            if (name is null || value is null)
            {
                continue;
            }
            if (!IsToken(name))
            {
                r.Errors.Add(path + ".name", "must be a valid header name (letters, digits and !#$%&'*+-.^_`|~)");
                continue;
            }
            if (AlwaysReservedHeaders.Contains(name)
                || (auth.Type != "none" && name.Equals("Authorization", StringComparison.OrdinalIgnoreCase))
                || (scheme == "ushahidi" && name.Equals(signatureHeader ?? "X-Ushahidi-Signature", StringComparison.OrdinalIgnoreCase)))
            {
                r.Errors.Add(path + ".name", $"{name} is set by Herald and cannot be configured");
                continue;
            }
            if (!seen.Add(name))
            {
                r.Errors.Add(path + ".name", "must be unique (header names are case-insensitive)");
                continue;
            }
            if (value.Any(c => c is '\r' or '\n' or '\0'))
            {
                r.Errors.Add(path + ".value", "must not contain CR, LF or NUL");
                continue;
            }
            if (!sensitive && value == Mask)
            {
                r.Errors.Add(path + ".value", "is the mask of a sensitive value: send the value itself to make the header non-sensitive");
                continue;
            }
            if (sensitive && value == Mask)
            {
                var stored = existing?.Spec.Headers.FirstOrDefault(x => x.Sensitive && x.Name.Equals(name, StringComparison.OrdinalIgnoreCase));
                if (stored is null)
                {
                    r.Errors.Add(path + ".value", "is masked but no value is stored for this header: send the value itself");
                    continue;
                }
                value = stored.Value;
            }
            result.Add(new HeaderSpec(name, value, sensitive));
        }
        return result;
    }

    private static RetryPolicy ReadRetry(ObjectReader r)
    {
        var obj = r.Object("retry");
        if (obj is null)
        {
            return RetryPolicy.Default;
        }
        var rr = new ObjectReader(obj, "retry", r.Errors, ["schedule", "jitter"]);
        var schedule = RetryPolicy.Default.Schedule;
        if (rr.Array("schedule", MaxScheduleLength) is { } array)
        {
            var delays = new List<TimeSpan>(array.Count);
            for (var i = 0; i < array.Count; i++)
            {
                var path = ValidationErrors.Index("retry.schedule", i);
                if (array[i] is null)
                {
                    r.Errors.Add(path, "must be a duration: an integer with a unit ms, s, m, h or d (\"30s\")");
                    continue;
                }
                if (ObjectReader.ReadDuration(array[i]!, path, r.Errors, TimeSpan.Zero, MaxRetryDelay) is { } delay)
                {
                    delays.Add(delay);
                }
            }
            schedule = delays;
        }
        var jitter = rr.Number("jitter") ?? RetryPolicy.Default.Jitter;
        if (jitter is < 0 or > 0.5 || double.IsNaN(jitter))
        {
            r.Errors.Add("retry.jitter", "must be between 0 and 0.5");
        }
        return new RetryPolicy(schedule, jitter);
    }

    private static DeliveryPolicy ReadDelivery(ObjectReader r)
    {
        var obj = r.Object("delivery");
        if (obj is null)
        {
            return DeliveryPolicy.Immediate;
        }
        var d = new ObjectReader(obj, "delivery", r.Errors, ["mode", "interval", "batch"]);
        var mode = d.String("mode") ?? "immediate";
        var interval = d.Duration("interval", TimeSpan.FromSeconds(1), TimeSpan.FromDays(1));
        var batch = d.Bool("batch") ?? false;
        switch (mode)
        {
            case "immediate":
                if (interval is not null || batch)
                {
                    r.Errors.Add("delivery", "interval and batch apply only to the deferred mode");
                }
                return DeliveryPolicy.Immediate;
            case "deferred":
                if (interval is null && d.Node("interval") is null)
                {
                    r.Errors.Add("delivery.interval", "is required when mode is deferred");
                }
                return new DeliveryPolicy(mode, interval, batch);
            default:
                r.Errors.Add("delivery.mode", "must be immediate or deferred");
                return DeliveryPolicy.Immediate;
        }
    }

    private static bool IsToken(string name) => TokenRegex().IsMatch(name);

    [GeneratedRegex("^[!#$%&'*+\\-.^_`|~0-9A-Za-z]+\\z")]
    private static partial Regex TokenRegex();
}
