using System.Security.Cryptography;

namespace Herald.Tests.Security;

/// <summary>
/// Logs (docs/security.md): no secret, password, API key, sensitive header or payload in any line
/// Herald writes, even at the most verbose log level. The built executable runs as users run it,
/// and everything it prints on standard output and standard error is searched.
/// </summary>
public sealed class LogHygieneTests
{
    /// <summary>
    /// The host reads configuration from environment variables (CreateSlimBuilder), so these turn every
    /// category up to Trace. Herald's own filters hold ASP.NET Core and System.Net.Http at Warning; the
    /// longer category names below are more specific than those filters, so they win.
    /// </summary>
    private static readonly Dictionary<string, string?> Verbose = new()
    {
        ["Logging__LogLevel__Default"] = "Trace",
        ["Logging__LogLevel__Microsoft.AspNetCore.Hosting"] = "Trace",
        ["Logging__LogLevel__Microsoft.AspNetCore.Server.Kestrel"] = "Trace",
        ["Logging__LogLevel__Microsoft.AspNetCore.Routing"] = "Trace",
        ["Logging__LogLevel__Microsoft.AspNetCore.Diagnostics"] = "Trace",
        ["Logging__LogLevel__Microsoft.AspNetCore.Http"] = "Trace",
        ["Logging__LogLevel__System.Net.Http.HttpClient"] = "Trace",
        ["Logging__Console__FormatterOptions__IncludeScopes"] = "true",
    };

    [Fact]
    public async Task Output_AtTraceLevel_HoldsNoSecretKeyPasswordSensitiveHeaderOrPayload()
    {
        using var dir = TempDir.Create("herald-logs");
        var secretKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        var operatorKey = HeraldProcess.NewAdminKey();
        var environment = new Dictionary<string, string?>(Verbose) { ["HERALD_SECRET_KEY"] = secretKey };
        await using var receiver = await TestReceiver.StartAsync();

        var output = new List<string>();
        Canaries secrets;
        string dataCanary;
        await using (var herald = await HeraldProcess.StartReadyAsync(dir.Combine("data"), environment: environment, adminKey: operatorKey))
        {
            using var scenario = await SecretScenario.RunAsync(herald.BaseUrl, operatorKey, receiver);
            secrets = scenario.Secrets;
            dataCanary = scenario.DataCanary;
            // The 410 is logged (endpoint disabled): the delivery paths did write lines.
            await herald.WaitForOutputAsync(l => l.Contains("410 Gone", StringComparison.Ordinal), TimeSpan.FromSeconds(30));
            Assert.Equal(0, await herald.StopAsync());
            output.AddRange(herald.OutputLines);
        }

        // A start with the wrong key is refused; the refusal names neither key.
        var wrongKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        await using (var refused = HeraldProcess.Start(dir.Combine("data"),
            environment: new Dictionary<string, string?>(Verbose) { ["HERALD_SECRET_KEY"] = wrongKey }, adminKey: operatorKey))
        {
            Assert.NotEqual(0, await refused.WaitForExitAsync(TimeSpan.FromSeconds(30)));
            output.AddRange(refused.OutputLines);
            Assert.Contains(refused.OutputLines, l => l.Contains("secret key", StringComparison.OrdinalIgnoreCase));
        }

        secrets.Add("the operator key given with --admin-key", operatorKey);
        secrets.Add("HERALD_SECRET_KEY", secretKey);
        secrets.AddBytes("HERALD_SECRET_KEY's bytes", Convert.FromBase64String(secretKey));
        secrets.Add("the wrong HERALD_SECRET_KEY", wrongKey);
        secrets.Add("the events' data", dataCanary);
        var text = string.Join('\n', output);
        // The search is not blind: the verbose categories did write.
        Assert.Contains("dbug:", text);
        Assert.Contains("Request starting", text);
        var leaked = secrets.FoundIn(text);
        Assert.True(leaked.Count == 0, $"Herald's output shows: {string.Join("; ", leaked)}\n\n{Excerpt(output, secrets)}");
    }

    /// <summary>The offending lines, so the failure says where the leak is.</summary>
    private static string Excerpt(List<string> output, Canaries secrets) =>
        string.Join('\n', output.Where(l => secrets.FoundIn(l).Count > 0).Take(20));
}
