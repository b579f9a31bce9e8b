using System.Net;
using System.Runtime.Versioning;
using System.Text.RegularExpressions;

namespace Herald.Tests.ProcessTests;

/// <summary>
/// The bootstrap admin key: generated at the first start without one, printed once on
/// standard output, kept in <c>admin.key</c> (mode 0600); keys given later are added, never replacing it.
/// </summary>
[UnsupportedOSPlatform("windows")] // File modes.
public sealed class BootstrapKeyTests
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private static readonly Regex KeyShape = new("^hk_[A-Za-z0-9_-]{43}$", RegexOptions.CultureInvariant);

    [Fact]
    public async Task FirstStart_WithoutAdminKey_PrintsTheGeneratedKeyOnce_AndStoresItOwnerOnly()
    {
        using var dir = TempDir.Create("herald-bootstrap");
        var dataDir = dir.Combine("data");

        await using var herald = await BareHerald.StartReadyAsync(dataDir);

        var keyLines = herald.StandardOutputLines.Where(l => KeyShape.IsMatch(l)).ToList();
        var key = Assert.Single(keyLines);
        Assert.Single(herald.OutputLines, l => l.Contains(key, StringComparison.Ordinal));
        var keyFile = Path.Combine(dataDir, "admin.key");
        Assert.True(File.Exists(keyFile), $"{keyFile} was not written");
        Assert.Equal(key, (await File.ReadAllTextAsync(keyFile)).Trim());
        Assert.Equal(OwnerOnly, File.GetUnixFileMode(keyFile));
        var secretFile = Path.Combine(dataDir, "secret.key");
        Assert.True(File.Exists(secretFile), $"{secretFile} was not written");
        Assert.Equal(OwnerOnly, File.GetUnixFileMode(secretFile));
        using var client = herald.ClientWithKey(key);
        using var endpoints = await client.GetAsync("/v1/endpoints");
        Assert.Equal(HttpStatusCode.OK, endpoints.StatusCode);
    }

    [Fact]
    public async Task Restart_WithoutAdminKey_PrintsNoKey_AndWithAdminKey_AddsItAndKeepsTheFirst()
    {
        using var dir = TempDir.Create("herald-bootstrap");
        var dataDir = dir.Combine("data");
        string generated;
        await using (var first = await BareHerald.StartReadyAsync(dataDir))
        {
            generated = Assert.Single(first.StandardOutputLines, l => KeyShape.IsMatch(l));
        }

        await using (var second = await BareHerald.StartReadyAsync(dataDir))
        {
            Assert.DoesNotContain(second.OutputLines, l => l.Contains(generated, StringComparison.Ordinal) || KeyShape.IsMatch(l.Trim()));
            using var client = second.ClientWithKey(generated);
            using var endpoints = await client.GetAsync("/v1/endpoints");
            Assert.Equal(HttpStatusCode.OK, endpoints.StatusCode);
        }

        var given = "operator-" + Guid.NewGuid().ToString("N");
        await using var third = await HeraldProcess.StartReadyAsync(dataDir, adminKey: given);
        await third.WaitForOutputAsync(l => l.Contains("listening on", StringComparison.OrdinalIgnoreCase), TimeSpan.FromSeconds(5));
        Assert.DoesNotContain(third.OutputLines, l => l.Contains(generated, StringComparison.Ordinal) || l.Contains(given, StringComparison.Ordinal));
        using (var orgs = await third.Client.GetAsync("/v1/orgs"))
        {
            Assert.Equal(HttpStatusCode.OK, orgs.StatusCode); // The given key is a bootstrap operator key.
        }
        using var firstKey = new HttpClient { BaseAddress = third.BaseUrl };
        firstKey.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", generated);
        using (var endpoints = await firstKey.GetAsync("/v1/endpoints"))
        {
            Assert.Equal(HttpStatusCode.OK, endpoints.StatusCode);
        }
        Assert.Equal(generated, (await File.ReadAllTextAsync(Path.Combine(dataDir, "admin.key"))).Trim());
    }
}
