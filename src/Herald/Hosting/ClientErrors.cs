using Herald.Api;

namespace Herald.Hosting;

/// <summary>
/// Requests that break while their body or form is read — bad chunked framing, a body arriving too
/// slowly, a form over the field limits — fail inside whatever handler reads them, as exceptions.
/// They are the client's mistake: answered with a problem+json 4xx that says why, and logged as one
/// Debug line without a stack trace, so a hostile or broken client cannot flood the log with errors.
/// </summary>
public static class ClientErrors
{
    public static IApplicationBuilder UseClientErrors(this IApplicationBuilder app)
    {
        var logger = app.ApplicationServices.GetRequiredService<ILoggerFactory>().CreateLogger("Herald.Requests");
        return app.Use(async (context, next) =>
        {
            try
            {
                await next(context);
            }
            catch (Exception e) when (Classify(e) is { } problem)
            {
                LogMessages.ClientError(logger, context.Request.Method, context.Request.Path, problem.Status, problem.Reason);
                if (context.Response.HasStarted)
                {
                    // Too late for a status: end the exchange, as the client's framing already did.
                    context.Abort();
                    return;
                }
                context.Response.Clear();
                await Problems.Status(problem.Status, problem.Title, problem.Reason).ExecuteAsync(context);
            }
        });
    }

    private sealed record ClientProblem(int Status, string Title, string Reason);

    /// <summary>The answer to an exception that is the client's mistake, or null for Herald's own errors (a 500, logged with its trace).</summary>
    private static ClientProblem? Classify(Exception e) => e switch
    {
        // Kestrel's framing and rate checks: bad chunk sizes, a truncated body, a body too slow or too large.
        BadHttpRequestException bad => new ClientProblem(bad.StatusCode, Title(bad.StatusCode), $"The request could not be read: {bad.Message}"),
        // A chunk size too large for any number (FFFFFFFFFFFFFFFFFFFF) is the same framing error, raised as an IOException.
        IOException io when io.Source?.StartsWith("Microsoft.AspNetCore.Server.Kestrel", StringComparison.Ordinal) == true =>
            new ClientProblem(400, Title(400), $"The request body could not be read: {io.Message}"),
        // The form reader's limits (1,024 fields, key and value lengths) and malformed multipart bodies.
        InvalidDataException form when form.Source is "Microsoft.AspNetCore.WebUtilities" or "Microsoft.AspNetCore.Http" =>
            new ClientProblem(400, Title(400), $"The form could not be read: {form.Message}"),
        _ => null,
    };

    private static string Title(int status) => status switch
    {
        408 => "Request Timeout",
        413 => "Content Too Large",
        431 => "Request Header Fields Too Large",
        _ => "Bad Request",
    };
}
