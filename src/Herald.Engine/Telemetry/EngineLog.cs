using Microsoft.Extensions.Logging;

namespace Herald.Engine.Telemetry;

/// <summary>
/// The delivery engine's log lines, with stable event ids. None takes a secret, a password, a header
/// value or a payload: ids, counts and reasons only.
/// </summary>
internal static partial class EngineLog
{
    [LoggerMessage(1002, LogLevel.Information, "Reclaimed {Count} deliveries leased by a previous run; they are due again")]
    public static partial void LeasesReclaimed(ILogger logger, int count);

    [LoggerMessage(1004, LogLevel.Information, "Retention: purged {Count} events older than the retention period, with their deliveries and attempts")]
    public static partial void Purged(ILogger logger, int count);

    [LoggerMessage(2004, LogLevel.Error, "Retention purge failed; it will run again at the next interval")]
    public static partial void PurgeFailed(ILogger logger, Exception exception);

    [LoggerMessage(2001, LogLevel.Error, "The delivery loop failed; retrying in a second")]
    public static partial void DispatchLoopFailed(ILogger logger, Exception exception);

    [LoggerMessage(2002, LogLevel.Error, "Attempt of delivery {DeliveryId} failed unexpectedly; its lease will expire and it will be retried")]
    public static partial void AttemptCrashed(ILogger logger, string deliveryId, Exception exception);

    [LoggerMessage(2003, LogLevel.Warning, "Endpoint {EndpointId} disabled: {Reason}")]
    public static partial void EndpointDisabled(ILogger logger, string endpointId, string reason);

    [LoggerMessage(2005, LogLevel.Warning, "Endpoint {EndpointId}: circuit opened after {Failures} consecutive failed requests; probing once per probe interval")]
    public static partial void CircuitOpened(ILogger logger, string endpointId, int failures);

    [LoggerMessage(1005, LogLevel.Information, "Endpoint {EndpointId}: circuit closed by a successful request; its backlog is released")]
    public static partial void CircuitClosed(ILogger logger, string endpointId);
}
