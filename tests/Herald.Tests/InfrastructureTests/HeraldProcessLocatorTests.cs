using System.Net;
using System.Net.Sockets;

namespace Herald.Tests.InfrastructureTests;

public class HeraldProcessLocatorTests
{
    [Theory]
    [InlineData("/r/tests/Herald.Tests/bin/Release/net10.0/", "Release")]
    [InlineData("/r/tests/Herald.Tests/bin/Debug/net10.0", "Debug")]
    [InlineData("/r/tests/Herald.Tests/bin/debug/net10.0/", "Debug")]
    [InlineData("/r/artifacts/out/", null)]
    [InlineData("/r/tests/Herald.Tests/bin/Custom/net10.0/", null)]
    public void DetectConfiguration_ReadsTheOutputPath(string baseDirectory, string? expected)
    {
        Assert.Equal(expected, HeraldProcess.DetectConfiguration(baseDirectory));
    }

    [Fact]
    public void Locate_FindsTheBuiltHerald_OfThisTestRunsConfiguration()
    {
        var found = HeraldProcess.Locate(AppContext.BaseDirectory);

        Assert.True(File.Exists(Path.Combine(found.RepositoryRoot, "Herald.slnx")));
        Assert.Equal(HeraldProcess.DetectConfiguration(AppContext.BaseDirectory), found.Configuration);
        Assert.True(File.Exists(found.FileName) || found.FileName == "dotnet", found.FileName);
        Assert.Contains(Path.Combine("src", "Herald", "bin", found.Configuration, "net10.0"),
            found.PrefixArguments.Count == 0 ? found.FileName : found.PrefixArguments[0], StringComparison.Ordinal);
    }

    [Fact]
    public void Locate_PrefersTheSameConfiguration_AndFallsBackToTheDll()
    {
        using var repo = FakeRepository();
        Touch(repo.Combine("src", "Herald", "bin", "Debug", "net10.0", "herald"));
        Touch(repo.Combine("src", "Herald", "bin", "Debug", "net10.0", "herald.dll"));
        Touch(repo.Combine("src", "Herald", "bin", "Release", "net10.0", "herald.dll"));
        var releaseTests = Directory.CreateDirectory(repo.Combine("tests", "Herald.Tests", "bin", "Release", "net10.0")).FullName;
        var debugTests = Directory.CreateDirectory(repo.Combine("tests", "Herald.Tests", "bin", "Debug", "net10.0")).FullName;

        var fromRelease = HeraldProcess.Locate(releaseTests);
        var fromDebug = HeraldProcess.Locate(debugTests);

        Assert.Equal("Release", fromRelease.Configuration);
        Assert.Equal([repo.Combine("src", "Herald", "bin", "Release", "net10.0", "herald.dll")], fromRelease.PrefixArguments);
        Assert.Equal("dotnet", Path.GetFileNameWithoutExtension(fromRelease.FileName));
        Assert.Equal("Debug", fromDebug.Configuration);
        Assert.Equal(repo.Combine("src", "Herald", "bin", "Debug", "net10.0", "herald"), fromDebug.FileName);
        Assert.Empty(fromDebug.PrefixArguments);
        Assert.Equal(repo.Path, fromDebug.RepositoryRoot);
    }

    [Fact]
    public void Locate_UsesTheOtherConfiguration_WhenOnlyThatIsBuilt()
    {
        using var repo = FakeRepository();
        Touch(repo.Combine("src", "Herald", "bin", "Debug", "net10.0", "herald"));
        Touch(repo.Combine("src", "Herald", "bin", "Debug", "net10.0", "herald.dll"));
        var releaseTests = Directory.CreateDirectory(repo.Combine("tests", "Herald.Tests", "bin", "Release", "net10.0")).FullName;

        Assert.Equal("Debug", HeraldProcess.Locate(releaseTests).Configuration);
    }

    [Fact]
    public void Locate_SaysWhereItLookedAndWhatToDo_WhenNothingIsBuilt()
    {
        using var repo = FakeRepository();
        var tests = Directory.CreateDirectory(repo.Combine("tests", "Herald.Tests", "bin", "Debug", "net10.0")).FullName;

        var error = Assert.Throws<FileNotFoundException>(() => HeraldProcess.Locate(tests));

        Assert.Contains(repo.Combine("src", "Herald", "bin", "Debug", "net10.0"), error.Message, StringComparison.Ordinal);
        Assert.Contains("dotnet build Herald.slnx", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FindRepositoryRoot_FailsClearly_OutsideTheRepository()
    {
        using var dir = TempDir.Create();

        var error = Assert.Throws<DirectoryNotFoundException>(() => HeraldProcess.FindRepositoryRoot(dir.Path));

        Assert.Contains("Herald.slnx", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NewAdminKey_HasTheShapeHeraldIssues()
    {
        var key = HeraldProcess.NewAdminKey();

        Assert.Matches("^hk_[A-Za-z0-9_-]{43}$", key);
        Assert.NotEqual(key, HeraldProcess.NewAdminKey());
    }

    [Fact]
    public void FreePort_HandsOutDistinctBindablePorts()
    {
        var ports = Enumerable.Range(0, 20).Select(_ => FreePort.Next()).ToList();

        Assert.Equal(ports.Count, ports.Distinct().Count());
        var listener = new TcpListener(IPAddress.Loopback, ports[0]);
        listener.Start();
        listener.Stop();
    }

    [Fact]
    public void TempDir_IsUniqueAndRemovedWithItsContents()
    {
        string path;
        using (var dir = TempDir.Create())
        using (var other = TempDir.Create())
        {
            path = dir.Path;
            Assert.NotEqual(dir.Path, other.Path);
            Touch(dir.Combine("nested", "file.txt"));
        }

        Assert.False(Directory.Exists(path));
    }

    private static TempDir FakeRepository()
    {
        var repo = TempDir.Create("herald-fake-repo");
        Touch(repo.Combine("Herald.slnx"));
        return repo;
    }

    private static void Touch(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, "");
    }
}
