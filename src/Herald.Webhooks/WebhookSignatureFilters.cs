using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Herald.Webhooks;

/// <summary>
/// Minimal API helpers: <c>app.MapPost("/hook", handler).RequireStandardWebhookSignature(secret)</c>.
/// A request whose signature does not verify is answered 401 problem+json with the reason, and the
/// handler does not run. The handler can bind the body as usual, or read <c>Request.Body</c> from the start.
/// </summary>
public static class WebhookSignatureFilters
{
    public static RouteHandlerBuilder RequireStandardWebhookSignature(this RouteHandlerBuilder builder, string secret, TimeSpan? tolerance = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var verifier = new StandardWebhooksVerifier(secret, tolerance, time);
        return builder.RequireSignature((request, body) => verifier.Verify(
            request.Headers[StandardWebhooksVerifier.IdHeader].ToString(),
            request.Headers[StandardWebhooksVerifier.TimestampHeader].ToString(),
            request.Headers[StandardWebhooksVerifier.SignatureHeader].ToString(),
            body));
    }

    /// <param name="url">The endpoint URL exactly as configured in Herald: it is signed, and a proxy may have rewritten the one this request came to.</param>
    /// <param name="header">The signature header, if the endpoint's <c>signature.header</c> changed it.</param>
    public static RouteHandlerBuilder RequireUshahidiSignature(this RouteHandlerBuilder builder, string secret, string url, string header = UshahidiVerifier.SignatureHeader)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(url);
        var verifier = new UshahidiVerifier(secret);
        return builder.RequireSignature((request, body) => verifier.Verify(url, request.Headers[header].ToString(), body));
    }

    private static RouteHandlerBuilder RequireSignature(this RouteHandlerBuilder builder, Func<HttpRequest, byte[], VerificationResult> verify)
    {
        // Parameter binding reads the body before any endpoint filter runs, so buffering has to be
        // switched on around the whole endpoint delegate; the filter then sees the raw bytes.
        builder.Finally(endpoint =>
        {
            var inner = endpoint.RequestDelegate;
            if (inner is not null)
            {
                endpoint.RequestDelegate = context =>
                {
                    context.Request.EnableBuffering();
                    return inner(context);
                };
            }
        });
        return builder.AddEndpointFilter(async (invocation, next) =>
        {
            var request = invocation.HttpContext.Request;
            request.EnableBuffering();
            request.Body.Position = 0;
            using var buffer = new MemoryStream();
            await request.Body.CopyToAsync(buffer, invocation.HttpContext.RequestAborted);
            request.Body.Position = 0;
            var result = verify(request, buffer.ToArray());
            if (!result.IsValid)
            {
                return Results.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Invalid webhook signature", detail: result.Reason);
            }
            return await next(invocation);
        });
    }
}
