using Herald.Core.Policies;

namespace Herald.Core.Tests.Policies;

public class RateSlotsTests
{
    [Fact]
    public void Spacing_IsTenPercentWiderThanOneOverTheRate()
    {
        Assert.Equal(110_000, RateSlots.SpacingUs(10));
        Assert.Equal(1_100_000, RateSlots.SpacingUs(1));
        Assert.Equal(1_100, RateSlots.SpacingUs(1000));
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(-1.0)]
    [InlineData(double.NaN)]
    public void Spacing_RefusesARateThatIsNotPositive(double rate)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => RateSlots.SpacingUs(rate));
    }

    [Fact]
    public void Tolerance_IsAtMostTwoMilliseconds_AndATwentiethOfTheSpacing()
    {
        Assert.Equal(2_000, RateSlots.ToleranceUs(1_100_000));
        Assert.Equal(55, RateSlots.ToleranceUs(1_100));
    }

    [Fact]
    public void AFreshEndpoint_SendsAtOnce_AndThePreviousSendSetsTheNextFreeTime()
    {
        var verdict = RateSlots.Take(new RateState(0, 0), nowUs: 5_000_000, ratePerSecond: 10);
        Assert.True(verdict.SendNow);
        Assert.Equal(new RateState(5_110_000, 5_110_000), verdict.State);
    }

    [Fact]
    public void ASendInsideTheSpacing_WaitsForItsTurn_AndTheQueueGrowsByOneSpacing()
    {
        var state = new RateState(NextFreeUs: 5_110_000, QueueUntilUs: 5_110_000);
        var first = RateSlots.Take(state, nowUs: 5_010_000, ratePerSecond: 10);
        Assert.False(first.SendNow);
        Assert.Equal(5_110_000, first.TurnUs);
        Assert.Equal(new RateState(5_110_000, 5_220_000), first.State);

        var second = RateSlots.Take(first.State, nowUs: 5_020_000, ratePerSecond: 10);
        Assert.False(second.SendNow);
        Assert.Equal(5_220_000, second.TurnUs);
        Assert.Equal(new RateState(5_110_000, 5_330_000), second.State);
    }

    [Fact]
    public void ASendWithinTheTolerance_GoesEarly_AndSpacesTheNextFromTheSlotNotFromNow()
    {
        var state = new RateState(NextFreeUs: 5_110_000, QueueUntilUs: 5_330_000);
        var verdict = RateSlots.Take(state, nowUs: 5_109_000, ratePerSecond: 10);
        Assert.True(verdict.SendNow);
        Assert.Equal(new RateState(5_220_000, 5_330_000), verdict.State);
    }

    [Fact]
    public void ALateSend_IsSpacedFromWhenItActuallyLeft()
    {
        var verdict = RateSlots.Take(new RateState(5_110_000, 5_110_000), nowUs: 9_000_000, ratePerSecond: 10);
        Assert.True(verdict.SendNow);
        Assert.Equal(new RateState(9_110_000, 9_110_000), verdict.State);
    }

    [Fact]
    public void OverAnySecond_NoMoreSendsGoThanTheRate()
    {
        var state = new RateState(0, 0);
        var sent = new List<long>();
        for (var now = 1_000_000L; now < 11_000_000; now += 1_000)
        {
            var verdict = RateSlots.Take(state, now, ratePerSecond: 20);
            state = verdict.State;
            if (verdict.SendNow)
            {
                sent.Add(now);
            }
        }
        for (var i = 0; i + 20 < sent.Count; i++)
        {
            Assert.True(sent[i + 20] - sent[i] >= 1_000_000, $"21 sends within a second starting at {sent[i]} µs");
        }
        Assert.InRange(sent.Count, 170, 200);
    }
}
