using System.Net;
using System.Text.Json.Nodes;
using Herald.Core.Schemas;
using Herald.Tests.Api;

using Herald.Tests.Seeds;

namespace Herald.Tests.Cli;

/// <summary>
/// The catalogues under catalogs/ say what the source documents say: SafetyCulture's trigger
/// events, Ushahidi's post events, CyberTracker's observation format (seeds 000–002).
/// </summary>
public sealed class ShippedCatalogTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private HeraldTestServer Server => fixture.Server;

    public static TheoryData<string, string> SafetyCultureTriggers() => new()
    {
        { "inspection.started", "TRIGGER_EVENT_INSPECTION_STARTED" },
        { "inspection.updated", "TRIGGER_EVENT_INSPECTION_UPDATED" },
        { "inspection.completed", "TRIGGER_EVENT_INSPECTION_COMPLETED" },
        { "inspection.archived", "TRIGGER_EVENT_INSPECTION_ARCHIVED" },
        { "inspection.unarchived", "TRIGGER_EVENT_INSPECTION_UNARCHIVED" },
        { "action.created", "TRIGGER_EVENT_ACTION_CREATED" },
        { "action.title_updated", "TRIGGER_EVENT_ACTION_TITLE_UPDATED" },
        { "action.description_updated", "TRIGGER_EVENT_ACTION_DESCRIPTION_UPDATED" },
        { "action.date_due_updated", "TRIGGER_EVENT_ACTION_DATE_DUE_UPDATED" },
        { "action.status_updated", "TRIGGER_EVENT_ACTION_STATUS_UPDATED" },
        { "action.priority_updated", "TRIGGER_EVENT_ACTION_PRIORITY_UPDATED" },
        { "action.collaborators_updated", "TRIGGER_EVENT_ACTION_COLLABORATORS_UPDATED" },
        { "action.site_updated", "TRIGGER_EVENT_ACTION_SITE_UPDATED" },
        { "action.deleted", "TRIGGER_EVENT_ACTION_DELETED" },
        { "incident.created", "TRIGGER_EVENT_INCIDENT_CREATED" },
        { "incident.title_updated", "TRIGGER_EVENT_INCIDENT_TITLE_UPDATED" },
        { "incident.description_updated", "TRIGGER_EVENT_INCIDENT_DESCRIPTION_UPDATED" },
        { "incident.date_due_updated", "TRIGGER_EVENT_INCIDENT_DATE_DUE_UPDATED" },
        { "incident.status_updated", "TRIGGER_EVENT_INCIDENT_STATUS_UPDATED" },
        { "incident.priority_updated", "TRIGGER_EVENT_INCIDENT_PRIORITY_UPDATED" },
        { "incident.collaborators_updated", "TRIGGER_EVENT_INCIDENT_COLLABORATORS_UPDATED" },
        { "incident.category_updated", "TRIGGER_EVENT_INCIDENT_CATEGORY_UPDATED" },
        { "incident.site_updated", "TRIGGER_EVENT_INCIDENT_SITE_UPDATED" },
        { "incident.deleted", "TRIGGER_EVENT_INCIDENT_DELETED" },
        { "media.uploaded", "TRIGGER_EVENT_MEDIA_UPLOADED" },
    };

    [Fact]
    public void SafetyCulture_ListsExactlyTheDocumentsTriggerEvents()
    {
        var names = Types("safetyculture.json").Select(t => t.Str("name"));

        Assert.Equal(SafetyCultureTriggers().Select(row => (string)row[0]).Order(StringComparer.Ordinal), names.Order(StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(SafetyCultureTriggers))]
    public void SafetyCulture_DescribesEachTypeWithItsTriggerName(string name, string trigger)
    {
        var type = Types("safetyculture.json").Single(t => t.Str("name") == name);

        Assert.EndsWith($". (SafetyCulture {trigger})", type.Str("description"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("inspection.started")]
    [InlineData("inspection.updated")]
    [InlineData("inspection.completed")]
    [InlineData("inspection.archived")]
    [InlineData("inspection.unarchived")]
    public void SafetyCulture_InspectionSchema_AcceptsTheDocumentsExampleData(string name)
    {
        var data = JsonNode.Parse(SeedPayloads.SafetyCultureInspectionStarted)!["data"]!.ToJsonString();

        Assert.Empty(Schema("safetyculture.json", name).Validate(data));
    }

    [Theory]
    [InlineData("""{"template": {"template_id": "template_1", "name": "test"}}""", "data.audit")]
    [InlineData("""{"audit": {"audit_id": 7, "template_id": "template_1"}}""", "data.audit.audit_id")]
    [InlineData("""{"audit": {"audit_id": "audit_1", "template_id": "template_1", "archived": "no"}}""", "data.audit.archived")]
    [InlineData("""{"audit": {"audit_id": "audit_1", "template_id": "template_1", "modified_at": "yesterday"}}""", "data.audit.modified_at")]
    public void SafetyCulture_InspectionSchema_RejectsDataWithoutAProperAudit(string data, string path)
    {
        var violations = Schema("safetyculture.json", "inspection.completed").Validate(data);

        Assert.Contains(violations, v => v.Path == path);
    }

    [Fact]
    public void SafetyCulture_MediaSchema_AcceptsTheDocumentsExampleData()
    {
        var data = JsonNode.Parse(SeedPayloads.SafetyCultureMediaUploaded)!["data"]!.ToJsonString();

        Assert.Empty(Schema("safetyculture.json", "media.uploaded").Validate(data));
        Assert.Contains(Schema("safetyculture.json", "media.uploaded").Validate("""{"media_id": "m1"}"""), v => v.Path == "data.media_url");
    }

    [Fact]
    public void Ushahidi_ListsTheCreateAndUpdateEventsOfPosts()
    {
        var types = Types("ushahidi.json");

        Assert.Equal(["post.create", "post.update"], types.Select(t => t.Str("name")));
        Assert.All(types, t => Assert.Contains("Ushahidi", t.Str("description"), StringComparison.Ordinal));
        foreach (var name in new[] { "post.create", "post.update" })
        {
            Assert.Empty(Schema("ushahidi.json", name).Validate("""{"form_id": 7, "values": {"title": ["Flooding on Main St"]}}"""));
            // The ushahidi payload format adds fields to data, so data must be an object.
            Assert.NotEmpty(Schema("ushahidi.json", name).Validate("""["not", "an", "object"]"""));
        }
    }

    [Theory]
    [InlineData("observation.created")]
    [InlineData("observation.updated")]
    public void CyberTracker_AcceptsBothDocumentPayloads(string name)
    {
        var schema = Schema("cybertracker.json", name);

        Assert.Empty(schema.Validate(SeedPayloads.CyberTrackerSingleRecord));
        Assert.Empty(schema.Validate(SeedPayloads.CyberTrackerSmartMultiRecord));
    }

    public static TheoryData<string, string> BrokenObservations() => new()
    {
        { "uid missing", "data.uid" },
        { "location of 3 numbers", "data.location" },
        { "location of 5 numbers", "data.location" },
        { "latitude 100", "data.location[1]" },
        { "longitude -181", "data.location[0]" },
        { "negative accuracy", "data.location[3]" },
        { "location as text", "data.location[0]" },
        { "records empty", "data.records" },
        { "records missing", "data.records" },
        { "value without id", "data.records[1].values[0].id" },
        { "value without value", "data.records[0].values[2].value" },
        { "record without values", "data.records[2].values" },
        { "createTime without offset", "data.createTime" },
        { "updateTime not a time", "data.updateTime" },
        { "project without title", "data.project.title" },
        { "deviceId a number", "data.deviceId" },
        { "not an object", "data" },
    };

    [Theory]
    [MemberData(nameof(BrokenObservations))]
    public void CyberTracker_RejectsABrokenObservation(string change, string path)
    {
        var violations = Schema("cybertracker.json", "observation.created").Validate(Break(change).ToJsonString());

        Assert.True(violations.Any(v => v.Path == path), $"No violation at {path}; got: {string.Join("; ", violations.Select(v => $"{v.Path} {v.Message}"))}");
    }

    [Fact]
    public async Task CyberTracker_PublishAcceptsTheSmartPayload_AndRejectsABrokenOne_OnceImported()
    {
        var org = await Server.NewOrgAsync();
        var import = await CliRunner.RunAsync("catalog", "import", CliRunner.CatalogPath("cybertracker.json"), "--server", Server.BaseUrl.ToString(), "--key", org.AdminKey);
        Assert.True(import.ExitCode == 0, import.ToString());

        var accepted = await org.Client.PostJsonAsync("/v1/events", $$"""{"type": "observation.created", "data": {{SeedPayloads.CyberTrackerSmartMultiRecord}}}""");
        var single = await org.Client.PostJsonAsync("/v1/events", $$"""{"type": "observation.updated", "data": {{SeedPayloads.CyberTrackerSingleRecord}}}""");
        var broken = Break("latitude 100");
        broken["records"] = new JsonArray();
        broken.AsObject().Remove("uid");
        var refused = await org.Client.PostJsonAsync("/v1/events", new JsonObject { ["type"] = "observation.created", ["data"] = broken });
        var threeNumbers = await org.Client.PostJsonAsync("/v1/events", new JsonObject { ["type"] = "observation.created", ["data"] = Break("location of 3 numbers") });

        await accepted.ReadJsonAsync(HttpStatusCode.Accepted);
        await single.ReadJsonAsync(HttpStatusCode.Accepted);
        var problem = await refused.ExpectValidationErrorAsync("data.location[1]");
        var errors = problem["errors"]!.AsObject();
        Assert.True(errors.ContainsKey("data.records"), errors.ToJsonString());
        Assert.True(errors.ContainsKey("data.uid"), errors.ToJsonString());
        await threeNumbers.ExpectValidationErrorAsync("data.location");
        Assert.Equal(2, (await org.Client.ListAllAsync("/v1/events")).Count);
    }

    private static JsonNode Break(string change)
    {
        var o = JsonNode.Parse(SeedPayloads.CyberTrackerSmartMultiRecord)!.AsObject();
        switch (change)
        {
            case "uid missing": o.Remove("uid"); break;
            case "location of 3 numbers": o["location"] = new JsonArray(11.4382, -0.43205, 0); break;
            case "location of 5 numbers": o["location"] = new JsonArray(11.4382, -0.43205, 0, 1, 2); break;
            case "latitude 100": o["location"] = new JsonArray(11.4382, 100, 0, 1); break;
            case "longitude -181": o["location"] = new JsonArray(-181, -0.43205, 0, 1); break;
            case "negative accuracy": o["location"] = new JsonArray(11.4382, -0.43205, 0, -1); break;
            case "location as text": o["location"] = new JsonArray("11.4382", "-0.43205", "0", "1"); break;
            case "records empty": o["records"] = new JsonArray(); break;
            case "records missing": o.Remove("records"); break;
            case "value without id": o["records"]![1]!["values"]![0]!.AsObject().Remove("id"); break;
            case "value without value": o["records"]![0]!["values"]![2]!.AsObject().Remove("value"); break;
            case "record without values": o["records"]![2]!.AsObject().Remove("values"); break;
            case "createTime without offset": o["createTime"] = "2025-06-17T23:41:54.760"; break;
            case "updateTime not a time": o["updateTime"] = "yesterday"; break;
            case "project without title": o["project"]!.AsObject().Remove("title"); break;
            case "deviceId a number": o["deviceId"] = 42; break;
            case "not an object": return new JsonArray(o.DeepClone());
            default: throw new ArgumentOutOfRangeException(nameof(change), change, "no such change");
        }
        return o;
    }

    private static List<JsonNode> Types(string fileName) =>
        [.. JsonNode.Parse(File.ReadAllText(CliRunner.CatalogPath(fileName)))!["event_types"]!.AsArray().Select(t => t!)];

    private static EventSchema Schema(string fileName, string name)
    {
        var type = Types(fileName).Single(t => t.Str("name") == name);
        Assert.True(EventSchema.TryCompile(type["schema"]!.ToJsonString(), out var schema, out var errors), string.Join("; ", errors));
        return schema;
    }
}
