using Herald.Engine.Configuration;
using Herald.Engine.Delivery;
using Herald.Engine.Delivery.Transports;
using Herald.Engine.Operational;
using Herald.Engine.Publishing;
using Herald.Engine.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Herald.Engine;

/// <summary>Registers the engine: its options, application services, delivery workers and telemetry.</summary>
public static class EngineServices
{
    /// <summary>
    /// <see cref="HeraldOptions"/> filled by <paramref name="configure"/> (the command line and the
    /// HERALD_* variables, or a test) and checked by <see cref="HeraldOptionsValidator"/> when the host
    /// starts. Services that take <see cref="HeraldOptions"/> itself get the validated value.
    /// </summary>
    public static IServiceCollection AddHeraldOptions(this IServiceCollection services, Action<HeraldOptions> configure)
    {
        services.AddOptions<HeraldOptions>().Configure(configure).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<HeraldOptions>, HeraldOptionsValidator>());
        services.TryAddSingleton(sp => sp.GetRequiredService<IOptions<HeraldOptions>>().Value);
        return services;
    }

    /// <summary>
    /// The engine's services over a <c>HeraldStore</c> the host registers. The dispatcher and the
    /// retention purge run on processes whose role delivers (all, worker) and stay idle on the others.
    /// </summary>
    public static IServiceCollection AddHeraldEngine(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IHostResolver, DnsHostResolver>();
        services.AddSingleton<TargetGuard>();
        services.AddSingleton<IDeliveryTransport, HttpTransport>();
        services.AddSingleton<DeliveryTransports>();
        services.AddSingleton<HeraldMetrics>();
        services.AddSingleton<EndpointCatalog>();
        services.AddSingleton<EventTypeCatalog>();
        services.AddSingleton<DispatchSignal>();
        services.AddSingleton<AttemptRunner>();
        services.AddSingleton<Publisher>();
        services.AddSingleton<ManualRetry>();
        services.AddHostedService<Dispatcher>();
        services.AddHostedService<RetentionService>();
        return services;
    }
}
