using Herald.Core;

namespace Herald.Core.Tests;

public class RetryAfterTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 22, 23, 15, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("0", 0)]
    [InlineData("120", 120)]
    [InlineData(" 30 ", 30)]
    [InlineData("3599", 3599)]
    [InlineData("3600", 3600)]
    [InlineData("3601", 3600)]
    [InlineData("86400", 3600)]
    [InlineData("99999999999999999999999", 3600)]
    public void Parse_Seconds_AreCappedAtOneHour(string header, int expectedSeconds)
    {
        Assert.Equal(TimeSpan.FromSeconds(expectedSeconds), RetryAfter.Parse(header, Now));
    }

    [Fact]
    public void Parse_HttpDate_IsTheTimeUntilThatDate()
    {
        Assert.Equal(TimeSpan.FromMinutes(10), RetryAfter.Parse("Sun, 22 Nov 2026 23:25:00 GMT", Now));
    }

    [Fact]
    public void Parse_HttpDate_IsRelativeToNowWhateverItsOffset()
    {
        var now = Now.ToOffset(TimeSpan.FromHours(2));

        Assert.Equal(TimeSpan.FromMinutes(10), RetryAfter.Parse("Sun, 22 Nov 2026 23:25:00 GMT", now));
    }

    [Fact]
    public void Parse_HttpDate_InThePast_IsZero()
    {
        Assert.Equal(TimeSpan.Zero, RetryAfter.Parse("Sun, 22 Nov 2026 23:00:00 GMT", Now));
    }

    [Fact]
    public void Parse_HttpDate_FarAhead_IsCappedAtOneHour()
    {
        Assert.Equal(TimeSpan.FromHours(1), RetryAfter.Parse("Wed, 25 Nov 2026 00:00:00 GMT", Now));
    }

    [Theory]
    [InlineData("Sunday, 22-Nov-26 23:25:00 GMT")] // RFC 850
    [InlineData("Sun Nov 22 23:25:00 2026")] // asctime
    public void Parse_AcceptsTheObsoleteHttpDateForms(string header)
    {
        Assert.Equal(TimeSpan.FromMinutes(10), RetryAfter.Parse(header, Now));
    }

    [Fact]
    public void Parse_AcceptsAsctimeWithASpacePaddedDay()
    {
        var now = new DateTimeOffset(2026, 11, 6, 8, 49, 0, TimeSpan.Zero);

        Assert.Equal(TimeSpan.FromSeconds(37), RetryAfter.Parse("Fri Nov  6 08:49:37 2026", now));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("-5")]
    [InlineData("+5")]
    [InlineData("1.5")]
    [InlineData("5s")]
    [InlineData("soon")]
    [InlineData("12 34")]
    [InlineData("2026-11-22T23:25:00Z")]
    [InlineData("Sun, 32 Nov 2026 23:25:00 GMT")]
    public void Parse_ReturnsNull_OnGarbage(string? header)
    {
        Assert.Null(RetryAfter.Parse(header, Now));
    }

    [Fact]
    public void NextAttemptAt_UsesRetryAfter_WhenLaterThanTheSchedule()
    {
        Assert.Equal(Now.AddMinutes(10), RetryAfter.NextAttemptAt(Now, TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(10)));
    }

    [Fact]
    public void NextAttemptAt_KeepsTheSchedule_WhenRetryAfterIsSooner()
    {
        Assert.Equal(Now.AddMinutes(5), RetryAfter.NextAttemptAt(Now, TimeSpan.FromMinutes(5), TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public void NextAttemptAt_KeepsTheSchedule_WithoutRetryAfter()
    {
        Assert.Equal(Now.AddSeconds(5), RetryAfter.NextAttemptAt(Now, TimeSpan.FromSeconds(5), null));
    }

    [Fact]
    public void NextAttemptAt_WithFakeTime_SchedulesTheJitteredDelayFromNow()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(Now);
        var delay = RetryPolicy.Default.DelayAfter(1, 1)!.Value;

        var next = RetryAfter.NextAttemptAt(time.GetUtcNow(), delay, RetryAfter.Parse("2", time.GetUtcNow()));
        time.Advance(TimeSpan.FromSeconds(5.5));

        Assert.Equal(time.GetUtcNow(), next);
    }
}
