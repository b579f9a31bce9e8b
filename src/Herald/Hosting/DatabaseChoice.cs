using Herald.Storage.Postgres;
using Microsoft.Extensions.Options;

namespace Herald.Hosting;

/// <summary>Where the data lives: a SQLite file (null path: the default file in the data dir) or a PostgreSQL connection string.</summary>
public readonly record struct DatabaseChoice(string? SqlitePath, string? Postgres)
{
    /// <summary>Reads <c>--database</c>; null with the refusal in <paramref name="error"/> when it names no database Herald knows.</summary>
    public static DatabaseChoice? Parse(string? text, out string? error)
    {
        error = null;
        var database = text?.Trim();
        if (string.IsNullOrEmpty(database))
        {
            return default(DatabaseChoice);
        }
        if (database.StartsWith("sqlite:", StringComparison.OrdinalIgnoreCase))
        {
            var path = database["sqlite:".Length..];
            if (path.Length == 0)
            {
                error = "--database sqlite: needs a file path, like sqlite:./herald.db.";
                return null;
            }
            return new DatabaseChoice(Path.GetFullPath(path), null);
        }
        if (PostgresStoreFactory.IsPostgres(database))
        {
            try
            {
                PostgresConnectionString.Parse(database);
            }
            catch (FormatException e)
            {
                error = $"--database: {e.Message}";
                return null;
            }
            return new DatabaseChoice(null, database);
        }
        error = $"--database must be sqlite:PATH or a PostgreSQL connection string (Host=…;Database=… or postgres://…); got '{Redact(database)}'.";
        return null;
    }

    // Never the whole value: it may hold a password.
    private static string Redact(string text) => text.Length > 12 ? text[..12] + "…" : text;
}

/// <summary>
/// The start-up checks of <c>--database</c>, and of the roles that need a database shared between
/// processes. Registered before the engine's checks, so a bad database is the refusal printed first.
/// </summary>
public sealed class DatabaseOptionsValidator : IValidateOptions<HeraldOptions>
{
    public ValidateOptionsResult Validate(string? name, HeraldOptions options)
    {
        if (DatabaseChoice.Parse(options.Database, out var error) is not { } database)
        {
            return ValidateOptionsResult.Fail(error!);
        }
        if (options.Role is "api" or "worker" && database.Postgres is null)
        {
            return ValidateOptionsResult.Fail($"--role {options.Role} needs a PostgreSQL database shared with the other processes (--database Host=…); a SQLite database belongs to one process running --role all.");
        }
        return ValidateOptionsResult.Success;
    }
}
