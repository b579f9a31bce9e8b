using System.Buffers;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;

namespace Herald.Engine.Delivery.Transports;

/// <summary>
/// The <c>http</c> and <c>https</c> transport. One shared HTTP client for every delivery: pooled
/// keep-alive connections, no redirects (a 3xx is a failed attempt), no proxy (a proxy would connect
/// for us and bypass the SSRF guard), no cookies; every connection goes through the SSRF guard.
/// </summary>
public sealed class HttpTransport : IDeliveryTransport, IDisposable
{
    public const int MaxResponseBody = 4096;
    private static readonly string UserAgent = "Herald/" + (typeof(HttpTransport).Assembly.GetName().Version?.ToString(3) ?? "0");
    private readonly HttpClient _client;

    public HttpTransport(TargetGuard guard)
    {
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseProxy = false,
            UseCookies = false,
            AutomaticDecompression = DecompressionMethods.None,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(60),
            MaxConnectionsPerServer = int.MaxValue,
            ConnectTimeout = TimeSpan.FromSeconds(10),
            ConnectCallback = guard.ConnectAsync,
        };
        _client = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
    }

    public static string AgentHeader => UserAgent;

    public IReadOnlyList<string> Schemes { get; } = ["http", "https"];

    public async Task<SendOutcome> SendAsync(PreparedAttempt attempt, CancellationToken cancellationToken)
    {
        using var message = new HttpRequestMessage(HttpMethod.Parse(attempt.Method), attempt.Url);
        message.Content = new ByteArrayContent(attempt.Body);
        foreach (var (name, value) in attempt.Headers)
        {
            if (name.Equals("Content-Type", StringComparison.OrdinalIgnoreCase))
            {
                // Every body is JSON: the common value needs no parsing.
                message.Content.Headers.ContentType = value == "application/json" ? new MediaTypeHeaderValue("application/json") : MediaTypeHeaderValue.Parse(value);
            }
            else if (!message.Headers.TryAddWithoutValidation(name, value))
            {
                message.Content.Headers.TryAddWithoutValidation(name, value);
            }
        }
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(attempt.Timeout);
        var started = Stopwatch.GetTimestamp();
        try
        {
            using var response = await _client.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            var body = await ReadPrefixAsync(response.Content, timeout.Token);
            var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var header in response.Headers.Concat(response.Content.Headers))
            {
                headers[header.Key] = string.Join(", ", header.Value);
            }
            var retryAfter = response.Headers.TryGetValues("Retry-After", out var values) ? values.FirstOrDefault() : null;
            var status = (int)response.StatusCode;
            var error = status is >= 300 and < 400 ? $"redirect ({status}) not followed: a 3xx is a failed attempt" : null;
            return new SendOutcome(status, headers, body, error, Stopwatch.GetElapsedTime(started), retryAfter);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return Failure($"timed out after {Herald.Core.Durations.Format(attempt.Timeout)} without a complete response", started);
        }
        catch (HttpRequestException e)
        {
            return Failure(Describe(e), started);
        }
        catch (RefusedTargetException e)
        {
            return Failure(e.Message, started);
        }
    }

    private static SendOutcome Failure(string error, long started) =>
        new(null, new Dictionary<string, string>(), "", error, Stopwatch.GetElapsedTime(started), null);

    private static string Describe(HttpRequestException e)
    {
        for (Exception? inner = e; inner is not null; inner = inner.InnerException)
        {
            switch (inner)
            {
                case RefusedTargetException refused:
                    return refused.Message;
                case SocketException socket:
                    return $"connection failed: {socket.Message}";
            }
        }
        return e.Message;
    }

    /// <summary>Reads at most <see cref="MaxResponseBody"/> bytes: the log keeps a prefix, and a huge body must not cost memory.</summary>
    private static async Task<string> ReadPrefixAsync(HttpContent content, CancellationToken cancellationToken)
    {
        await using var stream = await content.ReadAsStreamAsync(cancellationToken);
        if (content.Headers.ContentLength == 0)
        {
            // Most receivers answer 2xx with no body: nothing to read or to keep.
            return "";
        }
        var buffer = ArrayPool<byte>.Shared.Rent(MaxResponseBody);
        try
        {
            var read = 0;
            while (read < MaxResponseBody)
            {
                var n = await stream.ReadAsync(buffer.AsMemory(read, MaxResponseBody - read), cancellationToken);
                if (n == 0)
                {
                    break;
                }
                read += n;
            }
            return Encoding.UTF8.GetString(buffer, 0, read);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    public void Dispose() => _client.Dispose();
}
