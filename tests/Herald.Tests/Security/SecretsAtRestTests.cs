using System.Runtime.Versioning;
using System.Security.Cryptography;
using System.Text;

namespace Herald.Tests.Security;

/// <summary>
/// Endpoint secrets, basic-auth passwords and sensitive header values are encrypted at
/// rest, and API keys are stored only as hashes. The files of the data dir are read as raw bytes —
/// the database, its write-ahead log and shared memory — so what a stolen disk or backup holds is
/// what is checked, not what the store's API returns.
/// </summary>
public sealed class SecretsAtRestTests
{
    [Fact]
    public async Task DataDir_HoldsNoSecretInClear_AndApiKeysOnlyAsTheirSha256()
    {
        using var dir = TempDir.Create("herald-at-rest");
        await using var receiver = await TestReceiver.StartAsync();
        var (scenario, running) = await RunScenarioAsync(dir, receiver);
        using (scenario)
        {
            // Stopped: SQLite has checkpointed the log into the main file (or left it beside it).
            var stopped = ReadFiles(dir.Path);
            var everything = running.Select(f => ("while running: " + f.Key, f.Value))
                .Concat(stopped.Select(f => ("after stopping: " + f.Key, f.Value))).ToList();

            Assert.Contains("herald.db", running.Keys);
            Assert.Contains("herald.db-wal", running.Keys);
            Assert.Contains("herald.db", stopped.Keys);
            foreach (var (name, bytes) in everything)
            {
                var leaked = scenario.Secrets.FoundIn(bytes);
                Assert.True(leaked.Count == 0, $"{name} ({bytes.Length} bytes) holds in clear: {string.Join("; ", leaked)}");
            }
            foreach (var key in scenario.IssuedKeys.Append(HeraldTestServer.AdminKey))
            {
                var hash = SHA256.HashData(Encoding.UTF8.GetBytes(key));
                Assert.True(stopped.Values.Any(bytes => bytes.AsSpan().IndexOf(hash) >= 0),
                    $"The SHA-256 of API key {key[..6]}… is in none of the data dir's files: how is the key checked?");
            }
            // The scan is not blind: the payload, which is stored in clear by design, is found by it.
            var data = Encoding.UTF8.GetBytes(scenario.DataCanary);
            Assert.Contains(everything, f => f.Item2.AsSpan().IndexOf(data) >= 0);
        }
    }

    [Fact]
    [UnsupportedOSPlatform("windows")] // File modes.
    public async Task DataDir_DatabaseLogAndKeyFiles_AreOwnerOnly()
    {
        // Sealed secrets are only as safe as the key beside them: neither may be readable by other users.
        using var dir = TempDir.Create("herald-at-rest");
        await using var server = await HeraldTestServer.StartAsync(o => o.AdminKey = null, dataDir: dir.Path);
        var key = (await File.ReadAllTextAsync(dir.Combine("admin.key"))).Trim();
        using var client = server.ClientFor(key);
        await (await client.PostJsonAsync("/v1/events", new { type = "mode.checked", data = 1 })).ExpectStatusAsync(System.Net.HttpStatusCode.Accepted);

        foreach (var name in (string[])["herald.db", "herald.db-wal", "herald.db-shm", "secret.key", "admin.key", "herald.lock"])
        {
            var path = dir.Combine(name);
            Assert.True(File.Exists(path), $"{name} is missing from the data dir");
            Assert.Equal((name, UnixFileMode.UserRead | UnixFileMode.UserWrite), (name, File.GetUnixFileMode(path)));
        }
    }

    [Fact]
    [UnsupportedOSPlatform("windows")] // File modes.
    public async Task LockFiles_AreOwnerOnly_AndAWiderOneLeftByAnOlderVersionIsNarrowed()
    {
        using var dir = TempDir.Create("herald-lock-mode");
        var wide = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
        var lockFile = dir.Combine("herald.lock");
        await File.WriteAllTextAsync(lockFile, "");
        File.SetUnixFileMode(lockFile, wide);
        var databaseLock = dir.Combine("elsewhere", "herald.db.lock");

        await using (await HeraldTestServer.StartAsync(o => o.Database = "sqlite:" + dir.Combine("elsewhere", "herald.db"), dataDir: dir.Path))
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(lockFile));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(databaseLock));
        }
    }

    /// <summary>Runs the scenario on a server over <paramref name="dir"/>, snapshots the files while it runs, and stops it.</summary>
    private static async Task<(SecretScenario Scenario, Dictionary<string, byte[]> WhileRunning)> RunScenarioAsync(TempDir dir, TestReceiver receiver)
    {
        await using var server = await HeraldTestServer.StartAsync(dataDir: dir.Path);
        var scenario = await SecretScenario.RunAsync(server.BaseUrl, HeraldTestServer.AdminKey, receiver);
        scenario.Secrets.Add("the operator key", HeraldTestServer.AdminKey);
        return (scenario, ReadFiles(dir.Path));
    }

    /// <summary>Every file of the data dir as raw bytes, read without disturbing the SQLite that may hold it open.</summary>
    private static Dictionary<string, byte[]> ReadFiles(string dataDir)
    {
        var files = new Dictionary<string, byte[]>();
        foreach (var path in Directory.EnumerateFiles(dataDir, "*", SearchOption.AllDirectories))
        {
            if (path.EndsWith(".lock", StringComparison.Ordinal))
            {
                continue; // Empty, and held exclusively while Herald runs.
            }
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            files[Path.GetRelativePath(dataDir, path)] = copy.ToArray();
        }
        return files;
    }
}
