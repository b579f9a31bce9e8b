using System.Diagnostics;
using System.IO.Compression;
using System.Xml.Linq;
using Herald.Tests.Infrastructure;

namespace Herald.Tests.Cli;

/// <summary>
/// <c>dotnet pack src/Herald</c> makes a .NET tool package (README: Install as a dotnet tool): a
/// package of type DotnetTool whose tool entry runs herald.dll as the command <c>herald</c>.
/// Packs the build these tests run against (<c>--no-build</c>), into a temporary directory.
/// </summary>
public sealed class PackToolTests
{
    [Fact]
    public async Task Pack_MakesAToolPackage_WhoseCommandIsHerald()
    {
        var root = HeraldProcess.FindRepositoryRoot(AppContext.BaseDirectory);
        var configuration = HeraldProcess.DetectConfiguration(AppContext.BaseDirectory) ?? "Release";
        using var dir = TempDir.Create("herald-pack");
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        // The generated .nuspec goes to the temporary directory too, not into the shared obj/.
        foreach (var arg in new[] { "pack", Path.Combine("src", "Herald", "Herald.csproj"), "-c", configuration, "--no-build", "-o", dir.Path, "-p:NuspecOutputPath=" + dir.Path + Path.DirectorySeparatorChar, "-nologo" })
        {
            start.ArgumentList.Add(arg);
        }
        using var pack = Process.Start(start)!;
        var output = pack.StandardOutput.ReadToEndAsync();
        var error = pack.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await pack.WaitForExitAsync(timeout.Token);

        Assert.True(pack.ExitCode == 0, $"dotnet pack exited {pack.ExitCode}: {await output} {await error}");
        var package = Assert.Single(Directory.GetFiles(dir.Path, "Herald.*.nupkg"));
        using var zip = ZipFile.OpenRead(package);
        var settingsEntry = Assert.Single(zip.Entries, e => e.FullName.EndsWith("/DotnetToolSettings.xml", StringComparison.Ordinal));
        Assert.StartsWith("tools/net10.0/any/", settingsEntry.FullName, StringComparison.Ordinal);
        XDocument settings;
        await using (var stream = settingsEntry.Open())
        {
            settings = await XDocument.LoadAsync(stream, LoadOptions.None, CancellationToken.None);
        }
        var command = Assert.Single(settings.Descendants("Command"));
        Assert.Equal("herald", command.Attribute("Name")?.Value);
        Assert.Equal("herald.dll", command.Attribute("EntryPoint")?.Value);
        Assert.Contains(zip.Entries, e => e.FullName == "tools/net10.0/any/herald.dll");
        Assert.Contains(zip.Entries, e => e.FullName == "tools/net10.0/any/Herald.Storage.dll");

        var nuspecEntry = Assert.Single(zip.Entries, e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal));
        XDocument nuspec;
        await using (var stream = nuspecEntry.Open())
        {
            nuspec = await XDocument.LoadAsync(stream, LoadOptions.None, CancellationToken.None);
        }
        Assert.Equal("Herald", nuspec.Descendants().Single(e => e.Name.LocalName == "id").Value);
        Assert.Contains(nuspec.Descendants().Where(e => e.Name.LocalName == "packageType"), t => t.Attribute("name")?.Value == "DotnetTool");
    }
}
