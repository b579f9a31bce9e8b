using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Herald.Bench;

/// <summary>
/// Several <c>herald serve</c> processes (this executable, <c>--role all</c>) on one PostgreSQL
/// database, as users run them when one process is not enough. The bench publishes to them in
/// turn; their CPU time is added to the bench's own, so the cost per delivery covers every process.
/// </summary>
internal static class ProcessTopology
{
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(60);

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<int, string> LastErrors = new();

    public static BenchTopology Create(int processes) => new("processes", processes, (context, cancellationToken) => StartAsync(processes, context, cancellationToken));

    private static async Task<BenchTarget> StartAsync(int count, ScenarioContext context, CancellationToken cancellationToken)
    {
        var database = context.Options.Database!;
        var adminKey = "hk_bench_" + Guid.NewGuid().ToString("N");
        var children = new List<Process>();
        Children? host = null;
        try
        {
            var addresses = new List<Uri>();
            for (var i = 0; i < count; i++)
            {
                var address = new Uri($"http://127.0.0.1:{FreePort()}/");
                children.Add(Launch(address, Path.Combine(context.WorkDir, $"data-{i}"), database, adminKey, context));
                addresses.Add(address);
            }
            foreach (var (address, child) in addresses.Zip(children))
            {
                await WaitReadyAsync(address, child, cancellationToken);
            }
            host = new Children(children);
            try
            {
                var (orgId, orgKey) = await BenchTopology.CreateOrganizationAsync(addresses[0], adminKey, Path.GetFileName(context.WorkDir), cancellationToken);
                return new BenchTarget(addresses[0], orgKey, orgId, BenchDatabase.Backend(database), context.Topology, host)
                {
                    Addresses = addresses,
                    ExtraCpuTime = host.CpuTime,
                    OperatorKey = adminKey,
                };
            }
            catch
            {
                await host.DisposeAsync();
                throw;
            }
        }
        catch (Exception) when (host is null)
        {
            foreach (var child in children)
            {
                Children.Stop(child);
            }
            throw;
        }
    }

    private static Process Launch(Uri address, string dataDir, string database, string adminKey, ScenarioContext context)
    {
        // The herald that runs the bench: its apphost, or `dotnet herald.dll` where there is none.
        var assembly = context.Host.HeraldAssembly;
        var apphost = Path.Combine(Path.GetDirectoryName(assembly)!, OperatingSystem.IsWindows() ? "herald.exe" : "herald");
        var start = new ProcessStartInfo(File.Exists(apphost) ? apphost : "dotnet")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        if (!File.Exists(apphost))
        {
            start.ArgumentList.Add(assembly);
        }
        foreach (var arg in new[]
        {
            "serve", "--urls", address.GetLeftPart(UriPartial.Authority), "--data-dir", dataDir, "--database", database,
            "--role", "all", "--allow-private-targets", "--admin-key", adminKey,
            "--workers", context.Options.Workers.ToString(System.Globalization.CultureInfo.InvariantCulture),
        })
        {
            start.ArgumentList.Add(arg);
        }
        start.Environment["HERALD_SECRET_KEY"] = context.SecretKey;
        var process = Process.Start(start) ?? throw new BenchException("Could not start a herald serve process.");
        process.StandardInput.Close();
        // Drained so a chatty child never blocks on a full pipe; the bench prints its own figures,
        // and a child's last error line when it fails to start.
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, e) =>
        {
            if (!string.IsNullOrWhiteSpace(e.Data))
            {
                LastErrors[process.Id] = e.Data;
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static async Task WaitReadyAsync(Uri address, Process child, CancellationToken cancellationToken)
    {
        using var client = Baselines.NewClient(1);
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < ReadyTimeout)
        {
            if (child.HasExited)
            {
                child.WaitForExit();
                var said = LastErrors.TryGetValue(child.Id, out var line) ? line : "(nothing on standard error)";
                throw new BenchException($"A herald serve process exited with code {child.ExitCode} before it was ready: {said}");
            }
            try
            {
                using var response = await client.GetAsync(new Uri(address, "/health/ready"), cancellationToken);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            await Task.Delay(100, cancellationToken);
        }
        throw new BenchException($"A herald serve process on {address} was not ready within {ReadyTimeout.TotalSeconds:0} s.");
    }

    private static int FreePort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    /// <summary>The child processes; stopping sends SIGTERM, so each finishes its in-flight work.</summary>
    private sealed class Children(List<Process> processes) : IAsyncDisposable
    {
        public TimeSpan CpuTime()
        {
            var total = TimeSpan.Zero;
            foreach (var process in processes)
            {
                try
                {
                    process.Refresh();
                    total += process.TotalProcessorTime;
                }
                catch (InvalidOperationException)
                {
                    // Exited: its time no longer counts.
                }
            }
            return total;
        }

        public ValueTask DisposeAsync()
        {
            foreach (var process in processes)
            {
                Stop(process);
            }
            return ValueTask.CompletedTask;
        }

        public static void Stop(Process process)
        {
            try
            {
                if (!process.HasExited)
                {
                    // SIGTERM: a graceful stop; a child that does not stop in time is killed.
                    Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])?.WaitForExit();
                    if (!process.WaitForExit(TimeSpan.FromSeconds(25)))
                    {
                        process.Kill();
                    }
                }
            }
            catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception)
            {
                // Already gone.
            }
            process.Dispose();
        }
    }
}
