using System.Numerics;

namespace Herald.Core;

/// <summary>
/// Exact arithmetic on JSON number texts, shared by payload filters and JSON Schema validation.
/// Converting to <see cref="double"/> or <see cref="decimal"/> would make <c>9007199254740993</c>
/// equal <c>9007199254740992</c>, <c>1e-30</c> equal <c>0</c>, or <c>1e300</c> equal
/// <c>1e300</c> plus a tiny fraction; reading the decimal digits themselves keeps every JSON number
/// distinct by value, so <c>1 == 1.0 == 10e-1</c> and nothing else is conflated.
/// </summary>
/// <remarks>
/// Each number is read in place as a canonical form: sign, significant digits (no leading or
/// trailing zeros) and a decimal exponent. Equal numbers have equal forms, which is what makes
/// <see cref="Hash"/> consistent with <see cref="Compare"/>. The texts must be valid JSON numbers.
/// </remarks>
public static class JsonNumbers
{
    // Exponents beyond this are clamped; they are far outside anything a real payload carries,
    // and clamping keeps the arithmetic in a long.
    private const long ExponentCap = 1_000_000_000_000_000;

    // Digits folded into one BigInteger step when reducing a long mantissa.
    private const int ChunkDigits = 18;
    private static readonly BigInteger ChunkScale = BigInteger.Pow(10, ChunkDigits);

    /// <summary>The sign of <paramref name="left"/> minus <paramref name="right"/>.</summary>
    public static int Compare(ReadOnlySpan<byte> left, ReadOnlySpan<byte> right)
    {
        var a = new DecimalText(left);
        var b = new DecimalText(right);
        if (a.Sign != b.Sign)
            return a.Sign < b.Sign ? -1 : 1;
        if (a.Sign == 0)
            return 0;

        var magnitude = CompareMagnitude(a, b);
        return a.Sign > 0 ? magnitude : -magnitude;
    }

    /// <summary>-1, 0 or 1: the sign of the number.</summary>
    public static int Sign(ReadOnlySpan<byte> number) => new DecimalText(number).Sign;

    /// <summary>A hash of the number's value: numbers that <see cref="Compare"/> as equal hash alike.</summary>
    public static int Hash(ReadOnlySpan<byte> number)
    {
        var n = new DecimalText(number);
        var hash = new HashCode();
        hash.Add(n.Sign);
        if (n.Sign != 0)
        {
            hash.Add(n.Exponent);
            for (var k = 0; k < n.Length; k++)
                hash.Add(n.Digit(k));
        }
        return hash.ToHashCode();
    }

    /// <summary>
    /// True when <paramref name="value"/> divided by <paramref name="divisor"/> (which must be
    /// positive) is an integer, decided exactly: <c>1e300</c> is a multiple of <c>1e-300</c> and
    /// <c>0.3</c> of <c>0.1</c>.
    /// </summary>
    /// <remarks>
    /// With value = m₁·10^e₁ and divisor = m₂·10^e₂ (integer mantissas without trailing zeros), the
    /// quotient is an integer exactly when e₁ ≥ e₂ and m₂ divides m₁·10^(e₁−e₂); when e₁ &lt; e₂ it
    /// would need 10 to divide m₁, which it does not. The product is reduced modulo m₂ as it is
    /// built (the value's digits in chunks, the power of ten by modular exponentiation), so the cost
    /// grows with the digits written, never with the exponents: no exponent gap is too large.
    /// </remarks>
    public static bool IsMultipleOf(ReadOnlySpan<byte> value, ReadOnlySpan<byte> divisor)
    {
        var v = new DecimalText(value);
        var d = new DecimalText(divisor);
        if (d.Sign <= 0)
            throw new ArgumentException("The divisor must be positive.", nameof(divisor));
        if (v.Sign == 0)
            return true;

        var valueExponent = v.Exponent - v.Length;
        var divisorExponent = d.Exponent - d.Length;
        if (valueExponent < divisorExponent)
            return false;

        var modulus = Mantissa(d, BigInteger.Zero);
        if (modulus.IsOne)
            return true;
        var remainder = Mantissa(v, modulus);
        if (remainder.IsZero)
            return true;
        var scale = BigInteger.ModPow(10, valueExponent - divisorExponent, modulus);
        return (remainder * scale % modulus).IsZero;
    }

    // The significant digits as an integer, reduced modulo `modulus` unless that is zero.
    private static BigInteger Mantissa(in DecimalText n, BigInteger modulus)
    {
        var result = BigInteger.Zero;
        for (var start = 0; start < n.Length; start += ChunkDigits)
        {
            var count = Math.Min(ChunkDigits, n.Length - start);
            long chunk = 0;
            for (var k = start; k < start + count; k++)
                chunk = chunk * 10 + n.Digit(k);
            result = result * (count == ChunkDigits ? ChunkScale : BigInteger.Pow(10, count)) + chunk;
            if (!modulus.IsZero)
                result %= modulus;
        }
        return result;
    }

    private static int CompareMagnitude(in DecimalText a, in DecimalText b)
    {
        if (a.Exponent != b.Exponent)
            return a.Exponent < b.Exponent ? -1 : 1;

        var common = Math.Min(a.Length, b.Length);
        for (var k = 0; k < common; k++)
        {
            var d = a.Digit(k) - b.Digit(k);
            if (d != 0)
                return d < 0 ? -1 : 1;
        }

        // Trailing zeros were stripped, so the one with more significant digits is larger.
        return a.Length.CompareTo(b.Length);
    }

    /// <summary>
    /// A JSON number read in place as ±0.d₁d₂…dₙ × 10^Exponent with d₁ ≠ 0 and dₙ ≠ 0
    /// (<see cref="Length"/> = n); zero has <see cref="Sign"/> 0.
    /// </summary>
    private readonly ref struct DecimalText
    {
        private readonly ReadOnlySpan<byte> _integer;
        private readonly ReadOnlySpan<byte> _fraction;
        private readonly int _skip;

        public readonly int Sign;
        public readonly int Length;
        public readonly long Exponent;

        public DecimalText(ReadOnlySpan<byte> text)
        {
            var i = 0;
            var negative = text.Length > 0 && text[0] == (byte)'-';
            if (negative)
                i++;

            var start = i;
            while (i < text.Length && IsDigit(text[i]))
                i++;
            _integer = text[start..i];

            _fraction = default;
            if (i < text.Length && text[i] == (byte)'.')
            {
                start = ++i;
                while (i < text.Length && IsDigit(text[i]))
                    i++;
                _fraction = text[start..i];
            }

            long exponent = 0;
            if (i < text.Length && (text[i] | 0x20) == (byte)'e')
            {
                i++;
                var negativeExponent = false;
                if (i < text.Length && (text[i] == (byte)'+' || text[i] == (byte)'-'))
                {
                    negativeExponent = text[i] == (byte)'-';
                    i++;
                }
                while (i < text.Length && IsDigit(text[i]))
                {
                    if (exponent < ExponentCap)
                        exponent = exponent * 10 + (text[i] - '0');
                    i++;
                }
                if (negativeExponent)
                    exponent = -exponent;
            }

            var total = _integer.Length + _fraction.Length;
            var lead = 0;
            while (lead < total && DigitAt(_integer, _fraction, lead) == '0')
                lead++;
            if (lead == total)
            {
                Sign = 0;
                return;
            }

            var trail = 0;
            while (DigitAt(_integer, _fraction, total - 1 - trail) == '0')
                trail++;

            _skip = lead;
            Sign = negative ? -1 : 1;
            Length = total - lead - trail;
            Exponent = _integer.Length - lead + exponent;
        }

        public int Digit(int k) => DigitAt(_integer, _fraction, _skip + k) - '0';

        private static int DigitAt(ReadOnlySpan<byte> integer, ReadOnlySpan<byte> fraction, int j) =>
            j < integer.Length ? integer[j] : fraction[j - integer.Length];

        private static bool IsDigit(byte b) => (uint)(b - '0') <= 9;
    }
}
