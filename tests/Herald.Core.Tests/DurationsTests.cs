using Herald.Core;

namespace Herald.Core.Tests;

public class DurationsTests
{
    public static TheoryData<string, TimeSpan> Valid => new()
    {
        { "0s", TimeSpan.Zero },
        { "0ms", TimeSpan.Zero },
        { "1500ms", TimeSpan.FromMilliseconds(1500) },
        { "5s", TimeSpan.FromSeconds(5) },
        { "100s", TimeSpan.FromSeconds(100) },
        { "5m", TimeSpan.FromMinutes(5) },
        { "24h", TimeSpan.FromHours(24) },
        { "30d", TimeSpan.FromDays(30) },
        { "007s", TimeSpan.FromSeconds(7) },
        { "10675199d", TimeSpan.FromDays(10675199) },
    };

    [Theory]
    [MemberData(nameof(Valid))]
    public void TryParse_AcceptsAnIntegerWithAUnit(string text, TimeSpan expected)
    {
        Assert.True(Durations.TryParse(text, out var value));
        Assert.Equal(expected, value);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("5")] // a bare number: the unit must be explicit
    [InlineData("1.5s")]
    [InlineData("-1s")]
    [InlineData("+1s")]
    [InlineData("5 s")]
    [InlineData(" 5s")]
    [InlineData("5s ")]
    [InlineData("5S")] // units are lowercase
    [InlineData("5M")]
    [InlineData("5MS")]
    [InlineData("5sec")]
    [InlineData("5w")]
    [InlineData("s")]
    [InlineData("1h30m")]
    [InlineData("٥s")] // non-ASCII digit
    [InlineData("10675200d")] // beyond TimeSpan.MaxValue
    [InlineData("99999999999999999999s")] // beyond long
    public void TryParse_RefusesAnythingElse(string? text)
    {
        Assert.False(Durations.TryParse(text, out var value));
        Assert.Equal(TimeSpan.Zero, value);
    }

    [Theory]
    [InlineData(0, "0s")]
    [InlineData(1_500, "1500ms")]
    [InlineData(1, "1ms")]
    [InlineData(5_000, "5s")]
    [InlineData(300_000, "5m")]
    [InlineData(90_000, "90s")]
    [InlineData(7_200_000, "2h")]
    [InlineData(5_400_000, "90m")]
    [InlineData(86_400_000, "1d")]
    [InlineData(2_592_000_000, "30d")]
    [InlineData(129_600_000, "36h")]
    public void Format_UsesTheLargestUnitThatDividesExactly(long milliseconds, string expected)
    {
        Assert.Equal(expected, Durations.Format(TimeSpan.FromMilliseconds(milliseconds)));
    }

    [Theory]
    [InlineData("5s")]
    [InlineData("1500ms")]
    [InlineData("10h")]
    [InlineData("30d")]
    public void Format_RoundTripsWithTryParse(string text)
    {
        Assert.True(Durations.TryParse(text, out var value));
        Assert.Equal(text, Durations.Format(value));
    }

    [Fact]
    public void Format_DropsPrecisionBelowAMillisecond()
    {
        Assert.Equal("1ms", Durations.Format(TimeSpan.FromTicks(TimeSpan.TicksPerMillisecond + 1)));
    }

    [Fact]
    public void Format_Throws_OnANegativeDuration()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Durations.Format(TimeSpan.FromSeconds(-1)));
    }
}
