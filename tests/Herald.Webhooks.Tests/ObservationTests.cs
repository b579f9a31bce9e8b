using System.Text;
using System.Text.Json;

namespace Herald.Webhooks.Tests;

/// <summary>The CyberTracker observation model against CyberTracker's documented single and SMART multi-record payloads.</summary>
public sealed class ObservationTests
{
    [Fact]
    public void Parse_ReadsEveryFieldOfTheSingleRecordPayload()
    {
        var observation = Observation.Parse(Herald.Tests.Seeds.SeedPayloads.CyberTrackerSingleRecord);

        Assert.Equal("b9b1c075e002441db6ada01225fb0a6f", observation.Uid);
        Assert.Equal(new DateTimeOffset(2025, 6, 17, 23, 0, 33, 999, TimeSpan.FromHours(1)), observation.CreateTime);
        Assert.Equal(observation.CreateTime, observation.UpdateTime);
        Assert.Equal("15c17035a9514feebd48097e056c0211", observation.SessionId);
        Assert.Equal("42dc6a06650b4e4a889faf9819b88e4a", observation.DeviceId);
        Assert.Equal("Test, This is a note", observation.Summary);
        Assert.Equal("Justin", observation.Username);
        Assert.Equal([11.394516667, -0.310066667, 0, 1], observation.Location!);
        Assert.Equal(11.394516667, observation.Longitude);
        Assert.Equal(-0.310066667, observation.Latitude);
        Assert.Equal(0, observation.Altitude);
        Assert.Equal(1, observation.Accuracy);
        Assert.Equal("Photo notes", observation.Project!.Title);
        Assert.Equal("Classic", observation.Project.Connector);
        Assert.Equal("CLASSIC2_3bf5cf553eda4776af8b9f5c88c6134e", observation.Project.Uid);

        var record = Assert.Single(observation.Records!);
        Assert.Equal("Test, This is a note", record.Summary);
        Assert.Equal(["Name", "Photo", "Note", "Sound"], record.Values!.Select(v => v.Id));
        Assert.Equal("Test", record["Name"]!.Value.GetString());
        Assert.Equal("This is a note", record["Note"]!.Value.GetString());
        Assert.Equal(JsonValueKind.Null, record["Photo"]!.Value.ValueKind);
    }

    [Fact]
    public void Parse_FromUtf8Bytes_GivesTheSameObservation()
    {
        var fromBytes = Observation.Parse(Encoding.UTF8.GetBytes(Herald.Tests.Seeds.SeedPayloads.CyberTrackerSmartMultiRecord));

        Assert.Equal("1da3eb5fb71c42c29ecd547324541589", fromBytes.Uid);
        Assert.Equal(3, fromBytes.Records!.Count);
        Assert.Equal(11.4382, fromBytes.Longitude);
        Assert.Equal(-0.43205, fromBytes.Latitude);
    }

    [Fact]
    public void BuildTree_OfTheSingleRecordPayload_IsOneRootWithoutChildren()
    {
        var root = Assert.Single(Observation.Parse(Herald.Tests.Seeds.SeedPayloads.CyberTrackerSingleRecord).BuildTree());

        Assert.Equal("b9b1c075e002441db6ada01225fb0a6f", root.Record.Uid);
        Assert.Empty(root.Children);
    }

    [Fact]
    public void BuildTree_OfTheSmartPayload_HangsTheIncidentRecordsUnderTheIncident()
    {
        var observation = Observation.Parse(Herald.Tests.Seeds.SeedPayloads.CyberTrackerSmartMultiRecord);

        var root = Assert.Single(observation.BuildTree());

        Assert.Equal("1da3eb5fb71c42c29ecd547324541589", root.Record.Uid);
        Assert.Equal("0.432050° S, 11.438200° E, Independent Incident", root.Record.Summary);
        Assert.Equal(["7cd1ca59fee64899a0cfcc5b4c1b2dcd", "4ca8bd3d8fe24be3a680a8f8bfd2286e"], root.Children.Select(c => c.Record.Uid));
        Assert.Equal(["None, PRIMATES, 3, Observed Only", "Fig, Ripe"], root.Children.Select(c => c.Record.Summary));
        Assert.All(root.Children, c => Assert.Empty(c.Children));
        Assert.Equal(3, root.Children[0].Record["a:0:9fa038f8287c48edbaa01ca8a0665d81"]!.Value.GetInt32());
        // GroupList holds a uid too, but not of a record: it is data, not a link.
        Assert.Equal(JsonValueKind.Array, root.Record["GroupList"]!.Value.ValueKind);
        // Employees is an array of strings that are not uids.
        Assert.Equal(3, root.Record["SMART_Employees"]!.Value.GetArrayLength());
    }

    [Fact]
    public void BuildTree_StopsAtACycle()
    {
        const string json = """
            {"uid":"a","records":[
              {"uid":"a","values":[{"id":"R","name":"R","value":["b"]}]},
              {"uid":"b","values":[{"id":"R","name":"R","value":["a"]}]}]}
            """;

        var root = Assert.Single(Observation.Parse(json).BuildTree());

        Assert.Equal("a", root.Record.Uid);
        Assert.Equal("b", Assert.Single(root.Children).Record.Uid);
        Assert.Empty(root.Children[0].Children);
    }

    [Fact]
    public void Parse_Rejects_ADocumentWithoutUid()
    {
        Assert.Throws<JsonException>(() => Observation.Parse("""{"summary":"x"}"""));
    }
}
