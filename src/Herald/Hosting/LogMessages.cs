using Microsoft.Extensions.Logging;

namespace Herald;

/// <summary>
/// The host's log lines (start-up and requests), with stable event ids; the engine's are in EngineLog. None takes a secret, a password, a header
/// value or a payload: ids, counts and reasons only.
/// </summary>
internal static partial class LogMessages
{
    [LoggerMessage(1001, LogLevel.Information, "Herald {Version} listening on {Urls} ({Backend}, role {Role}, data dir {DataDir})")]
    public static partial void Started(ILogger logger, string version, string urls, string backend, string role, string dataDir);

    [LoggerMessage(1003, LogLevel.Information, "Registered the bootstrap admin key {KeyId}")]
    public static partial void BootstrapKeyRegistered(ILogger logger, string keyId);

    [LoggerMessage(9200, LogLevel.Debug, "Refused {Method} {Path} with {Status}: {Reason}")]
    public static partial void ClientError(ILogger logger, string method, string path, int status, string reason);

    [LoggerMessage(3001, LogLevel.Error, "Unhandled error on {Method} {Path}")]
    public static partial void UnhandledRequestError(ILogger logger, string method, string path, Exception exception);
}
