using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Security.Cryptography;

namespace Herald.Tests.Infrastructure;

// Herald.Tests.Process (the process-level tests) would otherwise shadow the BCL type here.
using Process = System.Diagnostics.Process;

/// <summary>Where the built <c>herald</c> is and how to launch it.</summary>
/// <param name="FileName">The apphost, or the dotnet host when only <c>herald.dll</c> exists.</param>
/// <param name="PrefixArguments">Arguments before herald's own (<c>herald.dll</c> for the dotnet host).</param>
public sealed record HeraldExecutable(string FileName, IReadOnlyList<string> PrefixArguments, string Configuration, string RepositoryRoot);

/// <summary>
/// The built <c>herald</c> executable run as a separate process, exactly as users run it, so crash
/// (<see cref="Kill"/>) and restart behaviour is tested for real.
/// </summary>
public sealed class HeraldProcess : IAsyncDisposable
{
    private static readonly string[] Configurations = ["Debug", "Release"];
    private static readonly Lazy<HeraldExecutable> Executable = new(() => Locate(AppContext.BaseDirectory));

    private readonly Process _process;
    private readonly TempDir? _ownedDataDir;
    private readonly Lock _outputGate = new();
    private readonly List<string> _output = [];
    private readonly List<string> _stdout = [];
    private readonly List<string> _stderr = [];
    private readonly List<(Func<string, bool> Match, TaskCompletionSource<string> Completion)> _outputWaiters = [];
    private int _disposed;

    private HeraldProcess(Process process, Uri baseUrl, string dataDir, string adminKey, TempDir? ownedDataDir)
    {
        _process = process;
        _ownedDataDir = ownedDataDir;
        BaseUrl = baseUrl;
        DataDir = dataDir;
        AdminKey = adminKey;
        Client = new HttpClient { BaseAddress = baseUrl, Timeout = TimeSpan.FromSeconds(30) };
        Client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", adminKey);
    }

    public Uri BaseUrl { get; }
    public string DataDir { get; }
    public string AdminKey { get; }
    public int Pid => _process.Id;

    /// <summary>A client for this server with its base address and <c>Authorization: Bearer &lt;admin key&gt;</c>.</summary>
    public HttpClient Client { get; }

    public bool HasExited => _process.HasExited;
    public int? ExitCode => _process.HasExited ? _process.ExitCode : null;

    /// <summary>Standard output and standard error, one entry per line, in arrival order.</summary>
    public IReadOnlyList<string> OutputLines
    {
        get
        {
            lock (_outputGate)
            {
                return [.. _output];
            }
        }
    }

    public IReadOnlyList<string> StandardOutputLines
    {
        get
        {
            lock (_outputGate)
            {
                return [.. _stdout];
            }
        }
    }

    public IReadOnlyList<string> StandardErrorLines
    {
        get
        {
            lock (_outputGate)
            {
                return [.. _stderr];
            }
        }
    }

    public string Output => string.Join('\n', OutputLines);

    /// <summary>
    /// Starts <c>herald serve --urls http://127.0.0.1:&lt;port&gt; --data-dir &lt;dir&gt; --allow-private-targets
    /// --admin-key &lt;key&gt;</c> followed by <paramref name="args"/>. Without <paramref name="dataDir"/>, a fresh
    /// temporary one is used and deleted on dispose; without <paramref name="adminKey"/>, a random key.
    /// Inherited <c>HERALD_*</c> variables are dropped so a developer's shell cannot steer the tests;
    /// <paramref name="environment"/> entries are set (a null value removes one). The working directory
    /// (which relative <c>sqlite:PATH</c>s resolve against) defaults to the data dir when it exists.
    /// </summary>
    public static HeraldProcess Start(
        string? dataDir = null,
        IEnumerable<string>? args = null,
        IReadOnlyDictionary<string, string?>? environment = null,
        string? adminKey = null,
        int? port = null,
        string? workingDirectory = null)
    {
        var executable = Executable.Value;
        var ownedDataDir = dataDir is null ? TempDir.Create("herald-data") : null;
        dataDir ??= ownedDataDir!.Path;
        adminKey ??= NewAdminKey();
        var baseUrl = new Uri($"http://127.0.0.1:{port ?? FreePort.Next()}/");

        var startInfo = new ProcessStartInfo(executable.FileName)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            WorkingDirectory = workingDirectory ?? (Directory.Exists(dataDir) ? dataDir : Path.GetTempPath()),
        };
        foreach (var prefix in executable.PrefixArguments)
        {
            startInfo.ArgumentList.Add(prefix);
        }
        string[] serve =
        [
            "serve",
            "--urls", baseUrl.GetLeftPart(UriPartial.Authority),
            "--data-dir", dataDir,
            "--allow-private-targets",
            "--admin-key", adminKey,
        ];
        foreach (var arg in serve.Concat(args ?? []))
        {
            startInfo.ArgumentList.Add(arg);
        }

        foreach (var name in startInfo.Environment.Keys.ToList())
        {
            if (name.StartsWith("HERALD_", StringComparison.Ordinal) && !name.StartsWith("HERALD_TEST_", StringComparison.Ordinal))
            {
                startInfo.Environment.Remove(name);
            }
        }
        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null)
            {
                startInfo.Environment.Remove(name);
            }
            else
            {
                startInfo.Environment[name] = value;
            }
        }

        var process = new Process { StartInfo = startInfo, EnableRaisingEvents = true };
        var herald = new HeraldProcess(process, baseUrl, dataDir, adminKey, ownedDataDir);
        process.OutputDataReceived += (_, e) => herald.OnLine(e.Data, isError: false);
        process.ErrorDataReceived += (_, e) => herald.OnLine(e.Data, isError: true);
        try
        {
            process.Start();
        }
        catch
        {
            herald.Client.Dispose();
            process.Dispose();
            ownedDataDir?.Dispose();
            throw;
        }
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return herald;
    }

    /// <summary><see cref="Start"/> and <see cref="WaitReadyAsync"/> in one go.</summary>
    public static async Task<HeraldProcess> StartReadyAsync(
        string? dataDir = null,
        IEnumerable<string>? args = null,
        IReadOnlyDictionary<string, string?>? environment = null,
        string? adminKey = null,
        int? port = null,
        string? workingDirectory = null,
        TimeSpan? timeout = null)
    {
        var herald = Start(dataDir, args, environment, adminKey, port, workingDirectory);
        try
        {
            await herald.WaitReadyAsync(timeout ?? TimeSpan.FromSeconds(30));
            return herald;
        }
        catch
        {
            await herald.DisposeAsync();
            throw;
        }
    }

    /// <summary>A key in the shape Herald issues: <c>hk_</c> and 43 URL-safe characters.</summary>
    public static string NewAdminKey() =>
        "hk_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>Polls <c>GET /health/ready</c> until 200; fails at once with the output if the process exits.</summary>
    public async Task WaitReadyAsync(TimeSpan timeout)
    {
        using var probe = new HttpClient { BaseAddress = BaseUrl, Timeout = TimeSpan.FromSeconds(2) };
        var deadline = Stopwatch.StartNew();
        string last = "no answer yet";
        while (true)
        {
            if (_process.HasExited)
            {
                await _process.WaitForExitAsync(); // Drains the output readers.
                throw new InvalidOperationException(
                    $"herald exited with code {_process.ExitCode} before it was ready.\n{Output}");
            }
            try
            {
                using var response = await probe.GetAsync("/health/ready");
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
                last = $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}";
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                last = e.Message;
            }
            if (deadline.Elapsed > timeout)
            {
                throw new TimeoutException(
                    $"herald (pid {Pid}) at {BaseUrl} was not ready within {timeout.TotalSeconds:0.#} s (last: {last}).\n{Output}");
            }
            // Start-up takes well under a second; a short poll keeps tests quick.
            await Task.Delay(50);
        }
    }

    /// <summary>Completes with the first output line (already seen or yet to come) that matches.</summary>
    public async Task<string> WaitForOutputAsync(Func<string, bool> match, TimeSpan timeout)
    {
        var completion = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_outputGate)
        {
            var seen = _output.FirstOrDefault(match);
            if (seen is not null)
            {
                return seen;
            }
            _outputWaiters.Add((match, completion));
        }
        try
        {
            return await completion.Task.WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            lock (_outputGate)
            {
                _outputWaiters.RemoveAll(w => w.Completion == completion);
            }
            throw new TimeoutException($"herald (pid {Pid}) printed no matching line within {timeout.TotalSeconds:0.#} s.\n{Output}");
        }
    }

    /// <summary>Waits for the process to end by itself (a refused start-up, say) and returns its exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        try
        {
            await _process.WaitForExitAsync().WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"herald (pid {Pid}) still running after {timeout.TotalSeconds:0.#} s.\n{Output}");
        }
        return _process.ExitCode;
    }

    /// <summary>SIGKILL, like <c>kill -9</c>: no shutdown code runs. Returns once the process is gone.</summary>
    public void Kill()
    {
        if (_process.HasExited)
        {
            return;
        }
        try
        {
            _process.Kill(entireProcessTree: false);
        }
        catch (InvalidOperationException)
        {
            // Exited between the check and the kill.
        }
        _process.WaitForExit(TimeSpan.FromSeconds(10));
    }

    /// <summary>Graceful stop (SIGTERM, as a service manager does); returns the exit code.</summary>
    public async Task<int> StopAsync(TimeSpan? timeout = null)
    {
        if (!_process.HasExited && !SendSigterm())
        {
            _process.Kill(entireProcessTree: false);
        }
        var limit = timeout ?? TimeSpan.FromSeconds(30);
        try
        {
            await _process.WaitForExitAsync().WaitAsync(limit);
        }
        catch (TimeoutException)
        {
            Kill();
            throw new TimeoutException($"herald (pid {Pid}) did not stop within {limit.TotalSeconds:0.#} s of SIGTERM; killed.\n{Output}");
        }
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }
        try
        {
            Kill();
            // Lets the output readers drain; a grandchild holding the pipes must not stall the test.
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(2));
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException)
        {
            // Never started or already reaped: nothing to clean up.
        }
        finally
        {
            Client.Dispose();
            _process.Dispose();
            _ownedDataDir?.Dispose();
        }
    }

    public override string ToString() => $"herald pid {Pid} at {BaseUrl}";

    /// <summary>Finds the built herald for the test assembly in <paramref name="baseDirectory"/>.</summary>
    public static HeraldExecutable Locate(string baseDirectory)
    {
        var root = FindRepositoryRoot(baseDirectory);
        var preferred = DetectConfiguration(baseDirectory);
        var order = preferred is null ? Configurations : [preferred, .. Configurations.Where(c => c != preferred)];
        var searched = new List<string>();
        foreach (var configuration in order)
        {
            var output = Path.Combine(root, "src", "Herald", "bin", configuration, "net10.0");
            var apphost = Path.Combine(output, OperatingSystem.IsWindows() ? "herald.exe" : "herald");
            var dll = Path.Combine(output, "herald.dll");
            if (File.Exists(apphost) && File.Exists(dll))
            {
                return new HeraldExecutable(apphost, [], configuration, root);
            }
            if (File.Exists(dll))
            {
                return new HeraldExecutable(DotnetHost(), [dll], configuration, root);
            }
            searched.Add(output);
        }
        throw new FileNotFoundException(
            $"The built herald was not found (looked in {string.Join(", ", searched)}). Build the solution first: dotnet build Herald.slnx");
    }

    /// <summary>The nearest directory at or above <paramref name="start"/> that holds Herald.slnx.</summary>
    public static string FindRepositoryRoot(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Herald.slnx")))
            {
                return dir.FullName;
            }
        }
        throw new DirectoryNotFoundException($"No Herald.slnx in {start} or any directory above it.");
    }

    /// <summary>Debug or Release, from an output path like <c>…/bin/Release/net10.0/</c>; null when neither shows.</summary>
    public static string? DetectConfiguration(string baseDirectory)
    {
        var parts = baseDirectory.Split([Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar], StringSplitOptions.RemoveEmptyEntries);
        for (var i = parts.Length - 2; i >= 0; i--)
        {
            if (string.Equals(parts[i], "bin", StringComparison.OrdinalIgnoreCase))
            {
                return Configurations.FirstOrDefault(c => string.Equals(c, parts[i + 1], StringComparison.OrdinalIgnoreCase));
            }
        }
        return null;
    }

    private static string DotnetHost()
    {
        // Set by the SDK for the processes it starts (dotnet test included).
        var host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (!string.IsNullOrEmpty(host) && File.Exists(host))
        {
            return host;
        }
        var current = Environment.ProcessPath;
        if (current is not null && Path.GetFileNameWithoutExtension(current) == "dotnet")
        {
            return current;
        }
        return "dotnet";
    }

    private bool SendSigterm()
    {
        if (OperatingSystem.IsWindows())
        {
            return false;
        }
        try
        {
            using var kill = Process.Start(new ProcessStartInfo("kill", ["-TERM", Pid.ToString(System.Globalization.CultureInfo.InvariantCulture)])
            {
                UseShellExecute = false,
                RedirectStandardError = true,
            });
            if (kill is null)
            {
                return false;
            }
            kill.WaitForExit();
            return kill.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false; // No kill(1) on this machine.
        }
    }

    private void OnLine(string? line, bool isError)
    {
        if (line is null)
        {
            return; // End of stream.
        }
        List<TaskCompletionSource<string>> matched = [];
        lock (_outputGate)
        {
            _output.Add(line);
            (isError ? _stderr : _stdout).Add(line);
            foreach (var waiter in _outputWaiters.Where(w => w.Match(line)).ToList())
            {
                matched.Add(waiter.Completion);
                _outputWaiters.Remove(waiter);
            }
        }
        foreach (var completion in matched)
        {
            completion.TrySetResult(line);
        }
    }
}

/// <summary>Free loopback TCP ports for servers that must be told their port up front.</summary>
public static class FreePort
{
    private static readonly Lock Gate = new();
    private static readonly HashSet<int> HandedOut = [];

    /// <summary>
    /// A port the OS just reported free on 127.0.0.1. Never the same one twice in a test run, so
    /// parallel tests do not race each other for it between this call and their bind.
    /// </summary>
    public static int Next()
    {
        for (var attempt = 0; attempt < 100; attempt++)
        {
            var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            listener.Stop();
            lock (Gate)
            {
                if (HandedOut.Add(port))
                {
                    return port;
                }
            }
        }
        throw new InvalidOperationException("No fresh free loopback port after 100 tries.");
    }
}

/// <summary>A uniquely named temporary directory, deleted with everything in it on dispose.</summary>
public sealed class TempDir : IDisposable
{
    private TempDir(string path) => Path = path;

    public string Path { get; }

    public static TempDir Create(string prefix = "herald-test") =>
        new(Directory.CreateTempSubdirectory(prefix + "-").FullName);

    public string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
        catch (IOException)
        {
            // A process still writing (a killed herald's files are closed by now); best effort.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    public override string ToString() => Path;
}
