using System.Reflection;
using Herald.Api;
using Herald.Dashboard;
using Herald.Engine;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;

namespace Herald.Hosting;

/// <summary>The composition root of the one Herald process: API, dashboard, delivery workers and operational routes.</summary>
public static class HeraldServer
{
    public static string Version => typeof(HeraldServer).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    /// <summary>
    /// Builds the app from <paramref name="configure"/>'s options: validates them, takes the data
    /// directory, opens the database and registers the bootstrap key, in that order, before the host
    /// starts. Start-up refusals throw <see cref="StartupException"/>. Tests pass their own clock and
    /// replace services (the name resolver) through <paramref name="services"/>.
    /// </summary>
    public static async Task<WebApplication> BuildAsync(Action<HeraldOptions> configure, TextWriter stdout, TimeProvider? clock = null, Action<IServiceCollection>? services = null)
    {
        // The content root is the install folder, not the working directory: the host watches its
        // content root for configuration changes, and the data dir (written constantly) is often
        // inside the working directory.
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        ConfigureHost(builder);
        builder.Services.AddSingleton(clock ?? TimeProvider.System);

        // The storage checks first: a bad --database is the refusal printed before any other.
        builder.Services.AddHeraldStorage();
        builder.Services.AddHeraldOptions(configure);
        builder.Services.AddHeraldEngine();
        builder.Services.AddHeraldApi();
        builder.Services.AddHeraldDashboard();
        services?.Invoke(builder.Services);

        var (app, options) = BuildValidated(builder);
        try
        {
            var resources = app.Services.GetRequiredService<HeraldResources>();
            await resources.OpenAsync(stdout);
            app.Lifetime.ApplicationStopped.Register(() => resources.DisposeAsync().AsTask().GetAwaiter().GetResult());
            foreach (var url in options.Urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                app.Urls.Add(url);
            }
            ConfigurePipeline(app, options);

            var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Herald");
            app.Lifetime.ApplicationStarted.Register(() =>
                LogMessages.Started(logger, Version, string.Join(", ", app.Urls), resources.Store.Backend, options.Role, resources.DataDirectory.Path));
            return app;
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
    }

    /// <summary>The same, from options filled in already (the benchmark's in-process target): they are bound and validated as any others.</summary>
    public static Task<WebApplication> BuildAsync(HeraldOptions options, TextWriter stdout, TimeProvider? clock = null, Action<IServiceCollection>? configure = null) =>
        BuildAsync(target =>
        {
            foreach (var property in typeof(HeraldOptions).GetProperties().Where(p => p.CanWrite))
            {
                property.SetValue(target, property.GetValue(options));
            }
        }, stdout, clock, configure);

    /// <summary>
    /// Builds the app and validates the options as the host will see them (it checks them again as it
    /// starts): nothing is opened or created for a configuration that is refused. Building resolves the
    /// server, whose limits read the options, so a refusal may come from either step.
    /// </summary>
    private static (WebApplication App, HeraldOptions Options) BuildValidated(WebApplicationBuilder builder)
    {
        try
        {
            var app = builder.Build();
            return (app, app.Services.GetRequiredService<IOptions<HeraldOptions>>().Value);
        }
        catch (OptionsValidationException e)
        {
            // One refusal, one line: the first failure, in the order the validators are registered.
            throw new StartupException(e.Failures.First());
        }
    }

    /// <summary>Kestrel's limits and the log filters of the process.</summary>
    private static void ConfigureHost(WebApplicationBuilder builder)
    {
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.ConfigureEndpointDefaults(listen => listen.UseProblemRejections());
            // Long enough that an absurd id reaches Herald and gets a problem+json 404, not Kestrel's bare 414.
            k.Limits.MaxRequestLineSize = 64 * 1024;
        });
        // Bodies are read with their own limits; this only stops absurd uploads early.
        builder.Services.AddOptions<KestrelServerOptions>().Configure<IOptions<HeraldOptions>>((k, herald) =>
            k.Limits.MaxRequestBodySize = Math.Max(herald.Value.MaxPayload, RequestBody.DefaultLimit) + 64 * 1024);
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddFilter("System.Net.Http", LogLevel.Warning);
        // A refused key or an ended session is the client's answer, not a line in the log.
        builder.Logging.AddFilter(typeof(ApiKeyAuthenticationHandler).FullName, LogLevel.Warning);
        builder.Logging.AddFilter(typeof(DashboardAuthenticationHandler).FullName, LogLevel.Warning);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(20));
    }

    /// <summary>The middleware in order, then the routes this role serves.</summary>
    private static void ConfigurePipeline(WebApplication app, HeraldOptions options)
    {
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            // A database that is locked past the busy timeout, or unreachable, is a 503 to retry:
            // nothing was committed, so nothing was accepted.
            StatusCodeSelector = e => e switch
            {
                Microsoft.AspNetCore.Http.BadHttpRequestException bad => bad.StatusCode,
                System.Data.Common.DbException => 503,
                _ => 500,
            },
        });
        app.UseClientErrors();
        app.UseStatusCodePages();
        app.UseAuthentication();
        app.UseApiKeys();
        app.UseAuthorization();
        app.MapOperationsApi();
        if (options.ServesApi)
        {
            app.MapHeraldApi();
            app.MapDashboard();
        }
    }
}
