using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace Herald.Tests.Fuzz;

/// <summary>One response as it came off the wire.</summary>
public sealed record WireResponse(int Status, string? ContentType, IReadOnlyDictionary<string, string> Headers, byte[] Body)
{
    public string BodyText => Encoding.UTF8.GetString(Body);
}

/// <summary>
/// HTTP/1.1 written byte for byte on a fresh connection. HttpClient normalises what a hostile client
/// would not (<c>../</c> segments are collapsed, <c>%2e</c> is decoded, framing is its own), so path
/// junk and oversized bodies go through here. The response is read while the body is still being
/// written: a server that answers 413 early and closes must not look like a hang.
/// </summary>
public static class RawHttp
{
    public static async Task<WireResponse> SendAsync(
        Uri baseUrl, string method, string rawPathAndQuery, IEnumerable<(string Name, string Value)> headers,
        byte[]? body, bool chunked, CancellationToken cancellationToken)
    {
        using var tcp = new TcpClient { NoDelay = true };
        await tcp.ConnectAsync(baseUrl.Host, baseUrl.Port, cancellationToken);
        await using var stream = tcp.GetStream();

        var head = Head(baseUrl, method, rawPathAndQuery, headers);
        if (body is not null)
        {
            head.Append(chunked ? "Transfer-Encoding: chunked\r\n" : $"Content-Length: {body.Length.ToString(CultureInfo.InvariantCulture)}\r\n");
        }
        head.Append("\r\n");

        var writing = WriteAsync(stream, Encoding.UTF8.GetBytes(head.ToString()), body, chunked, cancellationToken);
        return await ReadAsync(stream, writing, cancellationToken);
    }

    /// <summary>
    /// Writes <paramref name="wire"/> exactly as given — request line, headers and a body framed by hand
    /// (broken chunk sizes, missing CRLFs) — and reads the answer.
    /// </summary>
    public static async Task<WireResponse> SendBytesAsync(Uri baseUrl, byte[] wire, CancellationToken cancellationToken)
    {
        using var tcp = new TcpClient { NoDelay = true };
        await tcp.ConnectAsync(baseUrl.Host, baseUrl.Port, cancellationToken);
        await using var stream = tcp.GetStream();
        return await ReadAsync(stream, stream.WriteAsync(wire, cancellationToken).AsTask(), cancellationToken);
    }

    /// <summary>The request line and headers of a request whose body the caller frames itself (chunked, Connection: close).</summary>
    public static byte[] ChunkedHead(Uri baseUrl, string method, string rawPathAndQuery, IEnumerable<(string Name, string Value)> headers)
    {
        var head = Head(baseUrl, method, rawPathAndQuery, headers);
        head.Append("Transfer-Encoding: chunked\r\n\r\n");
        return Encoding.UTF8.GetBytes(head.ToString());
    }

    /// <summary>The request line, Host, Connection: close and the given headers; the caller adds the framing.</summary>
    private static StringBuilder Head(Uri baseUrl, string method, string rawPathAndQuery, IEnumerable<(string Name, string Value)> headers)
    {
        var head = new StringBuilder();
        head.Append(CultureInfo.InvariantCulture, $"{method} {rawPathAndQuery} HTTP/1.1\r\n");
        head.Append(CultureInfo.InvariantCulture, $"Host: {baseUrl.Host}:{baseUrl.Port}\r\n");
        head.Append("Connection: close\r\n");
        foreach (var (name, value) in headers)
        {
            head.Append(CultureInfo.InvariantCulture, $"{name}: {value}\r\n");
        }
        return head;
    }

    private static async Task<WireResponse> ReadAsync(NetworkStream stream, Task writing, CancellationToken cancellationToken)
    {
        using var received = new MemoryStream();
        var buffer = new byte[65536];
        try
        {
            int read;
            while ((read = await stream.ReadAsync(buffer, cancellationToken)) > 0)
            {
                received.Write(buffer, 0, read);
            }
        }
        catch (IOException) when (received.Length > 0)
        {
            // A reset after the response arrived (the server closed on an unread body) ends the read.
        }
        try
        {
            await writing;
        }
        catch (IOException)
        {
            // The server may stop reading once it has answered (413 before the body ended).
        }
        return Parse(received.ToArray());
    }

    private static async Task WriteAsync(NetworkStream stream, byte[] head, byte[]? body, bool chunked, CancellationToken cancellationToken)
    {
        await stream.WriteAsync(head, cancellationToken);
        if (body is null)
        {
            return;
        }
        const int Slice = 64 * 1024;
        for (var offset = 0; offset < body.Length; offset += Slice)
        {
            var length = Math.Min(Slice, body.Length - offset);
            if (chunked)
            {
                await stream.WriteAsync(Encoding.ASCII.GetBytes(length.ToString("x", CultureInfo.InvariantCulture) + "\r\n"), cancellationToken);
            }
            await stream.WriteAsync(body.AsMemory(offset, length), cancellationToken);
            if (chunked)
            {
                await stream.WriteAsync("\r\n"u8.ToArray(), cancellationToken);
            }
        }
        if (chunked)
        {
            await stream.WriteAsync("0\r\n\r\n"u8.ToArray(), cancellationToken);
        }
    }

    private static WireResponse Parse(byte[] raw)
    {
        var end = IndexOf(raw, "\r\n\r\n"u8, 0);
        if (end < 0)
        {
            throw new IOException($"The server closed the connection without a complete response ({raw.Length} bytes: {Preview(raw)}).");
        }
        var lines = Encoding.Latin1.GetString(raw, 0, end).Split("\r\n");
        var statusParts = lines[0].Split(' ', 3);
        if (statusParts.Length < 2 || !int.TryParse(statusParts[1], CultureInfo.InvariantCulture, out var status))
        {
            throw new IOException($"Not an HTTP status line: {lines[0]}");
        }
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in lines.Skip(1))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0)
            {
                var name = line[..colon].Trim();
                var value = line[(colon + 1)..].Trim();
                headers[name] = headers.TryGetValue(name, out var earlier) ? earlier + ", " + value : value;
            }
        }
        var body = raw[(end + 4)..];
        if (headers.TryGetValue("Transfer-Encoding", out var encoding) && encoding.Contains("chunked", StringComparison.OrdinalIgnoreCase))
        {
            body = Dechunk(body);
        }
        else if (headers.TryGetValue("Content-Length", out var lengthText) && int.TryParse(lengthText, CultureInfo.InvariantCulture, out var length) && length < body.Length)
        {
            body = body[..length];
        }
        headers.TryGetValue("Content-Type", out var contentType);
        return new WireResponse(status, contentType, headers, body);
    }

    private static byte[] Dechunk(byte[] data)
    {
        using var output = new MemoryStream();
        var position = 0;
        while (position < data.Length)
        {
            var lineEnd = IndexOf(data, "\r\n"u8, position);
            if (lineEnd < 0)
            {
                break;
            }
            var sizeText = Encoding.ASCII.GetString(data, position, lineEnd - position).Split(';')[0].Trim();
            if (!int.TryParse(sizeText, NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var size) || size == 0)
            {
                break;
            }
            var start = lineEnd + 2;
            output.Write(data, start, Math.Min(size, data.Length - start));
            position = start + size + 2;
        }
        return output.ToArray();
    }

    private static int IndexOf(byte[] data, ReadOnlySpan<byte> pattern, int from)
    {
        var index = data.AsSpan(from).IndexOf(pattern);
        return index < 0 ? -1 : index + from;
    }

    private static string Preview(byte[] raw) => Encoding.Latin1.GetString(raw, 0, Math.Min(raw.Length, 200));
}
