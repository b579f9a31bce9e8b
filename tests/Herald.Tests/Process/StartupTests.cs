using System.Diagnostics;
using System.Net;
using System.Runtime.Versioning;
using System.Security.Cryptography;

namespace Herald.Tests.ProcessTests;

/// <summary>Start-up refusals print one clear line and exit non-zero.</summary>
[UnsupportedOSPlatform("windows")] // File modes, /proc and SIGTERM: the server targets Unix hosts.
public sealed class StartupTests
{
    [Fact]
    public async Task SecondProcess_OnTheSameDataDir_IsRefused_AndTheFirstKeepsRunning()
    {
        await using var first = await HeraldProcess.StartReadyAsync();

        var refusal = await StartExpectingRefusalAsync(first.DataDir);

        var line = AssertOneClearLine(refusal, "data directory", first.DataDir);
        Assert.True(line.Contains("in use", StringComparison.OrdinalIgnoreCase) || line.Contains("lock", StringComparison.OrdinalIgnoreCase),
            $"the refusal does not say the data directory is in use or locked: {line}");
        using var ready = await first.Client.GetAsync("/health/ready");
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.False(first.HasExited);
    }

    [Fact]
    public async Task SecondProcess_OnTheSameSqliteFile_ThroughAnotherDataDir_IsRefused()
    {
        // A SQLite instance owns its database alone and reclaims every lease at start:
        // a second process on the same file would take the first one's in-flight deliveries and send
        // them again. The data-dir lock must not be sidestepped by pointing two data dirs at one file.
        using var dir = TempDir.Create("herald-startup");
        var environment = SecretKey(Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
        string[] database = ["--database", "sqlite:" + dir.Combine("shared.db")];
        await using var first = await HeraldProcess.StartReadyAsync(dir.Combine("a"), database, environment);

        await using var second = HeraldProcess.Start(dir.Combine("b"), database, environment);
        var outcome = await ExitOrReadyAsync(second, TimeSpan.FromSeconds(15));

        Assert.True(outcome is not null,
            $"a second herald started and serves on the SQLite file {dir.Combine("shared.db")} that another running herald owns.\n{second.Output}");
        var line = AssertOneClearLine(new Refusal(outcome.Value, second.StandardOutputLines, second.StandardErrorLines, TimeSpan.Zero), "shared.db");
        Assert.True(line.Contains("in use", StringComparison.OrdinalIgnoreCase) || line.Contains("lock", StringComparison.OrdinalIgnoreCase),
            $"the refusal does not say the database is in use or locked: {line}");
        Assert.False(first.HasExited);
    }

    [Theory]
    [InlineData("Host=127.0.0.1;Port={port};Database=x;Username=herald;Password=hunter2-secret")]
    [InlineData("postgres://herald:hunter2-secret@127.0.0.1:{port}/db")]
    public async Task UnreachablePostgres_IsRefusedAtOnce_WithoutThePassword_NorFallingBackToSqlite(string template)
    {
        using var dir = TempDir.Create("herald-startup");
        var dataDir = dir.Combine("data");
        // A port nothing listens on: the connection is refused at once.
        var database = template.Replace("{port}", FreePort.Next().ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);

        var refusal = await StartExpectingRefusalAsync(dataDir, ["--database", database]);

        var line = AssertOneClearLine(refusal, "PostgreSQL", "127.0.0.1");
        Assert.DoesNotContain("hunter2", line);
        Assert.False(File.Exists(Path.Combine(dataDir, "herald.db")), "a SQLite database was created although PostgreSQL was asked for");
    }

    [Theory]
    [InlineData("api")]
    [InlineData("worker")]
    public async Task ApiOrWorkerRole_OnSqlite_IsRefused(string role)
    {
        using var dir = TempDir.Create("herald-startup");

        var refusal = await StartExpectingRefusalAsync(dir.Combine("data"), ["--role", role]);

        AssertOneClearLine(refusal, "--role " + role, "PostgreSQL");
    }

    [Fact]
    public async Task UnknownRole_IsRefused()
    {
        using var dir = TempDir.Create("herald-startup");

        var refusal = await StartExpectingRefusalAsync(dir.Combine("data"), ["--role", "both"]);

        AssertOneClearLine(refusal, "--role", "both");
    }

    [Fact]
    public async Task BogusDatabase_IsRefused()
    {
        using var dir = TempDir.Create("herald-startup");
        var dataDir = dir.Combine("data");

        var refusal = await StartExpectingRefusalAsync(dataDir, ["--database", "bogus"]);

        AssertOneClearLine(refusal, "--database", "bogus");
        Assert.False(File.Exists(Path.Combine(dataDir, "herald.db")), "a SQLite database was created for --database bogus");
    }

    [Fact]
    public async Task DataDir_UnderARegularFile_IsRefused()
    {
        using var dir = TempDir.Create("herald-startup");
        var file = dir.Combine("plain-file");
        await File.WriteAllTextAsync(file, "not a directory");
        var dataDir = Path.Combine(file, "data");

        var refusal = await StartExpectingRefusalAsync(dataDir);

        AssertOneClearLine(refusal, "data directory", dataDir);
    }

    [Fact]
    public async Task ReadOnlyDataDir_IsRefused()
    {
        using var dir = TempDir.Create("herald-startup");
        string dataDir;
        if (IsRoot)
        {
            // chmod does not stop root; /proc refuses new entries whoever asks.
            dataDir = Path.Combine("/proc", "herald-test-" + Guid.NewGuid().ToString("N"));
        }
        else
        {
            dataDir = dir.Combine("read-only");
            Directory.CreateDirectory(dataDir);
            File.SetUnixFileMode(dataDir, UnixFileMode.UserRead | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute
                | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        }
        try
        {
            var refusal = await StartExpectingRefusalAsync(dataDir);

            AssertOneClearLine(refusal, "data directory", dataDir);
        }
        finally
        {
            if (!IsRoot)
            {
                File.SetUnixFileMode(dataDir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
        }
    }

    [Fact]
    public async Task WrongSecretKey_IsRefused_AndTheRightOneStillStarts()
    {
        using var dir = TempDir.Create("herald-startup");
        var adminKey = HeraldProcess.NewAdminKey();
        var keyA = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        var keyB = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        string endpointId;
        await using (var first = await HeraldProcess.StartReadyAsync(dir.Path, environment: SecretKey(keyA), adminKey: adminKey))
        {
            // The endpoint's signing secret is stored encrypted with key A.
            endpointId = await ProcessScenario.CreateEndpointAsync(first.Client, "http://127.0.0.1:9/hook", ["1s"]);
            Assert.Equal(0, await first.StopAsync(TimeSpan.FromSeconds(15)));
        }

        var refusal = await StartExpectingRefusalAsync(dir.Path, environment: SecretKey(keyB), adminKey: adminKey);

        AssertOneClearLine(refusal, "secret key");
        await using var again = await HeraldProcess.StartReadyAsync(dir.Path, environment: SecretKey(keyA), adminKey: adminKey);
        using var endpoint = await again.Client.GetAsync($"/v1/endpoints/{endpointId}");
        Assert.Equal(HttpStatusCode.OK, endpoint.StatusCode);
    }

    [Fact]
    public async Task SecretKey_NotBase64_IsRefused()
    {
        using var dir = TempDir.Create("herald-startup");

        var refusal = await StartExpectingRefusalAsync(dir.Combine("data"), environment: SecretKey("notbase64"));

        AssertOneClearLine(refusal, "HERALD_SECRET_KEY");
    }

    [Fact]
    public async Task IdempotencyWindow_WithoutAUnit_IsRefused()
    {
        using var dir = TempDir.Create("herald-startup");

        var refusal = await StartExpectingRefusalAsync(dir.Combine("data"),
            environment: new Dictionary<string, string?> { ["HERALD_IDEMPOTENCY_WINDOW"] = "5" });

        AssertOneClearLine(refusal, "HERALD_IDEMPOTENCY_WINDOW");
    }

    private static bool IsRoot => Environment.UserName == "root";

    private static Dictionary<string, string?> SecretKey(string value) => new() { ["HERALD_SECRET_KEY"] = value };

    private sealed record Refusal(int ExitCode, IReadOnlyList<string> Stdout, IReadOnlyList<string> Stderr, TimeSpan Took);

    private static async Task<Refusal> StartExpectingRefusalAsync(
        string dataDir, string[]? args = null, Dictionary<string, string?>? environment = null, string? adminKey = null)
    {
        var clock = Stopwatch.StartNew();
        await using var herald = HeraldProcess.Start(dataDir, args, environment, adminKey);
        var exitCode = await herald.WaitForExitAsync(TimeSpan.FromSeconds(15));
        return new Refusal(exitCode, herald.StandardOutputLines, herald.StandardErrorLines, clock.Elapsed);
    }

    /// <summary>The exit code once the process has exited, or null as soon as it answers <c>/health/ready</c>.</summary>
    private static async Task<int?> ExitOrReadyAsync(HeraldProcess herald, TimeSpan timeout)
    {
        var exited = herald.WaitForExitAsync(timeout);
        var ready = herald.WaitReadyAsync(timeout);
        try
        {
            if (await Task.WhenAny(exited, ready) == exited)
            {
                return await exited;
            }
            await ready;
            return null;
        }
        catch (InvalidOperationException)
        {
            // WaitReadyAsync saw the exit first.
            return await exited;
        }
    }

    /// <summary>Non-zero exit within seconds, and exactly one line of output, on stderr, saying each of <paramref name="mentions"/>.</summary>
    private static string AssertOneClearLine(Refusal refusal, params string[] mentions)
    {
        var all = string.Join('\n', refusal.Stdout.Concat(refusal.Stderr));
        Assert.True(refusal.ExitCode != 0, $"herald exited 0 instead of refusing to start.\n{all}");
        Assert.True(refusal.Took < TimeSpan.FromSeconds(10), $"the refusal took {refusal.Took.TotalSeconds:0.0} s");
        Assert.True(refusal.Stdout.All(string.IsNullOrWhiteSpace), $"a refusal printed on standard output:\n{all}");
        var lines = refusal.Stderr.Where(l => !string.IsNullOrWhiteSpace(l)).ToList();
        Assert.True(lines.Count == 1, $"expected one line on standard error, got {lines.Count}:\n{all}");
        foreach (var mention in mentions)
        {
            Assert.True(lines[0].Contains(mention, StringComparison.OrdinalIgnoreCase), $"the refusal does not mention '{mention}': {lines[0]}");
        }
        return lines[0];
    }
}
