namespace Herald.Storage;

/// <summary>
/// What one process tells the others sharing its database (PostgreSQL NOTIFY): new work is due, or
/// cached endpoints, event types or keys changed. A message is its kind and arguments, tab-separated.
/// </summary>
internal static class StoreNotifications
{
    public const string Channel = "herald";

    public const string Work = "work";

    /// <summary>Said by the listener itself after (re)connecting: what was said meanwhile was not heard.</summary>
    public const string Resynchronize = "resync";

    public static string Endpoints(string orgId) => $"endpoints\t{orgId}";

    public static string EventType(string orgId, string name) => $"event_type\t{orgId}\t{name}";

    public static string KeyRevoked(string keyId) => $"key\t{keyId}";

    /// <summary>Splits a message into its kind and arguments.</summary>
    public static string[] Parse(string message) => message.Split('\t');
}
