using Herald.Core.Security;
using Microsoft.Extensions.Options;

namespace Herald.Engine.Configuration;

/// <summary>
/// The start-up checks of <see cref="HeraldOptions"/> that need no disk or database: each failure is
/// the one line <c>herald serve</c> prints before exiting 1, naming the option and its variable.
/// </summary>
public sealed class HeraldOptionsValidator : IValidateOptions<HeraldOptions>
{
    public const int MaxWorkers = 4096;
    public const int MinAdminKeyLength = 16;

    public ValidateOptionsResult Validate(string? name, HeraldOptions options)
    {
        var failures = Failures(options).ToList();
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static IEnumerable<string> Failures(HeraldOptions options)
    {
        if (options.Role is not ("all" or "api" or "worker"))
        {
            yield return $"--role must be all, api or worker (got '{options.Role}').";
        }
        if (options.Workers is < 1 or > MaxWorkers)
        {
            yield return $"--workers must be between 1 and {MaxWorkers} (got {options.Workers}).";
        }
        if (!string.IsNullOrEmpty(options.SecretKey) && !SecretBox.TryParseKey(options.SecretKey, out _))
        {
            yield return "--secret-key / HERALD_SECRET_KEY must be the base64 of exactly 32 bytes (openssl rand -base64 32).";
        }
        if (!string.IsNullOrEmpty(options.AdminKey) && options.AdminKey.Length < MinAdminKeyLength)
        {
            yield return $"--admin-key / HERALD_ADMIN_KEY must be at least {MinAdminKeyLength} characters.";
        }
    }
}
