using System.Security.Cryptography;

namespace Herald.Core;

/// <summary>
/// Creates and reads Herald identifiers: a type prefix, <c>_</c>, and a 26-character ULID in
/// Crockford base32 (48-bit Unix-millisecond timestamp, then 80 random bits), so ids sort by
/// creation time.
/// </summary>
/// <remarks>
/// Ids made one after the other in the same millisecond are strictly increasing: the random part
/// of the previous id is incremented instead of drawn again, so a page of rows ordered by id keeps
/// publish order even under load.
/// </remarks>
public static class Ids
{
    /// <summary>Prefix of organization ids.</summary>
    public const string Org = "org";

    /// <summary>Prefix of API key ids.</summary>
    public const string Key = "key";

    /// <summary>Prefix of endpoint ids.</summary>
    public const string Endpoint = "ep";

    /// <summary>Prefix of event ids.</summary>
    public const string Event = "evt";

    /// <summary>Prefix of delivery ids.</summary>
    public const string Delivery = "dlv";

    /// <summary>Prefix of attempt ids.</summary>
    public const string Attempt = "att";

    /// <summary>Prefix of deferred batch ids (a batch's <c>webhook-id</c>).</summary>
    public const string Batch = "batch";

    /// <summary>Length of the ULID part after the prefix and underscore.</summary>
    public const int UlidLength = 26;

    private const string Alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    private const long MaxTimestampMs = (1L << 48) - 1;
    private const long RaceWindowMs = 1000;
    private static readonly UInt128 RandomMask = (UInt128.One << 80) - 1;

    private static readonly Lock Gate = new();
    private static long s_lastMs = -1;
    private static UInt128 s_lastRandom;

    /// <summary>Creates a new id stamped with the current system time.</summary>
    public static string New(string prefix) => New(prefix, DateTimeOffset.UtcNow);

    /// <summary>Creates a new id stamped with <paramref name="time"/> (truncated to milliseconds).</summary>
    /// <remarks>
    /// Monotonic when consecutive calls share a millisecond. In the astronomically unlikely case
    /// that the 80-bit random part would overflow, the id moves on to the next millisecond.
    /// </remarks>
    /// <exception cref="ArgumentException">The prefix is empty or not lowercase ASCII letters and digits.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The time is before the Unix epoch.</exception>
    public static string New(string prefix, DateTimeOffset time)
    {
        ValidatePrefix(prefix);
        var ms = time.ToUnixTimeMilliseconds();
        ArgumentOutOfRangeException.ThrowIfNegative(ms, nameof(time));

        UInt128 random;
        lock (Gate)
        {
            // Two threads can read the clock in one order and take the lock in the other; a reading
            // slightly behind the last id is that race, and is moved up so ids never run backwards.
            // An explicit time well in the past is honoured as given.
            if (ms < s_lastMs && s_lastMs - ms <= RaceWindowMs)
            {
                ms = s_lastMs;
            }
            if (ms == s_lastMs)
            {
                random = s_lastRandom + 1;
                if (random > RandomMask)
                {
                    ms++;
                    random = NewRandom();
                }
            }
            else
            {
                random = NewRandom();
            }

            s_lastMs = ms;
            s_lastRandom = random;
        }

        var value = ((UInt128)(ulong)ms << 80) | random;
        return string.Create(prefix.Length + 1 + UlidLength, (prefix, value), static (span, state) =>
        {
            state.prefix.AsSpan().CopyTo(span);
            span[state.prefix.Length] = '_';
            var ulid = span[(state.prefix.Length + 1)..];
            var v = state.value;
            for (var i = UlidLength - 1; i >= 0; i--)
            {
                ulid[i] = Alphabet[(int)(v & 31)];
                v >>= 5;
            }
        });
    }

    /// <summary>
    /// True when <paramref name="id"/> is exactly <paramref name="prefix"/>, <c>_</c> and a
    /// well-formed ULID (uppercase Crockford base32, first character at most <c>7</c>).
    /// </summary>
    public static bool IsValid(string? id, string prefix)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        if (id is null || id.Length != prefix.Length + 1 + UlidLength)
            return false;
        if (!id.AsSpan().StartsWith(prefix, StringComparison.Ordinal) || id[prefix.Length] != '_')
            return false;
        return IsUlid(id.AsSpan(prefix.Length + 1));
    }

    /// <summary>The creation time encoded in an id (millisecond precision, UTC).</summary>
    /// <exception cref="FormatException">The id does not end in <c>_</c> and a well-formed ULID.</exception>
    public static DateTimeOffset TimestampOf(string id)
    {
        ArgumentNullException.ThrowIfNull(id);
        if (id.Length <= UlidLength || id[^(UlidLength + 1)] != '_' || !IsUlid(id.AsSpan(id.Length - UlidLength)))
            throw new FormatException($"'{id}' is not a Herald id.");

        long ms = 0;
        foreach (var c in id.AsSpan(id.Length - UlidLength, 10))
            ms = (ms << 5) | (long)Alphabet.IndexOf(c, StringComparison.Ordinal);
        return DateTimeOffset.FromUnixTimeMilliseconds(ms);
    }

    private static bool IsUlid(ReadOnlySpan<char> ulid)
    {
        // 26 base32 characters carry 130 bits; the ULID is 128, so the first one holds only 3.
        if (ulid.Length != UlidLength || ulid[0] > '7')
            return false;
        return !ulid.ContainsAnyExcept(Alphabet);
    }

    private static UInt128 NewRandom()
    {
        Span<byte> bytes = stackalloc byte[16];
        RandomNumberGenerator.Fill(bytes);
        return System.Buffers.Binary.BinaryPrimitives.ReadUInt128BigEndian(bytes) & RandomMask;
    }

    private static void ValidatePrefix(string prefix)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        if (prefix.Length == 0 || prefix.AsSpan().ContainsAnyExcept("abcdefghijklmnopqrstuvwxyz0123456789"))
            throw new ArgumentException("An id prefix is one or more lowercase ASCII letters or digits.", nameof(prefix));
    }
}
