using Herald.Core;

namespace Herald.Core.Tests;

public class FairSharesTests
{
    private static Dictionary<string, int> Quotas(IReadOnlyList<(string OrgId, string EndpointId)> endpoints, int limit, long turn = 0, int max = 100) =>
        FairShares.Split(endpoints, limit, turn, max).ToDictionary(q => q.EndpointId, q => q.Quota);

    [Fact]
    public void Split_GivesEachOrganizationAnEqualPart_WhateverItsNumberOfEndpoints()
    {
        var endpoints = Enumerable.Range(0, 10).Select(i => ("org-a", $"a{i}")).Append(("org-b", "b0")).ToList();

        var quotas = Quotas(endpoints, 20);

        Assert.Equal(10, quotas["b0"]);
        Assert.Equal(10, quotas.Where(q => q.Key.StartsWith('a')).Sum(q => q.Value));
        Assert.All(quotas.Where(q => q.Key.StartsWith('a')), q => Assert.Equal(1, q.Value));
    }

    [Fact]
    public void Split_SharesAnOrganizationsPartBetweenItsEndpoints()
    {
        var quotas = Quotas([("org-a", "a0"), ("org-a", "a1"), ("org-b", "b0")], 8);

        Assert.Equal(4, quotas["b0"]);
        Assert.Equal(2, quotas["a0"]);
        Assert.Equal(2, quotas["a1"]);
    }

    [Fact]
    public void Split_ServesEveryOrganization_EvenWhenTheClaimIsSmallerThanTheirNumber()
    {
        var endpoints = Enumerable.Range(0, 5).Select(i => ($"org-{i}", $"e{i}")).ToList();

        // Over five claims of two, each organization comes first once: nobody is always left out.
        var served = Enumerable.Range(0, 5).SelectMany(turn => Quotas(endpoints, 2, turn).Keys).ToList();

        Assert.Equal(endpoints.Select(e => e.Item2).Order(), served.Distinct().Order());
    }

    [Fact]
    public void Split_MovesTheFirstEndpointOnWithEachTurn()
    {
        List<(string, string)> endpoints = [("org-a", "a0"), ("org-a", "a1"), ("org-a", "a2")];

        var firsts = Enumerable.Range(0, 3).Select(turn => FairShares.Split(endpoints, 1, turn, 10)[0].EndpointId).ToList();

        Assert.Equal(["a0", "a1", "a2"], firsts);
    }

    [Fact]
    public void Split_AsksAtMostMaxEndpoints_CuttingTheLargestOrganizationFirst()
    {
        var endpoints = Enumerable.Range(0, 50).Select(i => ("org-a", $"a{i:00}")).Append(("org-b", "b0")).ToList();

        var quotas = Quotas(endpoints, 64, max: 4);

        Assert.Equal(4, quotas.Count);
        Assert.Equal(32, quotas["b0"]);
        Assert.Equal(64, quotas.Values.Sum());
    }

    [Fact]
    public void Split_IsEmpty_WithNoEndpointsOrNoRoom()
    {
        Assert.Empty(FairShares.Split([], 10, 0, 10));
        Assert.Empty(FairShares.Split([("o", "e")], 0, 0, 10));
    }
}
