using System.Buffers;
using System.Diagnostics;
using System.IO.Pipelines;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Herald.Bench;

/// <summary>
/// The fastest receiver we can write: Kestrel on loopback that reads the body, notes when the
/// message numbered <c>data.n</c> arrived, and answers 200 with no body. It does no verification,
/// so whatever limits a run is the sender, not the receiver.
/// </summary>
public sealed class BenchReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private long _requests;
    private int _recorded;
    private int[] _sequence = [];
    private long[] _receivedAt = [];

    private BenchReceiver(WebApplication app, Uri baseUrl)
    {
        _app = app;
        BaseUrl = baseUrl;
    }

    public Uri BaseUrl { get; }

    /// <summary>Requests received since the last <see cref="Reset"/>.</summary>
    public long Requests => Interlocked.Read(ref _requests);

    public string Url(string path) => new Uri(BaseUrl, path).ToString();

    /// <summary>Timed requests (those with a <c>data.n</c>) received since the last <see cref="Reset"/>.</summary>
    public int Timed => Math.Min(Volatile.Read(ref _recorded), _sequence.Length);

    public static async Task<BenchReceiver> StartAsync()
    {
        // The empty builder: no configuration files to watch, no logging, no routing; Kestrel alone.
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.WebHost.ConfigureKestrel(k => k.AddServerHeader = false);
        var app = builder.Build();
        BenchReceiver? receiver = null;
        app.Run(async context =>
        {
            var n = await ReadSequenceAsync(context.Request.BodyReader, context.RequestAborted);
            receiver!.Record(n, Stopwatch.GetTimestamp());
            context.Response.StatusCode = 200;
            context.Response.ContentLength = 0;
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        receiver = new BenchReceiver(app, new Uri(address));
        return receiver;
    }

    /// <summary>Forgets what came before and makes room for <paramref name="capacity"/> timed requests.</summary>
    public void Reset(int capacity)
    {
        _sequence = new int[capacity];
        _receivedAt = new long[capacity];
        Volatile.Write(ref _recorded, 0);
        Interlocked.Exchange(ref _requests, 0);
    }

    /// <summary>The (sequence number, Stopwatch timestamp) of every timed request since <see cref="Reset"/>.</summary>
    public IEnumerable<(int Sequence, long ReceivedAt)> Arrivals()
    {
        var count = Math.Min(Volatile.Read(ref _recorded), _sequence.Length);
        for (var i = 0; i < count; i++)
        {
            yield return (_sequence[i], _receivedAt[i]);
        }
    }

    private void Record(int sequence, long timestamp)
    {
        if (sequence >= 0)
        {
            var slot = Interlocked.Increment(ref _recorded) - 1;
            var sequences = _sequence;
            if (slot < sequences.Length)
            {
                sequences[slot] = sequence;
                _receivedAt[slot] = timestamp;
            }
        }
        // Counted last, so a waiter that sees the count also sees the arrival time.
        Interlocked.Increment(ref _requests);
    }

    private static async Task<int> ReadSequenceAsync(PipeReader reader, CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await reader.ReadAsync(cancellationToken);
            if (result.IsCompleted || result.IsCanceled)
            {
                var n = SequenceOf(result.Buffer);
                reader.AdvanceTo(result.Buffer.End);
                return n;
            }
            reader.AdvanceTo(result.Buffer.Start, result.Buffer.End);
        }
    }

    /// <summary>
    /// <c>data.n</c> of an envelope (or a top-level <c>n</c>, as the raw format would send it); -1 when
    /// absent. A token scan: no document is built, and it stops at the number.
    /// </summary>
    public static int SequenceOf(ReadOnlySequence<byte> body)
    {
        var json = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = 64 });
        var inData = false;
        try
        {
            while (json.Read())
            {
                if (json.TokenType != JsonTokenType.PropertyName)
                {
                    continue;
                }
                if (json.CurrentDepth == 1 && json.ValueTextEquals("data"u8))
                {
                    json.Read();
                    if (json.TokenType != JsonTokenType.StartObject)
                    {
                        json.Skip();
                        continue;
                    }
                    inData = true;
                }
                else if (json.ValueTextEquals("n"u8) && (json.CurrentDepth == 1 || (inData && json.CurrentDepth == 2)))
                {
                    json.Read();
                    return json.TokenType == JsonTokenType.Number && json.TryGetInt32(out var n) ? n : -1;
                }
                else if (json.CurrentDepth == 1)
                {
                    inData = false;
                    json.Read();
                    json.Skip();
                }
                else
                {
                    json.Read();
                    json.Skip();
                }
            }
        }
        catch (JsonException)
        {
            // Not JSON: counted, not timed.
        }
        return -1;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
