using System.Text;

namespace Herald.Tests.Security;

/// <summary>
/// Secret values planted in a scenario, and every form in which one could leak: the text itself,
/// UTF-16, hex, and base64 (as in a <c>Basic</c> header) at each of the three byte alignments, so a
/// secret embedded in a longer encoded value is still found.
/// </summary>
public sealed class Canaries
{
    private readonly List<(string Name, byte[] Value, bool IsText)> _planted = [];

    /// <summary>A distinctive secret value: <c>SECRET-CANARY-&lt;kind&gt;-</c> and 32 random hex digits.</summary>
    public static string New(string kind) => $"SECRET-CANARY-{kind}-{Guid.NewGuid():N}";

    public IReadOnlyList<string> Names => [.. _planted.Select(p => p.Name)];

    /// <summary>Plants a text secret; returns it so the caller can use it inline.</summary>
    public string Add(string name, string value)
    {
        _planted.Add((name, Encoding.UTF8.GetBytes(value), IsText: true));
        return value;
    }

    /// <summary>Plants binary key material (the decoded bytes of a <c>whsec_</c> secret).</summary>
    public byte[] AddBytes(string name, byte[] value)
    {
        _planted.Add((name, value, IsText: false));
        return value;
    }

    /// <summary>What leaked into <paramref name="haystack"/>: one line per planted secret found, naming the form.</summary>
    public List<string> FoundIn(ReadOnlySpan<byte> haystack)
    {
        var found = new List<string>();
        foreach (var (name, value, isText) in _planted)
        {
            foreach (var (form, pattern) in BytePatterns(value, isText))
            {
                if (haystack.IndexOf(pattern) >= 0)
                {
                    found.Add($"{name} ({form})");
                    break;
                }
            }
        }
        return found;
    }

    /// <summary>What leaked into <paramref name="text"/> (log output, a response body).</summary>
    public List<string> FoundIn(string text)
    {
        var found = new List<string>();
        foreach (var (name, value, isText) in _planted)
        {
            foreach (var (form, pattern) in TextPatterns(value, isText))
            {
                var comparison = form.StartsWith("hex", StringComparison.Ordinal) ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
                if (text.Contains(pattern, comparison))
                {
                    found.Add($"{name} ({form})");
                    break;
                }
            }
        }
        return found;
    }

    private static IEnumerable<(string Form, string Pattern)> TextPatterns(byte[] value, bool isText)
    {
        if (isText)
        {
            yield return ("as is", Encoding.UTF8.GetString(value));
        }
        foreach (var fragment in Base64Fragments(value))
        {
            yield return ("base64", fragment);
            yield return ("base64url", ToUrlSafe(fragment));
        }
        yield return ("hex", Convert.ToHexString(value));
    }

    private static IEnumerable<(string Form, byte[] Pattern)> BytePatterns(byte[] value, bool isText)
    {
        yield return (isText ? "UTF-8" : "raw bytes", value);
        if (isText)
        {
            var text = Encoding.UTF8.GetString(value);
            yield return ("UTF-16LE", Encoding.Unicode.GetBytes(text));
            yield return ("UTF-16BE", Encoding.BigEndianUnicode.GetBytes(text));
        }
        foreach (var (form, pattern) in TextPatterns(value, isText: false))
        {
            yield return (form, Encoding.ASCII.GetBytes(pattern));
            if (form == "hex")
            {
                yield return ("hex lower-case", Encoding.ASCII.GetBytes(pattern.ToLowerInvariant()));
            }
        }
    }

    /// <summary>
    /// The base64 characters that depend only on <paramref name="value"/>, for each alignment it can
    /// have inside a longer encoded value (the user name before a password in <c>Basic</c>, say).
    /// </summary>
    public static IEnumerable<string> Base64Fragments(byte[] value)
    {
        for (var offset = 0; offset < 3; offset++)
        {
            var padded = new byte[offset + value.Length];
            value.CopyTo(padded, offset);
            var encoded = Convert.ToBase64String(padded);
            // The first quantum mixes in the bytes before the value; a trailing partial one, those after it.
            var start = offset == 0 ? 0 : 4;
            var end = padded.Length / 3 * 4;
            if (end - start >= 16)
            {
                yield return encoded[start..end];
            }
        }
    }

    private static string ToUrlSafe(string base64) => base64.Replace('+', '-').Replace('/', '_');
}
