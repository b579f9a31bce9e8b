using System.Text.Json;
using System.Text.Json.Serialization;

namespace Herald.Webhooks;

/// <summary>
/// A CyberTracker observation as its webhooks send it (CyberTracker's docs, Webhooks → Payload format): one
/// or more records, which SMART links into a tree through values that list other records' uids.
/// </summary>
public sealed record Observation(
    [property: JsonPropertyName("uid")] string Uid,
    [property: JsonPropertyName("createTime")] DateTimeOffset? CreateTime,
    [property: JsonPropertyName("updateTime")] DateTimeOffset? UpdateTime,
    [property: JsonPropertyName("sessionId")] string? SessionId,
    [property: JsonPropertyName("deviceId")] string? DeviceId,
    [property: JsonPropertyName("summary")] string? Summary,
    [property: JsonPropertyName("username")] string? Username,
    [property: JsonPropertyName("location")] double[]? Location,
    [property: JsonPropertyName("project")] ObservationProject? Project,
    [property: JsonPropertyName("records")] IReadOnlyList<ObservationRecord>? Records)
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);

    /// <summary>Location is [longitude, latitude, altitude, accuracy].</summary>
    [JsonIgnore]
    public double? Longitude => Location is { Length: >= 1 } l ? l[0] : null;

    [JsonIgnore]
    public double? Latitude => Location is { Length: >= 2 } l ? l[1] : null;

    [JsonIgnore]
    public double? Altitude => Location is { Length: >= 3 } l ? l[2] : null;

    [JsonIgnore]
    public double? Accuracy => Location is { Length: >= 4 } l ? l[3] : null;

    /// <exception cref="JsonException">The body is not an observation.</exception>
    public static Observation Parse(ReadOnlySpan<byte> json) =>
        Check(JsonSerializer.Deserialize<Observation>(json, Options));

    /// <exception cref="JsonException">The body is not an observation.</exception>
    public static Observation Parse(string json) =>
        Check(JsonSerializer.Deserialize<Observation>(json ?? throw new ArgumentNullException(nameof(json)), Options));

    /// <summary>
    /// The records as a tree. A value whose <c>value</c> is an array of strings that are all uids of
    /// other records of this observation (SMART's <c>IncidentRecord</c>) links those records as
    /// children; the roots are the records nobody links to, in document order.
    /// </summary>
    public IReadOnlyList<ObservationNode> BuildTree()
    {
        var records = Records ?? [];
        var byUid = new Dictionary<string, ObservationRecord>(StringComparer.Ordinal);
        foreach (var record in records)
        {
            if (record.Uid is not null)
            {
                byUid.TryAdd(record.Uid, record);
            }
        }
        var linked = new HashSet<string>(StringComparer.Ordinal);
        foreach (var record in records)
        {
            foreach (var uid in record.LinkedUids(byUid))
            {
                linked.Add(uid);
            }
        }
        var roots = records.Where(r => r.Uid is null || !linked.Contains(r.Uid)).ToList();
        // A document where every record is linked (a cycle) still shows its records, from the first.
        if (roots.Count == 0 && records.Count > 0)
        {
            roots.Add(records[0]);
        }
        return roots.Select(r => Node(r, byUid, new HashSet<string>(StringComparer.Ordinal))).ToList();
    }

    private static ObservationNode Node(ObservationRecord record, Dictionary<string, ObservationRecord> byUid, HashSet<string> path)
    {
        if (record.Uid is not null)
        {
            path.Add(record.Uid);
        }
        var children = record.LinkedUids(byUid)
            .Where(uid => !path.Contains(uid)) // a cycle ends where it would repeat an ancestor
            .Select(uid => Node(byUid[uid], byUid, path))
            .ToList();
        if (record.Uid is not null)
        {
            path.Remove(record.Uid);
        }
        return new ObservationNode(record, children);
    }

    private static Observation Check(Observation? observation) =>
        observation is { Uid.Length: > 0 } ? observation : throw new JsonException("Not a CyberTracker observation: no uid.");
}

/// <summary>The CyberTracker project the observation belongs to.</summary>
public sealed record ObservationProject(
    [property: JsonPropertyName("connector")] string? Connector,
    [property: JsonPropertyName("provider")] string? Provider,
    [property: JsonPropertyName("reportedBy")] string? ReportedBy,
    [property: JsonPropertyName("subtitle")] string? Subtitle,
    [property: JsonPropertyName("title")] string? Title,
    [property: JsonPropertyName("uid")] string? Uid);

/// <summary>One record of an observation: a form's answers.</summary>
public sealed record ObservationRecord(
    [property: JsonPropertyName("summary")] string? Summary,
    [property: JsonPropertyName("uid")] string? Uid,
    [property: JsonPropertyName("values")] IReadOnlyList<ObservationValue>? Values)
{
    /// <summary>The value with this id, or null.</summary>
    public ObservationValue? this[string id] => Values?.FirstOrDefault(v => string.Equals(v.Id, id, StringComparison.Ordinal));

    internal IEnumerable<string> LinkedUids(IReadOnlyDictionary<string, ObservationRecord> byUid)
    {
        foreach (var value in Values ?? [])
        {
            if (value.Value.ValueKind != JsonValueKind.Array || value.Value.GetArrayLength() == 0)
            {
                continue;
            }
            var uids = new List<string>();
            foreach (var item in value.Value.EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.String || item.GetString() is not { } uid || !byUid.ContainsKey(uid) || uid == Uid)
                {
                    uids.Clear();
                    break;
                }
                uids.Add(uid);
            }
            foreach (var uid in uids)
            {
                yield return uid;
            }
        }
    }
}

/// <summary>One answer: <see cref="Value"/> is the raw JSON (a string, number, array, or null).</summary>
public sealed record ObservationValue(
    [property: JsonPropertyName("id")] string? Id,
    [property: JsonPropertyName("name")] string? Name,
    [property: JsonPropertyName("value")] JsonElement Value);

/// <summary>A record with the records it links to.</summary>
public sealed record ObservationNode(ObservationRecord Record, IReadOnlyList<ObservationNode> Children);
