namespace Herald.Webhooks;

/// <summary>The outcome of checking one request's signature: valid, or why not.</summary>
public sealed record VerificationResult(bool IsValid, string? Reason)
{
    public static VerificationResult Valid { get; } = new(true, null);

    public static VerificationResult Invalid(string reason) => new(false, reason);

    public override string ToString() => IsValid ? "valid" : $"invalid: {Reason}";
}
