using Herald.Core.Policies;

namespace Herald.Core.Tests.Policies;

public class EndpointHealthRulesTests
{
    private static readonly HealthPolicy Policy = new(FailureThreshold: 3, ProbeInterval: TimeSpan.FromSeconds(30), AutoDisableAfter: TimeSpan.FromDays(5));
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);
    private static readonly EndpointStanding Healthy = new(Enabled: true, CircuitOpen: false, ConsecutiveFailures: 0, FailingSince: null);

    [Fact]
    public void SuccessOnAHealthyEndpoint_ChangesNothing()
    {
        Assert.True(EndpointHealthRules.LeavesAlone(Healthy, RequestVerdict.Success));
        Assert.IsType<HealthDecision.Unchanged>(EndpointHealthRules.Decide(Healthy, RequestVerdict.Success, Policy, Now));
    }

    [Fact]
    public void SuccessAfterFailures_EndsTheRun_WithoutClosingAClosedCircuit()
    {
        var failing = Healthy with { ConsecutiveFailures = 2, FailingSince = Now.AddMinutes(-5) };
        Assert.False(EndpointHealthRules.LeavesAlone(failing, RequestVerdict.Success));
        Assert.Equal(new HealthDecision.Recovered(ClosesCircuit: false), EndpointHealthRules.Decide(failing, RequestVerdict.Success, Policy, Now));
    }

    [Fact]
    public void SuccessWhileOpen_ClosesTheCircuit()
    {
        var open = Healthy with { CircuitOpen = true, ConsecutiveFailures = 7, FailingSince = Now.AddHours(-1) };
        Assert.Equal(new HealthDecision.Recovered(ClosesCircuit: true), EndpointHealthRules.Decide(open, RequestVerdict.Success, Policy, Now));
    }

    [Fact]
    public void FirstFailure_StartsTheRunNow_AndLeavesTheCircuitClosed()
    {
        var decision = EndpointHealthRules.Decide(Healthy, RequestVerdict.Failure, Policy, Now);
        Assert.Equal(new HealthDecision.FailureCounted(1, Now, OpensCircuit: false, NextProbeAt: null), decision);
    }

    [Fact]
    public void TheThresholdthFailure_OpensTheCircuit_AndSchedulesAProbe()
    {
        var since = Now.AddMinutes(-2);
        var twoDown = Healthy with { ConsecutiveFailures = 2, FailingSince = since };
        var decision = EndpointHealthRules.Decide(twoDown, RequestVerdict.Failure, Policy, Now);
        Assert.Equal(new HealthDecision.FailureCounted(3, since, OpensCircuit: true, NextProbeAt: Now + Policy.ProbeInterval), decision);
    }

    [Fact]
    public void AFailedProbe_KeepsTheCircuitOpen_AndMovesTheNextProbeOn()
    {
        var since = Now.AddMinutes(-10);
        var open = Healthy with { CircuitOpen = true, ConsecutiveFailures = 5, FailingSince = since };
        var decision = EndpointHealthRules.Decide(open, RequestVerdict.Failure, Policy, Now);
        Assert.Equal(new HealthDecision.FailureCounted(6, since, OpensCircuit: false, NextProbeAt: Now + Policy.ProbeInterval), decision);
    }

    [Fact]
    public void FailingForTheWholeAutoDisablePeriod_DisablesWithAReasonThatSaysSince()
    {
        var since = Now - Policy.AutoDisableAfter;
        var open = Healthy with { CircuitOpen = true, ConsecutiveFailures = 400, FailingSince = since };
        var decision = Assert.IsType<HealthDecision.Disabled>(EndpointHealthRules.Decide(open, RequestVerdict.Failure, Policy, Now));
        Assert.Equal(401, decision.ConsecutiveFailures);
        Assert.Equal(since, decision.FailingSince);
        Assert.Equal("Every attempt failed since 2026-12-02T12:00:00.000Z, with no success for 5d.", decision.Reason);
    }

    [Fact]
    public void JustShortOfTheAutoDisablePeriod_OnlyCounts()
    {
        var since = Now - Policy.AutoDisableAfter + TimeSpan.FromMilliseconds(1);
        var open = Healthy with { CircuitOpen = true, ConsecutiveFailures = 400, FailingSince = since };
        Assert.IsType<HealthDecision.FailureCounted>(EndpointHealthRules.Decide(open, RequestVerdict.Failure, Policy, Now));
    }

    [Fact]
    public void Gone_DisablesAtOnce_WithTheReasonGiven()
    {
        var decision = EndpointHealthRules.Decide(Healthy, RequestVerdict.Gone("The receiver answered 410 Gone."), Policy, Now);
        Assert.Equal(new HealthDecision.Disabled("The receiver answered 410 Gone.", 1, Now), decision);
    }

    [Fact]
    public void OnAnEndpointAlreadyDisabled_AFailureOnlyCounts_EvenWhenItWouldDisable()
    {
        var disabled = Healthy with { Enabled = false, ConsecutiveFailures = 1, FailingSince = Now.AddMinutes(-1) };
        var decision = EndpointHealthRules.Decide(disabled, RequestVerdict.Gone("gone"), Policy, Now);
        Assert.IsType<HealthDecision.FailureCounted>(decision);
    }
}
