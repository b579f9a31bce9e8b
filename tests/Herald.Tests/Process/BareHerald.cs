using System.Diagnostics;
using System.Net;
using OsProcess = System.Diagnostics.Process;

namespace Herald.Tests.ProcessTests;

/// <summary>
/// <c>herald serve</c> started without <c>--admin-key</c>, which <see cref="HeraldProcess"/> always
/// passes: the bootstrap-key path needs a first start with no key at all.
/// </summary>
internal sealed class BareHerald : IAsyncDisposable
{
    private readonly OsProcess _process;
    private readonly Lock _gate = new();
    private readonly List<string> _stdout = [];
    private readonly List<string> _stderr = [];

    private BareHerald(OsProcess process, Uri baseUrl)
    {
        _process = process;
        BaseUrl = baseUrl;
    }

    public Uri BaseUrl { get; }

    public IReadOnlyList<string> StandardOutputLines
    {
        get
        {
            lock (_gate)
            {
                return [.. _stdout];
            }
        }
    }

    public IReadOnlyList<string> OutputLines
    {
        get
        {
            lock (_gate)
            {
                return [.. _stdout, .. _stderr];
            }
        }
    }

    /// <summary>Starts <c>herald serve --urls … --data-dir … --allow-private-targets</c> and waits for <c>/health/ready</c>.</summary>
    public static async Task<BareHerald> StartReadyAsync(string dataDir)
    {
        var executable = HeraldProcess.Locate(AppContext.BaseDirectory);
        var baseUrl = new Uri($"http://127.0.0.1:{FreePort.Next()}/");
        var startInfo = new ProcessStartInfo(executable.FileName)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            WorkingDirectory = Path.GetTempPath(),
        };
        foreach (var arg in executable.PrefixArguments.Concat(
            ["serve", "--urls", baseUrl.GetLeftPart(UriPartial.Authority), "--data-dir", dataDir, "--allow-private-targets"]))
        {
            startInfo.ArgumentList.Add(arg);
        }
        foreach (var name in startInfo.Environment.Keys.Where(n => n.StartsWith("HERALD_", StringComparison.Ordinal)).ToList())
        {
            startInfo.Environment.Remove(name);
        }

        var process = new OsProcess { StartInfo = startInfo };
        var herald = new BareHerald(process, baseUrl);
        process.OutputDataReceived += (_, e) => herald.OnLine(e.Data, herald._stdout);
        process.ErrorDataReceived += (_, e) => herald.OnLine(e.Data, herald._stderr);
        process.Start();
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await herald.WaitReadyAsync(TimeSpan.FromSeconds(30));
            await herald.WaitForStartedLineAsync(TimeSpan.FromSeconds(5));
            return herald;
        }
        catch
        {
            await herald.DisposeAsync();
            throw;
        }
    }

    public HttpClient ClientWithKey(string key)
    {
        var client = new HttpClient { BaseAddress = BaseUrl, Timeout = TimeSpan.FromSeconds(10) };
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
        return client;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: false);
            }
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException)
        {
            // Already gone.
        }
        _process.Dispose();
    }

    private async Task WaitReadyAsync(TimeSpan timeout)
    {
        using var probe = new HttpClient { BaseAddress = BaseUrl, Timeout = TimeSpan.FromSeconds(2) };
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (_process.HasExited)
            {
                await _process.WaitForExitAsync();
                throw new InvalidOperationException($"herald exited with code {_process.ExitCode} before it was ready.\n{string.Join('\n', OutputLines)}");
            }
            try
            {
                using var response = await probe.GetAsync("/health/ready");
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                // Not listening yet.
            }
            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException($"herald was not ready within {timeout.TotalSeconds:0} s.\n{string.Join('\n', OutputLines)}");
            }
            await Task.Delay(50);
        }
    }

    /// <summary>
    /// Herald logs "… listening on …" once started, after anything start-up printed; seeing it means
    /// standard output so far has been read. Best effort: a changed log line only makes this wait.
    /// </summary>
    private async Task WaitForStartedLineAsync(TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout && !StandardOutputLines.Any(l => l.Contains("listening on", StringComparison.OrdinalIgnoreCase)))
        {
            await Task.Delay(20);
        }
    }

    private void OnLine(string? line, List<string> into)
    {
        if (line is null)
        {
            return;
        }
        lock (_gate)
        {
            into.Add(line);
        }
    }
}
