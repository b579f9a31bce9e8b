using System.Net;
using System.Text.Json.Nodes;

namespace Herald.Tests.Api;

/// <summary>
/// The operator key (the bootstrap admin key of organization <c>default</c>) cannot be taken away
/// by an ordinary admin of that organization: without it nobody can manage organizations until a restart.
/// </summary>
public sealed class OperatorKeyTests : IAsyncLifetime
{
    private HeraldTestServer _server = null!;

    public async Task InitializeAsync() => _server = await HeraldTestServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task DeleteKey_Returns403_WhenAnAdminOfTheDefaultOrganizationDeletesTheOperatorKey()
    {
        var operatorKeyId = await OperatorKeyIdAsync();
        using var admin = _server.ClientFor((await CreateKeyAsync("default-admin", "admin")).Str("key"));

        var response = await admin.DeleteAsync($"/v1/keys/{operatorKeyId}");

        var problem = await response.ExpectProblemAsync(HttpStatusCode.Forbidden);
        Assert.Contains("operator key", problem.Str("detail"));
        Assert.Contains(await _server.Client.ListAllAsync("/v1/keys"), k => k.Str("id") == operatorKeyId);
        await (await _server.Client.GetAsync("/v1/orgs")).ExpectStatusAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task DeleteKey_StillDeletesOrdinaryKeys_ForAnAdmin_AndTheOperatorMayGiveUpItsOwnKey()
    {
        var operatorKeyId = await OperatorKeyIdAsync();
        using var admin = _server.ClientFor((await CreateKeyAsync("default-admin", "admin")).Str("key"));
        var other = await CreateKeyAsync("other-admin", "admin");

        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/v1/keys/{other.Str("id")}")).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await _server.Client.DeleteAsync($"/v1/keys/{operatorKeyId}")).StatusCode);
        await (await _server.Client.GetAsync("/v1/orgs")).ExpectProblemAsync(HttpStatusCode.Unauthorized);
    }

    private async Task<string> OperatorKeyIdAsync()
    {
        // A fresh server's default organization holds the bootstrap key alone.
        var keys = await _server.Client.ListAllAsync("/v1/keys");
        return Assert.Single(keys, k => k.Str("name") == "bootstrap").Str("id")!;
    }

    private async Task<JsonNode> CreateKeyAsync(string name, string role) =>
        await (await _server.Client.PostJsonAsync("/v1/keys", new { name, role })).ReadJsonAsync(HttpStatusCode.Created);
}
