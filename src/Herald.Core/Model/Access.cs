namespace Herald.Core.Model;

/// <summary>What an API key may do inside its organization; each role includes the ones below it.</summary>
public enum Role
{
    Viewer = 0,
    Publisher = 1,
    Admin = 2,
}

/// <summary>The authenticated principal of one request: a key of one organization.</summary>
public sealed record Caller(string OrgId, string KeyId, Role Role, bool IsOperator)
{
    public bool Allows(Role required) => Role >= required;
}

/// <summary>Parses and names roles as the API spells them.</summary>
public static class Roles
{
    public static string Name(Role role) => role switch
    {
        Role.Admin => "admin",
        Role.Publisher => "publisher",
        _ => "viewer",
    };

    public static bool TryParse(string? text, out Role role)
    {
        switch (text)
        {
            case "admin": role = Role.Admin; return true;
            case "publisher": role = Role.Publisher; return true;
            case "viewer": role = Role.Viewer; return true;
            default: role = Role.Viewer; return false;
        }
    }
}

/// <summary>A tenant.</summary>
public sealed record Organization(string Id, string Name, DateTimeOffset CreatedAt);

/// <summary>An API key as listed (never with its token).</summary>
public sealed record ApiKey(string Id, string OrgId, string Name, Role Role, bool IsOperator, DateTimeOffset CreatedAt, DateTimeOffset? LastUsedAt);
