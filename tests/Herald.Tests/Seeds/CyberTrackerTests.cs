using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace Herald.Tests.Seeds;

/// <summary>The CyberTracker webhook document, reproduced: observations delivered byte for byte.</summary>
public sealed class CyberTrackerTests : IAsyncLifetime
{
    private HeraldTestServer _server = null!;
    private TestReceiver _receiver = null!;

    public async Task InitializeAsync()
    {
        _server = await HeraldTestServer.StartAsync();
        _receiver = await TestReceiver.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _receiver.DisposeAsync();
        await _server.DisposeAsync();
    }

    /// <summary>The publish body is assembled as text so the observation's own bytes reach Herald untouched.</summary>
    private async Task PublishAsync(string type, string uid, string observation)
    {
        var body = $$"""{"type": "{{type}}", "resource": {"type": "observation", "id": "{{uid}}"}, "data": {{observation}}}""";
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        await (await _server.Client.PostAsync("/v1/events", content)).ExpectStatusAsync(HttpStatusCode.Accepted);
    }

    [Fact]
    public async Task Observations_AreDeliveredRaw_ByteForByte_AndEditsRepeatTheUid()
    {
        await (await _server.Client.PostJsonAsync("/v1/endpoints", new JsonObject
        {
            ["name"] = "CyberTracker archive",
            ["url"] = _receiver.Url("/observations"),
            ["event_types"] = new JsonArray("observation.*"),
            ["format"] = "raw",
        })).ExpectStatusAsync(HttpStatusCode.Created);

        await PublishAsync("observation.created", "b9b1c075e002441db6ada01225fb0a6f", CyberTrackerPayloads.SingleRecord);
        await PublishAsync("observation.created", "1da3eb5fb71c42c29ecd547324541589", CyberTrackerPayloads.SmartMultiRecord);
        // Edited and resent: the same uid comes again (the document: "uid may be duplicated for cases where records are edited").
        await PublishAsync("observation.updated", "b9b1c075e002441db6ada01225fb0a6f", CyberTrackerPayloads.SingleRecord);

        var requests = await _receiver.WaitForAsync("/observations", 3, TimeSpan.FromSeconds(15));
        var bodies = requests.Select(r => r.BodyText).ToList();
        Assert.Equal(2, bodies.Count(b => b == CyberTrackerPayloads.SingleRecord));
        Assert.Single(bodies, b => b == CyberTrackerPayloads.SmartMultiRecord);
        Assert.All(requests, r => Assert.StartsWith("application/json", r.Header("Content-Type")));
        Assert.Equal(3, requests.Select(r => r.Header("webhook-id")).Distinct().Count());

        // The SMART tree is rebuildable from the delivered bytes: the incident links its sub-records by uid.
        var smart = requests.Single(r => r.BodyText == CyberTrackerPayloads.SmartMultiRecord).Json();
        var records = smart["records"]!.AsArray();
        var links = records[0]!["values"]!.AsArray().Single(v => v!["id"]!.GetValue<string>() == "IncidentRecord")!["value"]!.AsArray();
        Assert.Equal(records.Skip(1).Select(r => r!["uid"]!.GetValue<string>()), links.Select(l => l!.GetValue<string>()));
        Assert.Equal(smart["uid"]!.GetValue<string>(), records[0]!["uid"]!.GetValue<string>());

        var search = await (await _server.Client.GetAsync("/v1/events?resource_type=observation&resource_id=b9b1c075e002441db6ada01225fb0a6f")).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal(["observation.updated", "observation.created"], search["data"]!.AsArray().Select(e => e!["type"]!.GetValue<string>()));
    }
}
