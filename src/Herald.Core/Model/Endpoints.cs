namespace Herald.Core.Model;

/// <summary>How a request authenticates to the receiver (SysTrack: off / basic).</summary>
public sealed record AuthSpec(string Type, string? Username, string? Password)
{
    public static readonly AuthSpec None = new("none", null, null);
}

/// <summary>A custom request header; sensitive values are write-only.</summary>
public sealed record HeaderSpec(string Name, string Value, bool Sensitive);

/// <summary>Deferred (batched) or immediate sending.</summary>
public sealed record DeliveryPolicy(string Mode, TimeSpan? Interval, bool Batch)
{
    public static readonly DeliveryPolicy Immediate = new("immediate", null, false);
}

/// <summary>
/// Everything a user configures on an endpoint, with sensitive values in clear (they are masked
/// at the API edge and sealed at rest). Read-only state lives on <see cref="Endpoint"/>.
/// </summary>
public sealed record EndpointSpec
{
    public required string Name { get; init; }
    public required string Url { get; init; }
    public string Method { get; init; } = "POST";
    public string Description { get; init; } = "";
    public IReadOnlyList<string> EventTypes { get; init; } = [];
    public IReadOnlyList<string> EntityTypes { get; init; } = [];
    /// <summary>The filter document as JSON text, or null for none.</summary>
    public string? FilterJson { get; init; }

    /// <summary>The filter compiled from <see cref="FilterJson"/> when the spec was read.</summary>
    public Filters.PayloadFilter? Filter { get; init; }
    public AuthSpec Auth { get; init; } = AuthSpec.None;
    public string SignatureScheme { get; init; } = "standard";
    public string? SignatureHeader { get; init; }
    public IReadOnlyList<HeaderSpec> Headers { get; init; } = [];
    public string Format { get; init; } = "envelope";
    public string? Template { get; init; }
    public string? SourceFieldKey { get; init; }
    public string? DestinationFieldKey { get; init; }
    public RetryPolicy Retry { get; init; } = RetryPolicy.Default;
    public DeliveryPolicy Delivery { get; init; } = DeliveryPolicy.Immediate;
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(15);
    public double? RateLimit { get; init; }
    public string Ordering { get; init; } = "none";
    public bool Enabled { get; init; } = true;
    /// <summary>The metadata object as JSON text.</summary>
    public string MetadataJson { get; init; } = "{}";
}

/// <summary>
/// Signing secrets of an endpoint. During a rotation overlap the previous secret keeps signing
/// alongside the current one until <see cref="PreviousUntil"/>.
/// </summary>
public sealed record SigningSecrets(string? Current, string? Previous, DateTimeOffset? PreviousUntil)
{
    public static readonly SigningSecrets Empty = new(null, null, null);
}

/// <summary>A stored endpoint: the user's spec plus the state Herald keeps about it.</summary>
public sealed record Endpoint(
    string Id,
    string OrgId,
    EndpointSpec Spec,
    SigningSecrets Secrets,
    string? DisabledReason,
    bool CircuitOpen,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt)
{
    public bool Insecure => Spec.Url.StartsWith("http://", StringComparison.OrdinalIgnoreCase);
}
