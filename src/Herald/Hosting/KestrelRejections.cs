using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Herald.Hosting;

/// <summary>
/// Gives the requests Kestrel refuses before Herald runs — a malformed request line, <c>%00</c> in
/// the path, a header that does not parse, conflicting framing headers — a problem+json body like
/// every other 4xx, instead of Kestrel's empty one.
/// </summary>
/// <remarks>
/// Kestrel answers those itself and has no hook for the body: it writes a 4xx with
/// <c>Content-Length: 0</c> and <c>Connection: close</c>, then closes the connection. This
/// connection middleware watches what Kestrel writes and swaps exactly that header block (a 4xx
/// without a content type, an empty body and the connection closing) for the same status with a
/// problem+json body. Herald's own 4xx answers always carry a problem+json body, so they never
/// match; anything else passes through untouched.
/// </remarks>
public static class KestrelRejections
{
    public static void UseProblemRejections(this ListenOptions listen) =>
        listen.Use(next => async connection =>
        {
            var transport = connection.Transport;
            connection.Transport = new Pipe(transport.Input, new RejectionWriter(transport.Output));
            try
            {
                await next(connection);
            }
            finally
            {
                connection.Transport = transport;
            }
        });

    /// <summary>The problem+json answer for Kestrel's header block, or null when it is anything else.</summary>
    internal static byte[]? Rewrite(ReadOnlySpan<byte> written)
    {
        // "HTTP/1.1 400 Bad Request\r\n…\r\n\r\n": a whole header block of a 4xx (or the 505 for an
        // unknown HTTP version), as Kestrel writes it in one piece.
        if (written.Length < 16 || written.Length > 1024
            || !(written.StartsWith("HTTP/1.1 4"u8) || written.StartsWith("HTTP/1.0 4"u8)
                || written.StartsWith("HTTP/1.1 505"u8) || written.StartsWith("HTTP/1.0 505"u8))
            || !written.EndsWith("\r\n\r\n"u8))
        {
            return null;
        }
        var text = Encoding.ASCII.GetString(written);
        var lines = text[..^4].Split("\r\n");
        if (!lines.Contains("Content-Length: 0", StringComparer.OrdinalIgnoreCase)
            || !lines.Contains("Connection: close", StringComparer.OrdinalIgnoreCase)
            || lines.Any(l => l.StartsWith("Content-Type:", StringComparison.OrdinalIgnoreCase)))
        {
            return null;
        }
        var statusLine = lines[0];
        if (statusLine.Length < 12 || !int.TryParse(statusLine.AsSpan(9, 3), out var status))
        {
            return null;
        }
        var body = Encoding.UTF8.GetBytes(new System.Text.Json.Nodes.JsonObject
        {
            // RFC 9110 numbers its 4xx sections in order from 400 to 417.
            ["type"] = status <= 417 ? $"https://tools.ietf.org/html/rfc9110#section-15.5.{status - 399}"
                : status == 505 ? "https://tools.ietf.org/html/rfc9110#section-15.6.6" : "about:blank",
            ["title"] = statusLine.Length > 13 ? statusLine[13..] : "Bad Request",
            ["status"] = status,
            ["detail"] = Detail(status),
        }.ToJsonString());
        var head = new StringBuilder(statusLine).Append("\r\n");
        foreach (var line in lines.Skip(1))
        {
            if (!line.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase))
            {
                head.Append(line).Append("\r\n");
            }
        }
        head.Append("Content-Type: application/problem+json\r\n")
            .Append("Content-Length: ").Append(body.Length).Append("\r\n\r\n");
        return [.. Encoding.ASCII.GetBytes(head.ToString()), .. body];
    }

    private static string Detail(int status) => status switch
    {
        413 => "The request body is larger than the server accepts.",
        414 => "The request target is longer than the server accepts.",
        431 => "The request's headers are larger than the server accepts.",
        505 => "The request line does not end with a supported HTTP version (HTTP/1.0 or HTTP/1.1).",
        _ => "The request could not be parsed: its request line, target or headers are malformed "
            + "(for example a NUL character, %00, in the path, a header line without a colon, or conflicting "
            + "Content-Length and Transfer-Encoding headers).",
    };

    private sealed class Pipe(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;

        public PipeWriter Output { get; } = output;
    }

    /// <summary>
    /// Passes everything through to the transport, except a rejection's header block, which it
    /// replaces before it is committed. Only the memory handed out last can be advanced, so that is
    /// where the bytes are looked at.
    /// </summary>
    private sealed class RejectionWriter(PipeWriter inner) : PipeWriter
    {
        private Memory<byte> _handedOut;

        public override Memory<byte> GetMemory(int sizeHint = 0) => _handedOut = inner.GetMemory(sizeHint);

        public override Span<byte> GetSpan(int sizeHint = 0) => GetMemory(sizeHint).Span;

        public override void Advance(int bytes)
        {
            if (bytes > 0 && bytes <= _handedOut.Length && Rewrite(_handedOut.Span[..bytes]) is { } replacement)
            {
                // Not advanced: the transport's next span starts where Kestrel's header block was.
                _handedOut = default;
                inner.Write(replacement);
                return;
            }
            _handedOut = default;
            inner.Advance(bytes);
        }

        public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default) => inner.FlushAsync(cancellationToken);

        public override void CancelPendingFlush() => inner.CancelPendingFlush();

        public override void Complete(Exception? exception = null) => inner.Complete(exception);

        public override ValueTask CompleteAsync(Exception? exception = null) => inner.CompleteAsync(exception);

        public override bool CanGetUnflushedBytes => inner.CanGetUnflushedBytes;

        public override long UnflushedBytes => inner.UnflushedBytes;
    }
}
