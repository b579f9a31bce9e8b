using System.Net;
using Herald.Tests.Api;

namespace Herald.Tests.Dashboard;

/// <summary>
/// Where sign-in sends the browser next: only to a path of this server, whatever <c>next</c> holds.
/// Browsers strip tabs and newlines from a Location and read <c>\</c> as <c>/</c>, so anything but a
/// plain local path could lead to another site, and CR or LF in a header would be a 500.
/// </summary>
public sealed class SignInRedirectTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private HeraldTestServer Server => fixture.Server;

    public static TheoryData<string> Elsewhere => new()
    {
        "/\t/evil.example",
        "/\n/evil.example",
        "/\r/evil.example",
        "/\r\nSet-Cookie: herald=x",
        "/\v/evil.example",
        "/\f/evil.example",
        "/ /evil.example",
        "\t//evil.example",
        " /evil.example",
        "//evil.example",
        "///evil.example",
        "/\\evil.example",
        "/\\/evil.example",
        "/x\\..\\..\\/evil.example",
        "/\u00a0/evil.example",
        "/\u2028/evil.example",
        "/ﬀ/evil.example",
        "https://evil.example/",
        "http:/evil.example",
        "//evil.example/%2F..",
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "evil.example",
        "",
        "/" + new string('a', 2048),
    };

    [Theory]
    [MemberData(nameof(Elsewhere))]
    public async Task SignIn_RedirectsToTheOverview_WhenNextIsNotAPlainLocalPath(string next)
    {
        using var client = DashboardClient.Anonymous(Server.BaseUrl);
        await client.PageAsync("/sign-in?next=" + Uri.EscapeDataString(next));

        var response = await client.PostAsync("/sign-in", new() { ["key"] = HeraldTestServer.AdminKey, ["next"] = next });

        Assert.Equal(HttpStatusCode.SeeOther, response.StatusCode);
        Assert.Equal("/", RawLocation(response));
    }

    [Theory]
    [MemberData(nameof(Elsewhere))]
    [InlineData("/\0/evil.example")]
    public async Task SignInPage_RedirectsASignedInUserToTheOverview_WhenNextIsNotAPlainLocalPath(string next)
    {
        using var client = await DashboardClient.SignInAsync(Server.BaseUrl, HeraldTestServer.AdminKey);

        var response = await client.GetAsync("/sign-in?next=" + Uri.EscapeDataString(next));

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/", RawLocation(response));
    }

    [Theory]
    [InlineData("/endpoints")]
    [InlineData("/deliveries?status=failed&endpoint=ep_01J00000000000000000000000")]
    [InlineData("/%2F%2Fevil.example")] // stays a path: browsers do not decode %2F into a separator
    [InlineData("/%09/x")]
    [InlineData("/events/evt_01J00000000000000000000000?notice=caf%C3%A9")]
    public async Task SignIn_FollowsNext_WhenItIsALocalPath(string next)
    {
        using var client = DashboardClient.Anonymous(Server.BaseUrl);
        await client.PageAsync("/sign-in?next=" + Uri.EscapeDataString(next));

        var response = await client.PostAsync("/sign-in", new() { ["key"] = HeraldTestServer.AdminKey, ["next"] = next });

        Assert.Equal(HttpStatusCode.SeeOther, response.StatusCode);
        Assert.Equal(next, RawLocation(response));
    }

    [Fact]
    public async Task SignIn_ReturnsToThePageThatAskedForIt()
    {
        using var client = DashboardClient.Anonymous(Server.BaseUrl);
        var asked = await client.GetAsync("/deliveries?status=failed");
        var signInUrl = RawLocation(asked);
        Assert.StartsWith("/sign-in?next=", signInUrl);
        await client.PageAsync(signInUrl);

        var next = Uri.UnescapeDataString(signInUrl["/sign-in?next=".Length..]);
        var response = await client.PostAsync("/sign-in", new() { ["key"] = HeraldTestServer.AdminKey, ["next"] = next });

        Assert.Equal("/deliveries?status=failed", RawLocation(response));
    }

    // The header as sent: Headers.Location would resolve or normalise it.
    private static string RawLocation(HttpResponseMessage response) =>
        response.Headers.TryGetValues("Location", out var values) ? string.Join(",", values) : $"(no Location; {(int)response.StatusCode})";
}
