using Herald.Core;

namespace Herald.Engine.Configuration;

/// <summary>Everything <c>herald serve</c> is configured with; each option also has an environment variable.</summary>
public sealed class HeraldOptions
{
    public string Urls { get; set; } = "http://127.0.0.1:8080";
    public string DataDir { get; set; } = "./herald-data";
    public string? Database { get; set; }
    public string Role { get; set; } = "all";
    public string? AdminKey { get; set; }
    public bool AllowPrivateTargets { get; set; }
    public int Workers { get; set; } = 64;
    public bool RequireHttps { get; set; }
    public long MaxPayload { get; set; } = 1024 * 1024;
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(30);
    public string? SecretKey { get; set; }
    public TimeSpan CircuitProbeInterval { get; set; } = TimeSpan.FromMinutes(1);
    public TimeSpan AutoDisableAfter { get; set; } = TimeSpan.FromDays(5);
    public TimeSpan RotationOverlap { get; set; } = TimeSpan.FromHours(24);
    public TimeSpan IdempotencyWindow { get; set; } = TimeSpan.FromHours(24);

    /// <summary>True when this process serves the API and the dashboard (--role all or api).</summary>
    public bool ServesApi => Role is "all" or "api";

    /// <summary>True when this process delivers and purges (--role all or worker).</summary>
    public bool Delivers => Role is "all" or "worker";

    /// <summary>Reads the timing variables that only the environment sets (tests shorten them).</summary>
    public void ApplyTimingEnvironment(Func<string, string?> env)
    {
        CircuitProbeInterval = EnvDuration(env, "HERALD_CIRCUIT_PROBE_INTERVAL") ?? CircuitProbeInterval;
        AutoDisableAfter = EnvDuration(env, "HERALD_AUTO_DISABLE_AFTER") ?? AutoDisableAfter;
        RotationOverlap = EnvDuration(env, "HERALD_ROTATION_OVERLAP") ?? RotationOverlap;
        IdempotencyWindow = EnvDuration(env, "HERALD_IDEMPOTENCY_WINDOW") ?? IdempotencyWindow;
    }

    private static TimeSpan? EnvDuration(Func<string, string?> env, string name)
    {
        var text = env(name);
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }
        return Durations.TryParse(text, out var value)
            ? value
            : throw new StartupException($"{name}={text} is not a duration (an integer with a unit ms, s, m, h or d, like 30s).");
    }
}

/// <summary>A start-up refusal: printed as one line, exit code 1.</summary>
public sealed class StartupException(string message) : Exception(message);
