using System.Text.Json.Nodes;

namespace Herald.Tests.InfrastructureTests;

public class JsonTests
{
    private sealed record EndpointDraft(string Name, string Url, IReadOnlyList<string> EventTypes);

    [Fact]
    public void Serialize_KeepsAnonymousAndNodeNames_AndSnakeCasesRecords()
    {
        Assert.Equal("""{"eventTypes":["a"],"event_types":1}""", Json.Serialize(new { eventTypes = new[] { "a" }, event_types = 1 }));
        Assert.Equal("""{"Data":{"camelCase":true}}""", Json.Serialize(new JsonObject { ["Data"] = new JsonObject { ["camelCase"] = true } }));
        Assert.Equal("""{"name":"n","url":"http://x/","event_types":["a.*"]}""", Json.Serialize(new EndpointDraft("n", "http://x/", ["a.*"])));
        Assert.Equal("{not json", Json.Serialize("{not json"));
    }

    [Fact]
    public void At_WalksPropertiesAndIndexes()
    {
        var node = JsonNode.Parse("""{"data":[{"id":"ep_1","signature":{"secret":"whsec_x"}}],"next_cursor":null}""")!;

        Assert.Equal("ep_1", node.Str("data[0].id"));
        Assert.Equal("whsec_x", node.Str("data[0].signature.secret"));
        Assert.Null(node.At("data[1].id"));
        Assert.Null(node.At("next_cursor"));
        Assert.Null(node.At("missing.deeper"));
        Json.AssertEqual(new { secret = "whsec_x" }, node.At("data[0].signature"));
    }
}
