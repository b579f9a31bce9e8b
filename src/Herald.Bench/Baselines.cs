using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Herald.Core;
using Microsoft.Data.Sqlite;

namespace Herald.Bench;

/// <summary>The two yardsticks measured in every run, against the same receiver on the same machine.</summary>
public sealed record BaselineResult(Throughput Http, Throughput Naive);

/// <summary>
/// A rate, and the CPU time this process spent per message meanwhile: the CPU figure holds up
/// better than the rate when other programs share the machine.
/// </summary>
public sealed record Throughput(int Messages, double PerSecond, double CpuMsPerMessage)
{
    public static Throughput Measure(int messages, long startTimestamp, long endTimestamp, TimeSpan cpuAtStart) =>
        new(messages, Baselines.Rate(messages, startTimestamp, endTimestamp), (CpuTime() - cpuAtStart).TotalMilliseconds / Math.Max(1, messages));

    /// <summary>CPU time used by this process so far, all threads, user and kernel.</summary>
    public static TimeSpan CpuTime()
    {
        using var self = System.Diagnostics.Process.GetCurrentProcess();
        return self.TotalProcessorTime;
    }
}

/// <summary>
/// What Herald's delivery rate is compared with. <see cref="HttpAsync"/> is the physical limit:
/// loopback POSTs with nothing stored. <see cref="NaiveAsync"/> is the obvious durable sender —
/// one transaction to store a message, the POST, one transaction to mark it sent — whose rate is
/// what fsync per message and SQLite's single writer allow. Herald should sit between the two.
/// </summary>
public static class Baselines
{
    public static async Task<BaselineResult> MeasureAsync(BenchReceiver receiver, BenchOptions options, string workDir, CancellationToken cancellationToken)
    {
        var http = await HttpAsync(receiver, options.Events, options.Workers, cancellationToken);
        var naiveCount = Math.Min(options.Events, options.NaiveCap);
        var naive = await NaiveAsync(receiver, naiveCount, options.Workers, Path.Combine(workDir, "naive.db"), cancellationToken);
        return new BaselineResult(http, naive);
    }

    /// <summary>A body the size and shape of Herald's envelope for message <paramref name="n"/>.</summary>
    public static byte[] EnvelopeLike(int n)
    {
        var now = DateTimeOffset.UtcNow;
        return Encoding.UTF8.GetBytes(
            $$$"""{"version":"1.0.0","type":"bench.tick","timestamp":"{{{Times.Format(now)}}}","event_id":"{{{Ids.New(Ids.Event, now)}}}","endpoint_id":"{{{Ids.New(Ids.Endpoint, now)}}}","delivery_id":"{{{Ids.New(Ids.Delivery, now)}}}","triggered_by":null,"resource":null,"data":{"n":{{{n}}}}}""");
    }

    /// <summary>Messages per second a plain <see cref="HttpClient"/> POSTs to the receiver with <paramref name="concurrency"/> in flight.</summary>
    public static async Task<Throughput> HttpAsync(BenchReceiver receiver, int count, int concurrency, CancellationToken cancellationToken)
    {
        using var client = NewClient(concurrency);
        var url = new Uri(receiver.Url("/baseline/http"));
        receiver.Reset(0);
        var next = -1;
        var cpu = Throughput.CpuTime();
        var started = Stopwatch.GetTimestamp();
        var senders = Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                // Built per message, as Herald builds each payload; a microsecond beside the request.
                using var content = new ByteArrayContent(EnvelopeLike(i));
                content.Headers.ContentType = Json;
                using var response = await client.PostAsync(url, content, cancellationToken);
                EnsureOk(response.StatusCode, "the HTTP baseline");
            }
        }, cancellationToken));
        await Task.WhenAll(senders);
        return Throughput.Measure(count, started, Stopwatch.GetTimestamp(), cpu);
    }

    /// <summary>
    /// Messages per second of a one-transaction-per-row durable sender on a fresh SQLite file
    /// (WAL, synchronous=FULL, as Herald's). Each worker has its own connection and thread and
    /// blocks like the simple code it models; SQLite lets one writer in at a time.
    /// </summary>
    public static async Task<Throughput> NaiveAsync(BenchReceiver receiver, int count, int concurrency, string databasePath, CancellationToken cancellationToken)
    {
        var connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = databasePath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
            DefaultTimeout = 60,
        }.ToString();
        using (var setup = Open(connectionString))
        {
            Execute(setup, null, """
                CREATE TABLE IF NOT EXISTS outbox (
                    id INTEGER PRIMARY KEY,
                    body BLOB NOT NULL,
                    status TEXT NOT NULL,
                    created_at INTEGER NOT NULL,
                    delivered_at INTEGER NULL)
                """);
        }
        using var client = NewClient(concurrency);
        var url = new Uri(receiver.Url("/baseline/naive"));
        receiver.Reset(0);
        var next = -1;
        var cpu = Throughput.CpuTime();
        var started = Stopwatch.GetTimestamp();
        // Dedicated threads: these workers block in SQLite's lock waits, and must not starve the
        // thread pool that the in-process receiver runs on.
        var workers = Enumerable.Range(0, concurrency).Select(_ => Task.Factory.StartNew(() =>
        {
            using var connection = Open(connectionString);
            int i;
            while ((i = Interlocked.Increment(ref next)) < count && !cancellationToken.IsCancellationRequested)
            {
                var body = EnvelopeLike(i);
                long id;
                using (var insert = connection.BeginTransaction())
                {
                    id = (long)Execute(connection, insert, "INSERT INTO outbox (body, status, created_at) VALUES (@b, 'pending', @t) RETURNING id",
                        ("@b", body), ("@t", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()))!;
                    insert.Commit();
                }
                using (var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body) })
                {
                    request.Content.Headers.ContentType = Json;
                    using var response = client.Send(request, cancellationToken);
                    EnsureOk(response.StatusCode, "the naive baseline");
                }
                using (var done = connection.BeginTransaction())
                {
                    Execute(connection, done, "UPDATE outbox SET status = 'delivered', delivered_at = @t WHERE id = @id",
                        ("@id", id), ("@t", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()));
                    done.Commit();
                }
            }
        }, cancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default));
        await Task.WhenAll(workers);
        cancellationToken.ThrowIfCancellationRequested();
        return Throughput.Measure(count, started, Stopwatch.GetTimestamp(), cpu);
    }

    private static readonly MediaTypeHeaderValue Json = new("application/json");

    internal static HttpClient NewClient(int connections) => new(NewHandler(connections))
    {
        Timeout = TimeSpan.FromSeconds(60),
    };

    internal static SocketsHttpHandler NewHandler(int connections) => new()
    {
        UseProxy = false,
        UseCookies = false,
        AllowAutoRedirect = false,
        MaxConnectionsPerServer = Math.Max(1, connections),
        PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
    };

    internal static double Rate(long count, long startTimestamp, long endTimestamp)
    {
        var seconds = Stopwatch.GetElapsedTime(startTimestamp, endTimestamp).TotalSeconds;
        return seconds > 0 ? count / seconds : 0;
    }

    private static void EnsureOk(HttpStatusCode status, string what)
    {
        if ((int)status is < 200 or > 299)
        {
            throw new BenchException($"The bench receiver answered {(int)status} during {what}.");
        }
    }

    private static SqliteConnection Open(string connectionString)
    {
        var connection = new SqliteConnection(connectionString);
        connection.Open();
        // The same durability Herald runs with; busy_timeout makes writers queue for SQLite's one write lock.
        Execute(connection, null, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA busy_timeout=60000;");
        return connection;
    }

    private static object? Execute(SqliteConnection connection, SqliteTransaction? transaction, string sql, params (string Name, object Value)[] args)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        foreach (var (name, value) in args)
        {
            command.Parameters.AddWithValue(name, value);
        }
        return command.ExecuteScalar();
    }
}
