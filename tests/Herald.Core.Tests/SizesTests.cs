using Herald.Core;

namespace Herald.Core.Tests;

public class SizesTests
{
    [Theory]
    [InlineData("0B", 0)]
    [InlineData("512B", 512)]
    [InlineData("64KiB", 65_536)]
    [InlineData("1MiB", 1_048_576)]
    [InlineData("10MiB", 10_485_760)]
    [InlineData("8796093022207MiB", 8_796_093_022_207L * 1_048_576)]
    public void TryParse_AcceptsAnIntegerWithAUnit(string text, long expected)
    {
        Assert.True(Sizes.TryParse(text, out var bytes));
        Assert.Equal(expected, bytes);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("1024")]
    [InlineData("1MB")]
    [InlineData("1mib")]
    [InlineData("1KB")]
    [InlineData("1kib")]
    [InlineData("1b")]
    [InlineData("1GiB")]
    [InlineData("1.5MiB")]
    [InlineData("-1B")]
    [InlineData("1 MiB")]
    [InlineData("8796093022208MiB")] // beyond long
    public void TryParse_RefusesAnythingElse(string? text)
    {
        Assert.False(Sizes.TryParse(text, out var bytes));
        Assert.Equal(0, bytes);
    }

    [Theory]
    [InlineData(0, "0B")]
    [InlineData(1, "1B")]
    [InlineData(1000, "1000B")]
    [InlineData(1024, "1KiB")]
    [InlineData(1536, "1536B")]
    [InlineData(1_572_864, "1536KiB")]
    [InlineData(1_048_576, "1MiB")]
    public void Format_UsesTheLargestUnitThatDividesExactly(long bytes, string expected)
    {
        Assert.Equal(expected, Sizes.Format(bytes));
    }

    [Fact]
    public void Format_Throws_OnANegativeSize()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Sizes.Format(-1));
    }
}
