using Herald.Core.Validation;

namespace Herald.Api;

/// <summary>RFC 9457 problem responses with a precise detail and, for validation, the failing paths.</summary>
public static class Problems
{
    public static IResult Status(int status, string title, string detail, IDictionary<string, object?>? extensions = null) =>
        Results.Problem(detail: detail, statusCode: status, title: title, extensions: extensions);

    public static IResult Validation(ValidationErrors errors, string detail = "The request is invalid; see errors for each field.") =>
        Status(422, "Unprocessable Content", detail, new Dictionary<string, object?> { ["errors"] = errors.Items });

    public static IResult Validation(string path, string message)
    {
        var errors = new ValidationErrors();
        errors.Add(path, message);
        return Validation(errors, $"{path} {message}.");
    }

    public static IResult BadRequest(string detail) => Status(400, "Bad Request", detail);

    public static IResult NotFound(string what) => Status(404, "Not Found", $"No {what} with that id exists in your organization.");

    public static IResult Conflict(string detail) => Status(409, "Conflict", detail);

    public static IResult Forbidden(string detail) => Status(403, "Forbidden", detail);

    public static IResult TooLarge(long limit) => Status(413, "Content Too Large", $"The request body is larger than the limit of {Core.Sizes.Format(limit)}.");
}
