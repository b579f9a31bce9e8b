using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace Herald.Tests.Seeds;

/// <summary>The CyberTracker webhook document, reproduced: observations delivered byte for byte.</summary>
public sealed class CyberTrackerTests : ServerWithReceiver
{
    /// <summary>The publish body is assembled as text so the observation's own bytes reach Herald untouched.</summary>
    private async Task PublishAsync(string type, string uid, string observation)
    {
        var body = $$"""{"type": "{{type}}", "resource": {"type": "observation", "id": "{{uid}}"}, "data": {{observation}}}""";
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        await (await Server.Client.PostAsync("/v1/events", content)).ExpectStatusAsync(HttpStatusCode.Accepted);
    }

    [Fact]
    public async Task Observations_AreDeliveredRaw_ByteForByte_AndEditsRepeatTheUid()
    {
        await (await Server.Client.PostJsonAsync("/v1/endpoints", new JsonObject
        {
            ["name"] = "CyberTracker archive",
            ["url"] = Receiver.Url("/observations"),
            ["event_types"] = new JsonArray("observation.*"),
            ["format"] = "raw",
        })).ExpectStatusAsync(HttpStatusCode.Created);

        await PublishAsync("observation.created", "b9b1c075e002441db6ada01225fb0a6f", SeedPayloads.CyberTrackerSingleRecord);
        await PublishAsync("observation.created", "1da3eb5fb71c42c29ecd547324541589", SeedPayloads.CyberTrackerSmartMultiRecord);
        // Edited and resent: the same uid comes again (the document: "uid may be duplicated for cases where records are edited").
        await PublishAsync("observation.updated", "b9b1c075e002441db6ada01225fb0a6f", SeedPayloads.CyberTrackerSingleRecord);

        var requests = await Receiver.WaitForAsync("/observations", 3, TimeSpan.FromSeconds(15));
        var bodies = requests.Select(r => r.BodyText).ToList();
        Assert.Equal(2, bodies.Count(b => b == SeedPayloads.CyberTrackerSingleRecord));
        Assert.Single(bodies, b => b == SeedPayloads.CyberTrackerSmartMultiRecord);
        Assert.All(requests, r => Assert.StartsWith("application/json", r.Header("Content-Type")));
        Assert.Equal(3, requests.Select(r => r.Header("webhook-id")).Distinct().Count());

        // The SMART tree is rebuildable from the delivered bytes: the incident links its sub-records by uid.
        var smart = requests.Single(r => r.BodyText == SeedPayloads.CyberTrackerSmartMultiRecord).Json();
        var records = smart["records"]!.AsArray();
        var links = records[0]!["values"]!.AsArray().Single(v => v!["id"]!.GetValue<string>() == "IncidentRecord")!["value"]!.AsArray();
        Assert.Equal(records.Skip(1).Select(r => r!["uid"]!.GetValue<string>()), links.Select(l => l!.GetValue<string>()));
        Assert.Equal(smart["uid"]!.GetValue<string>(), records[0]!["uid"]!.GetValue<string>());

        var search = await (await Server.Client.GetAsync("/v1/events?resource_type=observation&resource_id=b9b1c075e002441db6ada01225fb0a6f")).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal(["observation.updated", "observation.created"], search["data"]!.AsArray().Select(e => e!["type"]!.GetValue<string>()));
    }
}
