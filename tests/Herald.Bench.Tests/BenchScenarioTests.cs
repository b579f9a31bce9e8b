using System.Buffers;
using System.Text;

namespace Herald.Bench.Tests;

/// <summary>The bench's own parts, without a Herald: scenario selection and the receiver's sequence numbers.</summary>
public sealed class BenchScenarioTests
{
    [Fact]
    public void ScenarioAll_SelectsEveryScenario()
    {
        Assert.Equal(BenchScenarios.All, BenchScenarios.Select("all"));
        Assert.Equal("throughput", Assert.Single(BenchScenarios.Select("throughput")).Name);
        Assert.Equal(["throughput", "throughput-10", "fanout", "latency", "backlog", "noisy-neighbour"], BenchScenarios.All.Select(s => s.Name));
    }

    [Fact]
    public void Scenario_SelectsACommaSeparatedList_InTheRunsOrder()
    {
        Assert.Equal(["fanout", "latency"], BenchScenarios.Select("latency, fanout").Select(s => s.Name));
        Assert.Equal(["throughput", "backlog"], BenchScenarios.Select("BACKLOG,throughput,backlog").Select(s => s.Name));
        var error = Assert.Throws<BenchException>(() => BenchScenarios.Select("fanout,latncy"));
        Assert.Contains("(got 'latncy')", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"version":"1.0.0","type":"t","resource":{"n":7},"data":{"a":[1,{"n":5}],"n":123}}""", 123)]
    [InlineData("""{"n":42}""", 42)]
    [InlineData("""{"data":"n","n2":1}""", -1)]
    [InlineData("""{"data":{"warmup":true}}""", -1)]
    [InlineData("not json", -1)]
    public void Receiver_ReadsTheSequenceNumber_FromDataN(string body, int expected)
    {
        Assert.Equal(expected, BenchReceiver.SequenceOf(new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(body))));
    }
}
