using Herald.Core.Policies;

namespace Herald.Core.Tests.Policies;

public class FifoRuleTests
{
    [Fact]
    public void WithoutFifo_EveryDeliveryMayBeSent()
    {
        Assert.True(FifoRule.MaySend(fifo: false, "dlv_02", oldestOpenId: "dlv_01"));
    }

    [Fact]
    public void WithFifo_OnlyTheOldestOpenDeliveryMayBeSent()
    {
        Assert.True(FifoRule.MaySend(fifo: true, "dlv_01", oldestOpenId: "dlv_01"));
        Assert.False(FifoRule.MaySend(fifo: true, "dlv_02", oldestOpenId: "dlv_01"));
    }

    [Fact]
    public void Ids_CompareOrdinally_AsTheyAreStored()
    {
        Assert.False(FifoRule.MaySend(fifo: true, "dlv_a", oldestOpenId: "dlv_A"));
    }
}
