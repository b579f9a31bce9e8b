using System.Security.Cryptography;
using System.Text;

namespace Herald.Core.Security;

/// <summary>
/// Encrypts secrets at rest (endpoint secrets, basic-auth passwords, sensitive header values)
/// with AES-256-GCM. A sealed value is a version byte (1), a 12-byte random nonce, the
/// ciphertext and a 16-byte tag; the version byte is authenticated too, so a later format
/// cannot be confused with this one.
/// </summary>
/// <remarks>Thread-safe: each operation uses its own cipher instance.</remarks>
public sealed class SecretBox
{
    /// <summary>The key length in bytes.</summary>
    public const int KeyBytes = 32;

    private const byte Version = 1;
    private const int NonceBytes = 12;
    private const int TagBytes = 16;
    private const int Overhead = 1 + NonceBytes + TagBytes;

    private readonly byte[] _key;

    /// <summary>Creates a box for a 32-byte key (the array is copied).</summary>
    /// <exception cref="ArgumentException">The key is not 32 bytes.</exception>
    public SecretBox(byte[] key32)
    {
        ArgumentNullException.ThrowIfNull(key32);
        if (key32.Length != KeyBytes)
            throw new ArgumentException($"The key must be {KeyBytes} bytes, not {key32.Length}.", nameof(key32));
        _key = (byte[])key32.Clone();
    }

    /// <summary>A new random 32-byte key.</summary>
    public static byte[] NewKey() => RandomNumberGenerator.GetBytes(KeyBytes);

    /// <summary>
    /// Decodes a key given as base64 of exactly 32 bytes (as in <c>HERALD_SECRET_KEY</c> or a key
    /// file); surrounding whitespace, such as a file's trailing newline, is ignored.
    /// </summary>
    public static bool TryParseKey(string base64, out byte[] key)
    {
        key = [];
        if (string.IsNullOrWhiteSpace(base64))
            return false;
        Span<byte> buffer = stackalloc byte[KeyBytes + 3];
        if (!Convert.TryFromBase64String(base64.Trim(), buffer, out var written) || written != KeyBytes)
        {
            CryptographicOperations.ZeroMemory(buffer);
            return false;
        }

        key = buffer[..KeyBytes].ToArray();
        CryptographicOperations.ZeroMemory(buffer);
        return true;
    }

    /// <summary>Encrypts <paramref name="plaintext"/> under a fresh random nonce.</summary>
    public byte[] Seal(ReadOnlySpan<byte> plaintext)
    {
        var result = new byte[Overhead + plaintext.Length];
        result[0] = Version;
        var nonce = result.AsSpan(1, NonceBytes);
        var ciphertext = result.AsSpan(1 + NonceBytes, plaintext.Length);
        var tag = result.AsSpan(1 + NonceBytes + plaintext.Length, TagBytes);

        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(_key, TagBytes);
        aes.Encrypt(nonce, plaintext, ciphertext, tag, result.AsSpan(0, 1));
        return result;
    }

    /// <summary>
    /// Decrypts a value made by <see cref="Seal"/>; false when it is malformed, of an unknown
    /// version, tampered with, or sealed under another key.
    /// </summary>
    public bool TryOpen(ReadOnlySpan<byte> @sealed, out byte[] plaintext)
    {
        plaintext = [];
        if (@sealed.Length < Overhead || @sealed[0] != Version)
            return false;

        var length = @sealed.Length - Overhead;
        var result = new byte[length];
        try
        {
            using var aes = new AesGcm(_key, TagBytes);
            aes.Decrypt(
                @sealed.Slice(1, NonceBytes),
                @sealed.Slice(1 + NonceBytes, length),
                @sealed.Slice(1 + NonceBytes + length, TagBytes),
                result,
                @sealed[..1]);
        }
        catch (AuthenticationTagMismatchException)
        {
            return false;
        }

        plaintext = result;
        return true;
    }

    /// <summary>Seals a string's UTF-8 bytes and returns the result as base64, for text columns.</summary>
    public string SealString(string plaintext)
    {
        ArgumentNullException.ThrowIfNull(plaintext);
        return Convert.ToBase64String(Seal(Encoding.UTF8.GetBytes(plaintext)));
    }

    /// <summary>Opens a value made by <see cref="SealString"/>; false on bad base64 or any <see cref="TryOpen"/> failure.</summary>
    public bool TryOpenString(string sealedText, out string plaintext)
    {
        plaintext = "";
        if (string.IsNullOrEmpty(sealedText))
            return false;

        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(sealedText);
        }
        catch (FormatException)
        {
            return false;
        }

        if (!TryOpen(bytes, out var utf8))
            return false;
        plaintext = Encoding.UTF8.GetString(utf8);
        return true;
    }
}
