namespace Herald.Bench;

/// <summary>
/// What the bench reads from the <c>--database</c> text itself: whether it names PostgreSQL (the
/// rule <c>herald serve</c> applies), the backend name Herald reports for it, and host, port and
/// database for messages. Herald checks the rest of a PostgreSQL connection string when it starts.
/// </summary>
public static class BenchDatabase
{
    /// <summary>A <c>postgres://</c> or <c>postgresql://</c> URL, or keywords with <c>Host=</c>; anything else is SQLite.</summary>
    public static bool IsPostgres(string? database) =>
        database is not null
        && (database.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase)
            || database.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase)
            || database.Contains("Host=", StringComparison.OrdinalIgnoreCase));

    /// <summary>The <c>backend</c> of the JSON lines: <c>postgresql</c> or <c>sqlite</c>.</summary>
    public static string Backend(string? database) => IsPostgres(database) ? "postgresql" : "sqlite";

    /// <summary>
    /// <c>host:port/database</c> of a PostgreSQL connection string (never its password), the
    /// database defaulting to the user name and then to <c>postgres</c>, as the server's does.
    /// Throws <see cref="FormatException"/> when it names no host or a URL is malformed.
    /// </summary>
    public static string DescribePostgres(string text)
    {
        string host;
        int port;
        string? database;
        string? user;
        if (text.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase) || text.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase))
        {
            if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.Host))
            {
                throw new FormatException("The PostgreSQL URL is malformed; expected postgres://user:password@host:port/database.");
            }
            host = uri.Host.Trim('[', ']');
            port = uri.Port > 0 ? uri.Port : DefaultPort;
            var name = Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/'));
            database = name.Length > 0 ? name : null;
            var colon = uri.UserInfo.IndexOf(':');
            user = uri.UserInfo.Length > 0 ? Uri.UnescapeDataString(colon < 0 ? uri.UserInfo : uri.UserInfo[..colon]) : null;
        }
        else
        {
            var keywords = Keywords(text);
            host = Value(keywords, "host", "server") ?? "";
            port = int.TryParse(Value(keywords, "port"), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var p) ? p : DefaultPort;
            database = Value(keywords, "database", "db");
            user = Value(keywords, "username", "user name", "userid", "user id", "uid", "user");
        }
        if (string.IsNullOrWhiteSpace(host))
        {
            throw new FormatException("The PostgreSQL connection string names no host (Host=… or postgres://host/…).");
        }
        return $"{host}:{port}/{database ?? user ?? "postgres"}";
    }

    private const int DefaultPort = 5432;

    /// <summary><c>key=value</c> pairs separated by <c>;</c>, keys compared without case.</summary>
    private static Dictionary<string, string> Keywords(string text)
    {
        var pairs = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var part in text.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var equals = part.IndexOf('=');
            if (equals <= 0)
            {
                // The part itself is not repeated: it may be the password.
                throw new FormatException("The PostgreSQL connection string is malformed: every part must be keyword=value.");
            }
            pairs[part[..equals].Trim()] = part[(equals + 1)..].Trim();
        }
        return pairs;
    }

    private static string? Value(Dictionary<string, string> keywords, params string[] names) =>
        names.Select(n => keywords.GetValueOrDefault(n)).FirstOrDefault(v => !string.IsNullOrEmpty(v));
}
