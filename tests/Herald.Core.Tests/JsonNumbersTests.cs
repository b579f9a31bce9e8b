using System.Text;

namespace Herald.Core.Tests;

public class JsonNumbersTests
{
    [Theory]
    [InlineData("1", "1.0")]
    [InlineData("1", "10e-1")]
    [InlineData("1", "0.1E1")]
    [InlineData("100", "1e2")]
    [InlineData("100", "1E+2")]
    [InlineData("0", "-0")]
    [InlineData("0", "0.000e5")]
    [InlineData("-12.5", "-125e-1")]
    [InlineData("1e300", "1000e297")]
    [InlineData("0.000001", "1e-6")]
    public void EqualValues_CompareEqual_AndHashAlike(string a, string b)
    {
        Assert.Equal(0, JsonNumbers.Compare(U(a), U(b)));
        Assert.Equal(0, JsonNumbers.Compare(U(b), U(a)));
        Assert.Equal(JsonNumbers.Hash(U(a)), JsonNumbers.Hash(U(b)));
    }

    [Theory]
    [InlineData("1e300", "1.0000000000000000000000000000001e300")]
    [InlineData("9007199254740992", "9007199254740993")]
    [InlineData("1.0000000000000000000000000000001", "1.0000000000000000000000000000002")]
    [InlineData("0", "1e-400")]
    [InlineData("-1", "1")]
    [InlineData("-2", "-1")]
    [InlineData("0.1", "1")]
    [InlineData("99", "1e2")]
    public void DistinctValues_CompareInOrder_AndHashApart(string lower, string higher)
    {
        Assert.Equal(-1, JsonNumbers.Compare(U(lower), U(higher)));
        Assert.Equal(1, JsonNumbers.Compare(U(higher), U(lower)));
        Assert.NotEqual(JsonNumbers.Hash(U(lower)), JsonNumbers.Hash(U(higher)));
    }

    [Theory]
    [InlineData("1e300", "1e-300", true)]
    [InlineData("1e-301", "1e-300", false)]
    [InlineData("0", "1e-300", true)]
    [InlineData("0.3", "0.1", true)]
    [InlineData("0.3", "0.2", false)]
    [InlineData("19.99", "0.01", true)]
    [InlineData("10.005", "0.01", false)]
    [InlineData("10", "4", false)]
    [InlineData("20", "4", true)]
    [InlineData("-2.1", "0.7", true)]
    [InlineData("1e400", "2", true)]
    [InlineData("1e400", "3", false)]
    [InlineData("1e1000000000000000000000", "7", false)] // exponent beyond long: clamped, still decided
    [InlineData("1e1000000000000000000000", "1e-1000000000000000000000", true)]
    [InlineData("246913578024691357802469135780e5", "123456789012345678901234567890", true)]
    [InlineData("246913578024691357802469135781e5", "123456789012345678901234567890", false)]
    [InlineData("123456789012345678901234567890123456789", "3", true)]
    [InlineData("123456789012345678901234567890123456788", "3", false)]
    [InlineData("1.5", "1.5", true)]
    [InlineData("1.5", "3", false)]
    public void IsMultipleOf_IsExact(string value, string divisor, bool expected)
    {
        Assert.Equal(expected, JsonNumbers.IsMultipleOf(U(value), U(divisor)));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-1")]
    public void IsMultipleOf_RefusesADivisorThatIsNotPositive(string divisor)
    {
        Assert.Throws<ArgumentException>(() => JsonNumbers.IsMultipleOf(U("1"), U(divisor)));
    }

    [Fact]
    public void IsMultipleOf_StaysFast_ForAValueWithManyDigits()
    {
        // 999999 = 7 × 142857, so any run of 999999 groups is a multiple of 7; one more digit is not.
        var digits = string.Concat(Enumerable.Repeat("999999", 40_000));

        Assert.True(JsonNumbers.IsMultipleOf(U(digits), U("7")));
        Assert.False(JsonNumbers.IsMultipleOf(U(digits + "1"), U("7")));
    }

    private static byte[] U(string text) => Encoding.UTF8.GetBytes(text);
}
