using System.Diagnostics;

namespace Herald.Tests.Infrastructure;

/// <summary>
/// A PostgreSQL cluster of a test's own (initdb in a temporary directory), for the tests that stop
/// and restart the server; the shared test server must never be restarted under other tests.
/// As root, the cluster belongs to the postgres user, since PostgreSQL refuses to run as root.
/// </summary>
public sealed class PostgresCluster : IAsyncDisposable
{
    private readonly string _bin;
    private readonly string _dir;
    private bool _running;

    private PostgresCluster(string bin, string dir, int port)
    {
        _bin = bin;
        _dir = dir;
        Port = port;
    }

    public int Port { get; }

    public string ConnectionString => $"Host=127.0.0.1;Port={Port};Username=postgres;Database=postgres";

    public static async Task<PostgresCluster> StartAsync()
    {
        var bin = Environment.GetEnvironmentVariable("HERALD_PG_BIN") is { Length: > 0 } configured ? configured : "/usr/lib/postgresql/15/bin";
        if (!File.Exists(Path.Combine(bin, "initdb")))
        {
            throw new InvalidOperationException($"PostgreSQL server binaries are not in {bin} (scripts/test.sh installs them; HERALD_PG_BIN points elsewhere).");
        }
        var dir = Directory.CreateTempSubdirectory("herald-pgc-").FullName;
        var cluster = new PostgresCluster(bin, dir, FreePort.Next());
        if (IsRoot)
        {
            await RunAsync("chown", "postgres", dir);
        }
        await cluster.AsOwnerAsync("initdb", "-D", Path.Combine(dir, "data"), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync");
        await cluster.StartAgainAsync();
        return cluster;
    }

    /// <summary>Stops the server at once (<c>-m fast</c>): open connections are cut, as in a crash of the database host's service.</summary>
    public async Task StopAsync()
    {
        await AsOwnerAsync("pg_ctl", "-D", Path.Combine(_dir, "data"), "-m", "fast", "-w", "stop");
        _running = false;
    }

    public async Task StartAgainAsync()
    {
        await AsOwnerAsync("pg_ctl", "-D", Path.Combine(_dir, "data"), "-l", Path.Combine(_dir, "log"), "-w", "-t", "60", "-o",
            $"-c listen_addresses=127.0.0.1 -c port={Port} -c unix_socket_directories='{_dir}' -c fsync=off", "start");
        _running = true;
    }

    public async ValueTask DisposeAsync()
    {
        if (_running)
        {
            await AsOwnerAsync("pg_ctl", "-D", Path.Combine(_dir, "data"), "-m", "immediate", "-w", "stop");
        }
        Directory.Delete(_dir, recursive: true);
    }

    private static bool IsRoot => Environment.UserName == "root";

    private Task AsOwnerAsync(string program, params string[] args) =>
        IsRoot ? RunAsync("runuser", ["-u", "postgres", "--", Path.Combine(_bin, program), .. args]) : RunAsync(Path.Combine(_bin, program), args);

    private static async Task RunAsync(string program, params string[] args)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(90));
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', args)} exited {process.ExitCode}: {await stdout}{await stderr}");
        }
    }
}
