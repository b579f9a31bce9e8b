using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Herald.Tests.Api;

namespace Herald.Tests.Dashboard;

/// <summary>The endpoint list a page at a time: an organization of thousands of endpoints must not make one multi-megabyte page.</summary>
public sealed partial class EndpointListPagingTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private HeraldTestServer Server => fixture.Server;

    [Fact]
    public async Task EndpointList_ShowsAHundredPerPage_WithNextAndPreviousLinks_CoveringEveryEndpointOnce()
    {
        var org = await Server.NewOrgAsync();
        var created = new List<string>();
        for (var i = 0; i < 205; i++)
        {
            var endpoint = await (await org.Client.PostJsonAsync("/v1/endpoints", new JsonObject { ["name"] = $"paged-{i:D3}", ["url"] = ApiTestSupport.QuietUrl }))
                .ReadJsonAsync(HttpStatusCode.Created);
            created.Add(endpoint.Str("id")!);
        }
        using var client = await DashboardClient.SignInAsync(Server.BaseUrl, org.AdminKey);

        var first = await client.PageAsync("/endpoints");
        var second = await client.PageAsync(Link(first, "next")!);
        var third = await client.PageAsync(Link(second, "next")!);

        Assert.Equal(100, Ids(first).Count);
        Assert.Equal(100, Ids(second).Count);
        Assert.Equal(5, Ids(third).Count);
        Assert.Null(Link(first, "prev"));
        Assert.Null(Link(third, "next"));
        // Newest first, every endpoint exactly once, in the order of GET /v1/endpoints.
        var shown = Ids(first).Concat(Ids(second)).Concat(Ids(third)).ToList();
        Assert.Equal(created.Order(StringComparer.Ordinal), shown.Order(StringComparer.Ordinal));
        var api = await org.Client.ListAllAsync("/v1/endpoints");
        Assert.Equal(api.Select(e => e.Str("id")), shown);
        Assert.Contains("1–100 of 205", first);
        Assert.Contains("201–205 of 205", third);

        Assert.Equal(Ids(second), Ids(await client.PageAsync(Link(third, "prev")!)));
        Assert.Equal(Ids(first), Ids(await client.PageAsync(Link(second, "prev")!)));
    }

    [Fact]
    public async Task EndpointList_UsesTheApisCursor_AndRefusesAForgedOne()
    {
        var org = await Server.NewOrgAsync();
        for (var i = 0; i < 3; i++)
        {
            await (await org.Client.PostJsonAsync("/v1/endpoints", new JsonObject { ["name"] = $"cursor-{i}", ["url"] = ApiTestSupport.QuietUrl }))
                .ExpectStatusAsync(HttpStatusCode.Created);
        }
        var apiPage = await (await org.Client.GetAsync("/v1/endpoints?limit=1")).ReadJsonAsync(HttpStatusCode.OK);
        using var client = await DashboardClient.SignInAsync(Server.BaseUrl, org.AdminKey);

        var rest = await client.PageAsync("/endpoints?cursor=" + apiPage.Str("next_cursor"));
        var forged = await client.GetAsync("/endpoints?cursor=%00not-a-cursor");

        Assert.Equal(2, Ids(rest).Count);
        Assert.DoesNotContain(apiPage["data"]![0]!.Str("id")!, Ids(rest));
        Assert.Equal((HttpStatusCode)422, forged.StatusCode);
        Assert.Contains("is not a cursor returned by this list", await forged.Content.ReadAsStringAsync());
    }

    private static List<string> Ids(string html) => [.. EndpointRow().Matches(html).Select(m => m.Groups[1].Value)];

    private static string? Link(string html, string rel) =>
        Regex.Match(html, $"<a rel=\"{rel}\" href=\"([^\"]+)\"") is { Success: true } m ? WebUtility.HtmlDecode(m.Groups[1].Value) : null;

    [GeneratedRegex("<tr><td data-label=\"Name\"><a href=\"/endpoints/(ep_[0-9A-Z]{26})\">")]
    private static partial Regex EndpointRow();
}
