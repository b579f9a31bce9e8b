using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Herald.Tests.Infrastructure;

/// <summary>One request as the receiver got it: what a webhook consumer would see.</summary>
public sealed record ReceivedRequest(
    int Index,
    string Method,
    string PathAndQuery,
    IReadOnlyDictionary<string, string> Headers,
    byte[] Body,
    DateTimeOffset ReceivedAt)
{
    public string BodyText => Encoding.UTF8.GetString(Body);

    /// <summary>The path without the query string.</summary>
    public string Path
    {
        get
        {
            var q = PathAndQuery.IndexOf('?', StringComparison.Ordinal);
            return q < 0 ? PathAndQuery : PathAndQuery[..q];
        }
    }

    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;

    /// <summary>The body parsed as JSON; fails the test with the raw body when it is not JSON.</summary>
    public JsonNode Json()
    {
        try
        {
            return JsonNode.Parse(Body) ?? throw new InvalidOperationException("the body is the JSON literal null");
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or InvalidOperationException)
        {
            throw new InvalidOperationException($"Request #{Index} {Method} {PathAndQuery} body is not a JSON value: {e.Message}\n{BodyText}", e);
        }
    }

    public override string ToString() => $"#{Index} {Method} {PathAndQuery} ({Body.Length} bytes at {ReceivedAt:HH:mm:ss.fff})";
}

/// <summary>How the receiver answers one request.</summary>
public sealed record ResponsePlan
{
    public const string DefaultBody = """{"status":200}""";

    public int StatusCode { get; init; } = 200;
    public string? Body { get; init; } = DefaultBody;
    public string ContentType { get; init; } = "application/json";
    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();

    /// <summary>Wait this long before answering (cut short if the sender gives up).</summary>
    public TimeSpan Delay { get; init; }

    /// <summary>Never answer: hold the request until the sender gives up or the receiver is disposed.</summary>
    public bool Hang { get; init; }

    /// <summary>Drop the connection without any response (after <see cref="Delay"/>).</summary>
    public bool Abort { get; init; }

    /// <summary>200 with Ushahidi's <c>{"status":200}</c> body.</summary>
    public static ResponsePlan Ok { get; } = new();

    public static ResponsePlan Status(int statusCode, string? body = null) =>
        new() { StatusCode = statusCode, Body = body ?? $$"""{"status":{{statusCode}}}""" };

    /// <summary>A 429/503-style answer with a <c>Retry-After</c> header (seconds or an HTTP-date).</summary>
    public static ResponsePlan RetryAfter(string retryAfter, int statusCode = 503) =>
        Status(statusCode).WithHeader("Retry-After", retryAfter);

    public static ResponsePlan Redirect(string location, int statusCode = 302) =>
        Status(statusCode).WithHeader("Location", location);

    public static ResponsePlan Delayed(TimeSpan delay, int statusCode = 200) => Status(statusCode) with { Delay = delay };

    public static ResponsePlan Hanging() => new() { Hang = true };

    public static ResponsePlan Dropped() => new() { Abort = true };

    public ResponsePlan WithHeader(string name, string value) =>
        this with { Headers = new Dictionary<string, string>(Headers, StringComparer.OrdinalIgnoreCase) { [name] = value } };
}

/// <summary>
/// A real HTTP receiver on loopback (Kestrel on an ephemeral port) that records every request and
/// answers as planned: queued plans first, then <see cref="Responder"/>, then <see cref="DefaultResponse"/>.
/// </summary>
public sealed class TestReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _gate = new();
    private readonly List<ReceivedRequest> _requests = [];
    private readonly List<Waiter> _waiters = [];
    private readonly Queue<ResponsePlan> _planned = new();
    private int _disposed;

    private TestReceiver(WebApplication app, Uri baseUrl)
    {
        _app = app;
        BaseUrl = baseUrl;
    }

    public Uri BaseUrl { get; }

    /// <summary>Decides the answer for requests no queued plan is left for; gets the request and its 0-based index.</summary>
    public Func<ReceivedRequest, int, ResponsePlan>? Responder { get; set; }

    public ResponsePlan DefaultResponse { get; set; } = ResponsePlan.Ok;

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _requests.Count;
            }
        }
    }

    /// <summary>A snapshot of the requests received so far, in arrival order.</summary>
    public IReadOnlyList<ReceivedRequest> Requests
    {
        get
        {
            lock (_gate)
            {
                return [.. _requests];
            }
        }
    }

    public string Url(string path = "/hook") => new Uri(BaseUrl, path).ToString();

    public static async Task<TestReceiver> StartAsync(CancellationToken cancellationToken = default)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, 0);
            kestrel.Limits.MaxRequestBodySize = null;
        });
        var app = builder.Build();

        TestReceiver? receiver = null;
        app.Run(context => receiver!.HandleAsync(context));
        await app.StartAsync(cancellationToken);

        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
        receiver = new TestReceiver(app, new Uri(address.TrimEnd('/') + "/"));
        return receiver;
    }

    /// <summary>Queues answers for the next requests, in order; once used up, <see cref="Responder"/> decides again.</summary>
    public TestReceiver Enqueue(params ResponsePlan[] plans)
    {
        lock (_gate)
        {
            foreach (var plan in plans)
            {
                _planned.Enqueue(plan);
            }
        }
        return this;
    }

    /// <summary>Completes as soon as <paramref name="count"/> requests (matching <paramref name="where"/>) have arrived.</summary>
    public async Task<IReadOnlyList<ReceivedRequest>> WaitForAsync(
        int count, TimeSpan timeout, Func<ReceivedRequest, bool>? where = null, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var waiter = new Waiter(count, where);
        lock (_gate)
        {
            var matching = Matching(where);
            if (matching.Count >= count)
            {
                return matching;
            }
            _waiters.Add(waiter);
        }

        try
        {
            return await waiter.Completion.Task.WaitAsync(timeout, cancellationToken);
        }
        catch (TimeoutException)
        {
            List<ReceivedRequest> all;
            lock (_gate)
            {
                _waiters.Remove(waiter);
                all = [.. _requests];
            }
            var matched = where is null ? all.Count : all.Count(where);
            var what = where is null ? "request(s)" : "matching request(s)";
            var seen = all.Count == 0 ? "none" : string.Join("; ", all);
            throw new TimeoutException(
                $"Receiver {BaseUrl} expected {count} {what} within {timeout.TotalSeconds:0.###} s but {matched} arrived " +
                $"({all.Count} in total: {seen}).");
        }
        catch (OperationCanceledException)
        {
            lock (_gate)
            {
                _waiters.Remove(waiter);
            }
            throw;
        }
    }

    /// <summary>Waits for the next request to <paramref name="path"/>, counting those already received.</summary>
    public Task<IReadOnlyList<ReceivedRequest>> WaitForAsync(string path, int count, TimeSpan timeout) =>
        WaitForAsync(count, timeout, r => r.Path == path);

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }
        // Releases hanging and delayed handlers so Kestrel's shutdown does not wait on them.
        await _stopping.CancelAsync();
        using (var shutdown = new CancellationTokenSource(TimeSpan.FromSeconds(5)))
        {
            await _app.StopAsync(shutdown.Token);
        }
        await _app.DisposeAsync();
        _stopping.Dispose();
        lock (_gate)
        {
            foreach (var waiter in _waiters)
            {
                waiter.Completion.TrySetException(new ObjectDisposedException(nameof(TestReceiver)));
            }
            _waiters.Clear();
        }
    }

    private List<ReceivedRequest> Matching(Func<ReceivedRequest, bool>? where) =>
        where is null ? [.. _requests] : [.. _requests.Where(where)];

    private async Task HandleAsync(HttpContext context)
    {
        var receivedAt = DateTimeOffset.UtcNow;
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, _stopping.Token);
        var token = linked.Token;

        byte[] body;
        try
        {
            using var buffer = new MemoryStream();
            await context.Request.Body.CopyToAsync(buffer, token);
            body = buffer.ToArray();
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or BadHttpRequestException)
        {
            return; // The sender went away mid-body: nothing was delivered.
        }

        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, values) in context.Request.Headers)
        {
            headers[name] = string.Join(", ", values.Where(v => v is not null));
        }

        var request = context.Request;
        var pathAndQuery = request.PathBase.Add(request.Path).ToUriComponent() + request.QueryString.ToUriComponent();

        ReceivedRequest received;
        ResponsePlan? queued;
        List<(Waiter Waiter, List<ReceivedRequest> Result)> completed = [];
        Func<ReceivedRequest, int, ResponsePlan>? responder;
        lock (_gate)
        {
            received = new ReceivedRequest(_requests.Count, request.Method, pathAndQuery, headers, body, receivedAt);
            _requests.Add(received);
            foreach (var waiter in _waiters)
            {
                var matching = Matching(waiter.Where);
                if (matching.Count >= waiter.Count)
                {
                    completed.Add((waiter, matching));
                }
            }
            foreach (var (waiter, _) in completed)
            {
                _waiters.Remove(waiter);
            }
            _planned.TryDequeue(out queued);
            responder = Responder;
        }
        foreach (var (waiter, result) in completed)
        {
            waiter.Completion.TrySetResult(result);
        }

        var plan = queued ?? responder?.Invoke(received, received.Index) ?? DefaultResponse;

        try
        {
            if (plan.Hang)
            {
                await Task.Delay(Timeout.Infinite, token);
            }
            if (plan.Delay > TimeSpan.Zero)
            {
                await Task.Delay(plan.Delay, token);
            }
        }
        catch (OperationCanceledException)
        {
            context.Abort();
            return;
        }

        if (plan.Abort)
        {
            context.Abort();
            return;
        }

        var response = context.Response;
        response.StatusCode = plan.StatusCode;
        foreach (var (name, value) in plan.Headers)
        {
            response.Headers[name] = value;
        }
        if (plan.Body is not null)
        {
            response.ContentType = plan.ContentType;
            try
            {
                await response.WriteAsync(plan.Body, token);
            }
            catch (Exception e) when (e is OperationCanceledException or IOException)
            {
                // The sender gave up while we answered; the request is recorded all the same.
            }
        }
    }

    private sealed class Waiter(int count, Func<ReceivedRequest, bool>? where)
    {
        public int Count { get; } = count;
        public Func<ReceivedRequest, bool>? Where { get; } = where;
        public TaskCompletionSource<IReadOnlyList<ReceivedRequest>> Completion { get; } =
            new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
