using Herald.Core.Validation;

namespace Herald.Engine.Publishing;

/// <summary>How a publish ended, for the caller to answer with.</summary>
public enum PublishStatus
{
    /// <summary>Accepted now, or a repeat of an accepted request: <see cref="PublishResult.Status"/> and <see cref="PublishResult.Response"/> are the answer.</summary>
    Answered,

    /// <summary>The body could not be read; the reader already knows why.</summary>
    Unread,

    /// <summary>The body is not JSON at all: <see cref="PublishResult.Detail"/> says why.</summary>
    Malformed,

    /// <summary>The request is invalid: <see cref="PublishResult.Errors"/> names each field.</summary>
    Invalid,

    /// <summary>The same idempotency key is in use by a request not yet finished.</summary>
    Conflict,
}

/// <summary>The outcome of <see cref="Publisher.PublishAsync"/>.</summary>
public sealed record PublishResult(PublishStatus Outcome, int Status, byte[]? Response, bool Replayed, ValidationErrors? Errors, string? Detail)
{
    public static readonly PublishResult Unread = new(PublishStatus.Unread, 0, null, false, null, null);

    public static PublishResult Answer(int status, byte[] response, bool replayed) => new(PublishStatus.Answered, status, response, replayed, null, null);

    public static PublishResult Conflict(string detail) => new(PublishStatus.Conflict, 409, null, false, null, detail);

    /// <summary>Invalid fields, with the general detail.</summary>
    public static PublishResult Invalid(ValidationErrors errors) => new(PublishStatus.Invalid, 422, null, false, errors, null);

    /// <summary>One invalid field; the detail names it.</summary>
    public static PublishResult Invalid(string path, string message)
    {
        var errors = new ValidationErrors();
        errors.Add(path, message);
        return new(PublishStatus.Invalid, 422, null, false, errors, $"{path} {message}.");
    }

    public static PublishResult Unparsed(JsonBodyError error) =>
        error.Path is { } path ? Invalid(path, error.Message) : new(PublishStatus.Malformed, 400, null, false, null, error.Message);
}
