using Herald.Core;

namespace Herald.Core.Tests;

public class RetryPolicyTests
{
    private static readonly RetryPolicy SafetyCulture = new([TimeSpan.FromSeconds(100), TimeSpan.FromSeconds(100), TimeSpan.FromSeconds(100)], 0);

    [Fact]
    public void Default_IsTheDocumentedScheduleWithTenPercentJitter()
    {
        Assert.Equal(
            ["5s", "5m", "30m", "2h", "5h", "10h", "10h"],
            RetryPolicy.Default.Schedule.Select(Durations.Format));
        Assert.Equal(0.1, RetryPolicy.Default.Jitter);
        Assert.Equal(8, RetryPolicy.Default.MaxAttempts);
    }

    [Fact]
    public void Default_CannotBeMutatedThroughItsSchedule()
    {
        Assert.False(RetryPolicy.Default.Schedule is TimeSpan[]);
    }

    [Fact]
    public void DelayAfter_FirstFailure_UsesTheFirstScheduleEntry()
    {
        Assert.Equal(TimeSpan.FromSeconds(5), RetryPolicy.Default.DelayAfter(1, 0.5));
        Assert.Equal(TimeSpan.FromMinutes(5), RetryPolicy.Default.DelayAfter(2, 0.5));
        Assert.Equal(TimeSpan.FromHours(10), RetryPolicy.Default.DelayAfter(7, 0.5));
    }

    [Fact]
    public void DelayAfter_ReturnsNull_WhenTheScheduleIsExhausted()
    {
        Assert.Null(RetryPolicy.Default.DelayAfter(8, 0.5));
        Assert.Null(SafetyCulture.DelayAfter(4, 0.5));
    }

    [Fact]
    public void DelayAfter_WithoutJitter_IsExact()
    {
        Assert.Equal(TimeSpan.FromSeconds(100), SafetyCulture.DelayAfter(3, 0));
        Assert.Equal(TimeSpan.FromSeconds(100), SafetyCulture.DelayAfter(3, 1));
    }

    [Fact]
    public void DelayAfter_RandomZero_GivesTheLowerJitterBound()
    {
        Assert.Equal(TimeSpan.FromSeconds(4.5), RetryPolicy.Default.DelayAfter(1, 0));
        Assert.Equal(TimeSpan.FromHours(9), RetryPolicy.Default.DelayAfter(7, 0));
    }

    [Fact]
    public void DelayAfter_RandomOne_GivesTheUpperJitterBound()
    {
        Assert.Equal(TimeSpan.FromSeconds(5.5), RetryPolicy.Default.DelayAfter(1, 1));
        Assert.Equal(TimeSpan.FromHours(11), RetryPolicy.Default.DelayAfter(7, 1));
    }

    [Fact]
    public void DelayAfter_StaysWithinTheJitterBounds_ForAnyRandomValue()
    {
        var policy = new RetryPolicy([TimeSpan.FromMinutes(10)], 0.5);
        for (var r = 0.0; r <= 1.0; r += 0.01)
            Assert.InRange(policy.DelayAfter(1, r)!.Value, TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(15));
    }

    [Fact]
    public void DelayAfter_IsNeverNegative_EvenWithAnOversizedJitter()
    {
        var policy = new RetryPolicy([TimeSpan.FromSeconds(10)], 2);

        Assert.Equal(TimeSpan.Zero, policy.DelayAfter(1, 0));
    }

    [Fact]
    public void DelayAfter_OfAZeroDelay_IsZero()
    {
        Assert.Equal(TimeSpan.Zero, new RetryPolicy([TimeSpan.Zero], 0.1).DelayAfter(1, 1));
    }

    [Theory]
    [InlineData(0, 0.5)]
    [InlineData(-1, 0.5)]
    [InlineData(1, -0.01)]
    [InlineData(1, 1.01)]
    [InlineData(1, double.NaN)]
    public void DelayAfter_Throws_OnOutOfRangeArguments(int failedAttempts, double random01)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => RetryPolicy.Default.DelayAfter(failedAttempts, random01));
    }

    [Fact]
    public void MaxAttempts_IsScheduleLengthPlusOne()
    {
        Assert.Equal(4, SafetyCulture.MaxAttempts);
        Assert.Equal(1, new RetryPolicy([], 0).MaxAttempts);
    }

    [Fact]
    public void EmptySchedule_NeverRetries()
    {
        Assert.Null(new RetryPolicy([], 0).DelayAfter(1, 0.5));
    }

    [Fact]
    public void Equals_ComparesScheduleValues_NotListInstances()
    {
        var a = new RetryPolicy([TimeSpan.FromSeconds(100), TimeSpan.FromSeconds(100)], 0);
        var b = new RetryPolicy(new List<TimeSpan> { TimeSpan.FromSeconds(100), TimeSpan.FromSeconds(100) }, 0);

        Assert.Equal(a, b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.NotEqual(a, b with { Jitter = 0.1 });
        Assert.NotEqual(a, new RetryPolicy([TimeSpan.FromSeconds(100)], 0));
    }
}
