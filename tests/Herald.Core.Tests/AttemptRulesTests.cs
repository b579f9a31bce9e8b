using Herald.Core;
using Herald.Core.Model;

namespace Herald.Core.Tests;

public class AttemptRulesTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 22, 23, 15, 0, TimeSpan.Zero);
    private static readonly RetryPolicy SafetyCulture = new([TimeSpan.FromSeconds(100), TimeSpan.FromSeconds(100), TimeSpan.FromSeconds(100)], 0);

    private static AttemptDecision Scheduled(int? status, int failuresBefore, TimeSpan? retryAfter = null, RetryPolicy? policy = null) =>
        AttemptRules.Decide(status, retryAfter, DeliveryStatus.Pending, manual: false, dueAt: null, failuresBefore, policy ?? SafetyCulture, Now, 0.5);

    [Theory]
    [InlineData(200)]
    [InlineData(201)]
    [InlineData(204)]
    [InlineData(299)]
    public void TwoHundreds_Acknowledge(int status)
    {
        var decision = Scheduled(status, 0);
        Assert.Equal(DeliveryStatus.Succeeded, decision.Status);
        Assert.Null(decision.NextAttemptAt);
    }

    [Theory]
    [InlineData(null)]
    [InlineData(301)]
    [InlineData(400)]
    [InlineData(500)]
    [InlineData(503)]
    public void Failures_ScheduleTheNextAttempt_FromTheRetrySchedule(int? status)
    {
        var decision = Scheduled(status, 0);
        Assert.Equal(DeliveryStatus.Pending, decision.Status);
        Assert.Equal(1, decision.ScheduledFailures);
        Assert.Equal(Now.AddSeconds(100), decision.NextAttemptAt);
    }

    [Fact]
    public void SafetyCulturePolicy_GivesFourAttempts_100SecondsApart()
    {
        var failures = 0;
        var at = Now;
        var times = new List<DateTimeOffset> { at };
        while (true)
        {
            var decision = AttemptRules.Decide(500, null, DeliveryStatus.Pending, false, null, failures, SafetyCulture, at, 0.9);
            failures = decision.ScheduledFailures;
            if (decision.Status == DeliveryStatus.Failed)
            {
                break;
            }
            at = decision.NextAttemptAt!.Value;
            times.Add(at);
        }
        Assert.Equal(4, times.Count);
        Assert.All(times.Zip(times.Skip(1)), pair => Assert.Equal(TimeSpan.FromSeconds(100), pair.Second - pair.First));
    }

    [Fact]
    public void Gone_EndsTheDelivery_AndAsksToDisableTheEndpoint()
    {
        var decision = Scheduled(410, 0);
        Assert.Equal(DeliveryStatus.Failed, decision.Status);
        Assert.True(decision.Gone);
    }

    [Fact]
    public void RetryAfter_ReplacesTheScheduledDelay_OnlyWhenLater_AndOnlyFor429And503()
    {
        Assert.Equal(Now.AddSeconds(300), Scheduled(429, 0, TimeSpan.FromSeconds(300)).NextAttemptAt);
        Assert.Equal(Now.AddSeconds(300), Scheduled(503, 0, TimeSpan.FromSeconds(300)).NextAttemptAt);
        Assert.Equal(Now.AddSeconds(100), Scheduled(503, 0, TimeSpan.FromSeconds(10)).NextAttemptAt);
        Assert.Equal(Now.AddSeconds(100), Scheduled(500, 0, TimeSpan.FromSeconds(300)).NextAttemptAt);
    }

    [Fact]
    public void RetryAfter_OnTheLastAttempt_DoesNotAddAnAttempt()
    {
        var decision = Scheduled(503, 3, TimeSpan.FromSeconds(30));
        Assert.Equal(DeliveryStatus.Failed, decision.Status);
    }

    [Fact]
    public void ManualAttempt_OnPending_KeepsTheSchedule()
    {
        var due = Now.AddMinutes(30);
        var decision = AttemptRules.Decide(500, null, DeliveryStatus.Pending, manual: true, due, 2, SafetyCulture, Now, 0.5);
        Assert.Equal(DeliveryStatus.Pending, decision.Status);
        Assert.Equal(2, decision.ScheduledFailures);
        Assert.Equal(due, decision.NextAttemptAt);
    }

    [Theory]
    [InlineData(DeliveryStatus.Failed, 500, DeliveryStatus.Failed)]
    [InlineData(DeliveryStatus.Failed, 200, DeliveryStatus.Succeeded)]
    [InlineData(DeliveryStatus.Succeeded, 500, DeliveryStatus.Succeeded)]
    [InlineData(DeliveryStatus.Succeeded, 200, DeliveryStatus.Succeeded)]
    [InlineData(DeliveryStatus.Pending, 200, DeliveryStatus.Succeeded)]
    public void ManualAttempt_LeavesEndedDeliveriesWhereTheyWere_UnlessItSucceeds(DeliveryStatus before, int status, DeliveryStatus after)
    {
        var decision = AttemptRules.Decide(status, null, before, manual: true, null, 3, SafetyCulture, Now, 0.5);
        Assert.Equal(after, decision.Status);
        Assert.Equal(3, decision.ScheduledFailures);
    }

    [Fact]
    public void Jitter_StaysWithinItsBand()
    {
        var policy = new RetryPolicy([TimeSpan.FromSeconds(100)], 0.1);
        var low = AttemptRules.Decide(500, null, DeliveryStatus.Pending, false, null, 0, policy, Now, 0).NextAttemptAt!.Value;
        var high = AttemptRules.Decide(500, null, DeliveryStatus.Pending, false, null, 0, policy, Now, 1).NextAttemptAt!.Value;
        Assert.Equal(Now.AddSeconds(90), low);
        Assert.Equal(Now.AddSeconds(110), high);
    }
}
