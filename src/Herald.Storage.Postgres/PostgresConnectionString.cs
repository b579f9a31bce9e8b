using Npgsql;

namespace Herald.Storage.Postgres;

/// <summary>Parses the two spellings of a PostgreSQL connection string Herald accepts.</summary>
public static class PostgresConnectionString
{
    /// <summary>
    /// <c>Host=…;Database=…</c> (Npgsql's keywords) or a URL <c>postgres://user:password@host:port/database?sslmode=require</c>.
    /// Messages never repeat the password.
    /// </summary>
    public static NpgsqlConnectionStringBuilder Parse(string text)
    {
        NpgsqlConnectionStringBuilder builder;
        if (text.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase) || text.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase))
        {
            builder = FromUrl(text);
        }
        else
        {
            try
            {
                builder = new NpgsqlConnectionStringBuilder(text);
            }
            catch (ArgumentException e)
            {
                throw new FormatException($"The PostgreSQL connection string is malformed: {e.Message}");
            }
        }
        if (string.IsNullOrWhiteSpace(builder.Host))
        {
            throw new FormatException("The PostgreSQL connection string names no host (Host=… or postgres://host/…).");
        }
        builder.ApplicationName ??= "herald";
        return builder;
    }

    /// <summary>Host, port and database of a connection string, for messages: never its password.</summary>
    public static string Describe(string text)
    {
        var builder = Parse(text);
        return $"{builder.Host}:{builder.Port}/{builder.Database ?? builder.Username ?? "postgres"}";
    }

    private static NpgsqlConnectionStringBuilder FromUrl(string text)
    {
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.Host))
        {
            throw new FormatException("The PostgreSQL URL is malformed; expected postgres://user:password@host:port/database.");
        }
        var builder = new NpgsqlConnectionStringBuilder { Host = uri.Host.Trim('[', ']') };
        if (uri.Port > 0)
        {
            builder.Port = uri.Port;
        }
        if (uri.UserInfo.Length > 0)
        {
            var colon = uri.UserInfo.IndexOf(':');
            builder.Username = Uri.UnescapeDataString(colon < 0 ? uri.UserInfo : uri.UserInfo[..colon]);
            if (colon >= 0)
            {
                builder.Password = Uri.UnescapeDataString(uri.UserInfo[(colon + 1)..]);
            }
        }
        var database = Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/'));
        if (database.Length > 0)
        {
            builder.Database = database;
        }
        foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = pair.IndexOf('=');
            var name = Uri.UnescapeDataString(equals < 0 ? pair : pair[..equals]);
            var value = equals < 0 ? "" : Uri.UnescapeDataString(pair[(equals + 1)..]);
            try
            {
                builder[UrlKeyword(name)] = value;
            }
            catch (ArgumentException)
            {
                throw new FormatException($"The PostgreSQL URL has an unknown or invalid parameter '{name}'.");
            }
        }
        return builder;
    }

    // libpq's URL parameter names for the options people put in URLs; others pass as Npgsql keywords.
    private static string UrlKeyword(string name) => name.ToLowerInvariant() switch
    {
        "sslmode" => "SSL Mode",
        "connect_timeout" => "Timeout",
        "application_name" => "Application Name",
        "options" => "Options",
        _ => name,
    };
}
