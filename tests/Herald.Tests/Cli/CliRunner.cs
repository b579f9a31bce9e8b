using Herald.Cli;

namespace Herald.Tests.Cli;

/// <summary>What a <c>herald</c> invocation printed and returned.</summary>
public sealed record CliResult(int ExitCode, string Out, string Err)
{
    public override string ToString() => $"exit {ExitCode}\n--- stdout ---\n{Out}\n--- stderr ---\n{Err}";
}

/// <summary>
/// Runs <c>herald</c> in this process through <see cref="HeraldCli.RunAsync"/>, capturing its output
/// through <see cref="CliContext"/> (Console.SetOut would be shared by every parallel test).
/// </summary>
public static class CliRunner
{
    /// <summary>Runs with an empty environment, so a developer's HERALD_SERVER or HERALD_KEY cannot leak into the test.</summary>
    public static Task<CliResult> RunAsync(params string[] args) => RunAsync(new Dictionary<string, string>(), args);

    public static async Task<CliResult> RunAsync(IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        int exitCode;
        using (CliContext.Use(new CliContext(output, error, name => environment.GetValueOrDefault(name))))
        {
            exitCode = await HeraldCli.RunAsync(args);
        }
        return new CliResult(exitCode, output.ToString(), error.ToString());
    }

    /// <summary>The shipped catalogue files, from the repository's catalogs/ directory.</summary>
    public static string CatalogsDirectory => Path.Combine(HeraldProcess.FindRepositoryRoot(AppContext.BaseDirectory), "catalogs");

    public static string CatalogPath(string fileName) => Path.Combine(CatalogsDirectory, fileName);
}
