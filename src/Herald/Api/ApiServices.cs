using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.Json;

namespace Herald.Api;

/// <summary>Registers and maps the JSON API: its JSON dialect, problem details, OpenAPI document, key scheme and role policies.</summary>
public static class ApiServices
{
    public static IServiceCollection AddHeraldApi(this IServiceCollection services)
    {
        services.Configure<JsonOptions>(o => ApiJson.Configure(o.SerializerOptions));
        services.AddProblemDetails(o => o.CustomizeProblemDetails = c => c.ProblemDetails.Detail ??= DefaultDetail(c.HttpContext));
        services.AddOpenApi();
        services.AddSingleton<KeyAuthenticator>();
        services.AddHostedService<KeyUsageFlusher>();
        services.AddAuthentication().AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);
        services.AddAuthorizationBuilder().AddApiPolicies();
        services.AddSingleton<IAuthorizationHandler, ApiAccessHandler>();
        services.AddSingleton<IAuthorizationMiddlewareResultHandler, ProblemAuthorizationResultHandler>();
        return services;
    }

    /// <summary>The OpenAPI document and every /v1 resource.</summary>
    public static void MapHeraldApi(this WebApplication app)
    {
        // The one document Herald has; any other name falls through to the problem+json 404.
        app.MapOpenApi("/openapi/v1.json");
        var v1 = app.MapGroup("/v1");
        v1.MapOrgsApi();
        v1.MapEventTypesApi();
        v1.MapEndpointsApi();
        v1.MapApplinksApi();
        v1.MapEventsApi();
        v1.MapDeliveriesApi();
    }

    /// <summary>The detail of errors raised before a handler runs (routing, media types), so every problem says what went wrong.</summary>
    private static string? DefaultDetail(HttpContext context)
    {
        var request = context.Request;
        return context.Response.StatusCode switch
        {
            404 => $"No route matches {request.Method} {request.Path}. The API is described at /openapi/v1.json.",
            405 => $"{request.Method} is not allowed on {request.Path}.",
            503 => "The database is busy or unreachable; nothing was stored. Retry shortly.",
            413 => "The request body is larger than the limit.",
            415 => $"The Content-Type {(string.IsNullOrEmpty(request.ContentType) ? "(none)" : request.ContentType)} is not accepted here; send the body as application/json.",
            500 => "Herald failed to handle this request; the error is logged with its trace id.",
            _ => null,
        };
    }
}
