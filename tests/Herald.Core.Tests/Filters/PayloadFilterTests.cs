using System.Text.Json;
using System.Text.Json.Nodes;
using Herald.Core.Filters;
using Herald.Core.Validation;

namespace Herald.Core.Tests.Filters;

public class PayloadFilterTests
{
    // An envelope whose data carries one field of each shape the cases need.
    private const string Envelope = """
        {
          "version": "1.0.0",
          "type": "inspection.completed",
          "timestamp": "2017-06-29T05:15:19.136Z",
          "event_id": "evt_01",
          "endpoint_id": "ep_01",
          "delivery_id": "dlv_01",
          "triggered_by": {"type": "user", "id": "user_bb5b6ba0", "name": "John Smith"},
          "resource": {"type": "inspection", "id": "audit_1"},
          "data": {
            "score": 42,
            "ratio": 0.5,
            "total": 1.0,
            "big": 9007199254740993,
            "tiny": 1e-30,
            "negative": -3,
            "status": "failed",
            "archived": false,
            "completed_at": null,
            "title": "Zürich — Überprüfung 🦓",
            "city": "東京",
            "emoji": "🦓",
            "escaped": "caf\u00e9",
            "escaped_emoji": "\ud83e\udd93",
            "tags": ["safety", "urgent"],
            "scores": [10, 70],
            "items": [{"name": "Fire exit", "ok": false}, {"name": "Ladder", "ok": true}],
            "location": [11.394516667, -0.310066667, 0, 1],
            "matrix": [[1, 2], [3, 4]],
            "meta": {"a": 1, "b": [1, 2]},
            "empty": {},
            "none": [],
            "numeric_keys": {"0": "zero", "01": "zero-one"}
          }
        }
        """;

    private static PayloadFilter Parse(string filter)
    {
        var errors = new ValidationErrors();
        var parsed = PayloadFilter.Parse(JsonNode.Parse(filter)!.AsObject(), errors);
        Assert.False(errors.Any, string.Join("; ", errors.Items.Select(e => $"{e.Key}: {string.Join(", ", e.Value)}")));
        Assert.NotNull(parsed);
        return parsed;
    }

    private static bool Matches(string filter, string envelope = Envelope)
    {
        using var document = JsonDocument.Parse(envelope);
        return Parse(filter).Matches(document.RootElement);
    }

    private static ValidationErrors Invalid(string filter, string path = "filter")
    {
        var errors = new ValidationErrors();
        Assert.Null(PayloadFilter.Parse(JsonNode.Parse(filter)!.AsObject(), errors, path));
        return errors;
    }

    private static void AssertError(ValidationErrors errors, string path, string fragment)
    {
        Assert.True(errors.Items.TryGetValue(path, out var messages),
            $"no error at {path}; got {string.Join("; ", errors.Items.Select(e => $"{e.Key}: {string.Join(", ", e.Value)}"))}");
        Assert.Contains(messages, m => m.Contains(fragment, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("""{}""", true)]
    [InlineData("""{"type": "inspection.completed"}""", true)]
    [InlineData("""{"type": "inspection.started"}""", false)]
    [InlineData("""{"resource.id": "audit_1"}""", true)]
    [InlineData("""{"triggered_by.type": "user"}""", true)]
    [InlineData("""{"type": "inspection.completed", "resource.id": "audit_1"}""", true)]
    [InlineData("""{"type": "inspection.completed", "resource.id": "audit_2"}""", false)]
    [InlineData("""{"data.score": 42}""", true)]
    [InlineData("""{"data.score": 43}""", false)]
    [InlineData("""{"data.archived": false}""", true)]
    [InlineData("""{"data.archived": true}""", false)]
    [InlineData("""{"data.completed_at": null}""", true)]
    [InlineData("""{"data.status": null}""", false)]
    [InlineData("""{"data.meta": {"b": [1, 2], "a": 1.0}}""", true)] // key order is not significant
    [InlineData("""{"data.meta": {"a": 1}}""", false)]
    [InlineData("""{"data.meta": {"a": 1, "b": [2, 1]}}""", false)] // element order is
    [InlineData("""{"data.meta": {"a": 1, "b": [1, 2], "c": 3}}""", false)]
    [InlineData("""{"data.meta": {}}""", false)]
    [InlineData("""{"data.empty": {}}""", true)]
    [InlineData("""{"data.none": []}""", true)]
    [InlineData("""{"data": {"score": 42}}""", false)] // a whole-value comparison, not a sub-filter
    public void Equality_PlainValues(string filter, bool expected)
    {
        Assert.Equal(expected, Matches(filter));
    }

    [Theory]
    [InlineData("""{"data.score": 42.0}""", true)]
    [InlineData("""{"data.score": 4.2e1}""", true)]
    [InlineData("""{"data.score": 420E-1}""", true)]
    [InlineData("""{"data.total": 1}""", true)]
    [InlineData("""{"data.total": 1.000}""", true)]
    [InlineData("""{"data.ratio": 0.50}""", true)]
    [InlineData("""{"data.ratio": 5e-1}""", true)]
    [InlineData("""{"data.big": 9007199254740993}""", true)]
    [InlineData("""{"data.big": 9007199254740992}""", false)] // equal as doubles, not as numbers
    [InlineData("""{"data.tiny": 1.0E-30}""", true)]
    [InlineData("""{"data.tiny": 0}""", false)] // equal as decimals, not as numbers
    [InlineData("""{"data.negative": -3.0}""", true)]
    [InlineData("""{"data.negative": 3}""", false)]
    [InlineData("""{"data.location.2": -0}""", true)]
    public void Equality_NumbersCompareByExactValue(string filter, bool expected)
    {
        Assert.Equal(expected, Matches(filter));
    }

    [Theory]
    [InlineData("""{"data.score": "42"}""", false)]
    [InlineData("""{"data.status": 0}""", false)]
    [InlineData("""{"data.archived": 0}""", false)]
    [InlineData("""{"data.archived": "false"}""", false)]
    [InlineData("""{"data.completed_at": false}""", false)]
    [InlineData("""{"data.completed_at": ""}""", false)]
    [InlineData("""{"data.meta": [1, 2]}""", false)]
    [InlineData("""{"data.none": {}}""", false)]
    public void Equality_AcrossTypes_IsFalse(string filter, bool expected)
    {
        Assert.Equal(expected, Matches(filter));
    }

    [Theory]
    [InlineData("""{"data.title": "Zürich — Überprüfung 🦓"}""", true)]
    [InlineData("""{"data.title": "zürich — überprüfung 🦓"}""", false)] // case-sensitive
    [InlineData("""{"data.city": "東京"}""", true)]
    [InlineData("""{"data.city": "\u6771\u4eac"}""", true)]
    [InlineData("""{"data.escaped": "café"}""", true)] // the envelope writes it as caf\u00e9
    [InlineData("""{"data.escaped": "cafe\u0301"}""", false)] // no Unicode normalization
    [InlineData("""{"data.emoji": "\ud83e\udd93"}""", true)]
    public void Equality_UnicodeStrings_AreOrdinal(string filter, bool expected)
    {
        Assert.Equal(expected, Matches(filter));
    }

    [Theory]
    [InlineData("""{"data.tags": "urgent"}""", true)] // any element
    [InlineData("""{"data.tags": "routine"}""", false)]
    [InlineData("""{"data.tags": ["safety", "urgent"]}""", true)] // or the whole array
    [InlineData("""{"data.tags": ["urgent", "safety"]}""", false)]
    [InlineData("""{"data.tags": ["urgent"]}""", false)]
    [InlineData("""{"data.matrix": [3, 4]}""", true)]
    [InlineData("""{"data.matrix": 3}""", false)] // one level only
    [InlineData("""{"data.items": {"name": "Ladder", "ok": true}}""", true)]
    [InlineData("""{"data.items": {"name": "Ladder"}}""", false)]
    [InlineData("""{"data.none": null}""", false)]
    public void Equality_ArrayFields_MatchTheArrayOrAnyElement(string filter, bool expected)
    {
        Assert.Equal(expected, Matches(filter));
    }

    [Theory]
    [InlineData("""{"data.items.0.name": "Fire exit"}""", true)]
    [InlineData("""{"data.items.1.ok": true}""", true)]
    [InlineData("""{"data.items.1.name": "Fire exit"}""", false)]
    [InlineData("""{"data.items.2.name": "Fire exit"}""", false)] // out of range
    [InlineData("""{"data.items.name": "Fire exit"}""", false)] // names do not reach into arrays
    [InlineData("""{"data.items.01.name": "Ladder"}""", false)] // only canonical numbers index
    [InlineData("""{"data.items.-1.name": "Ladder"}""", false)]
    [InlineData("""{"data.location.0": 11.394516667}""", true)]
    [InlineData("""{"data.location.3": 1}""", true)]
    [InlineData("""{"data.matrix.1.0": 3}""", true)]
    [InlineData("""{"data.matrix.1": [3, 4]}""", true)]
    [InlineData("""{"data.numeric_keys.0": "zero"}""", true)] // on an object a number is a name
    [InlineData("""{"data.numeric_keys.01": "zero-one"}""", true)]
    [InlineData("""{"data.score.value": 42}""", false)] // through a scalar
    [InlineData("""{"data.completed_at.value": {"$exists": false}}""", true)] // through null
    [InlineData("""{"resource.id.length": {"$exists": true}}""", false)]
    [InlineData("""{"data.items.0": {"$exists": true}}""", true)]
    [InlineData("""{"data.items.5": {"$exists": false}}""", true)]
    public void Paths_NumericSegmentsIndexArrays(string filter, bool expected)
    {
        Assert.Equal(expected, Matches(filter));
    }

    [Theory]
    [InlineData("""{"data.missing": null}""", true)] // missing equals null
    [InlineData("""{"data.missing": 1}""", false)]
    [InlineData("""{"data.missing": {"$eq": null}}""", true)]
    [InlineData("""{"data.missing": {"$ne": 1}}""", true)]
    [InlineData("""{"data.missing": {"$ne": null}}""", false)]
    [InlineData("""{"data.missing": {"$in": ["a", 1]}}""", false)]
    [InlineData("""{"data.missing": {"$in": [null, "a"]}}""", true)]
    [InlineData("""{"data.missing": {"$nin": ["a", 1]}}""", true)]
    [InlineData("""{"data.missing": {"$nin": [null]}}""", false)]
    [InlineData("""{"data.missing": {"$gt": 0}}""", false)]
    [InlineData("""{"data.missing": {"$lte": "z"}}""", false)]
    [InlineData("""{"data.missing": {"$regex": ".*"}}""", false)]
    [InlineData("""{"data.missing": {"$exists": true}}""", false)]
    [InlineData("""{"data.missing": {"$exists": false}}""", true)]
    [InlineData("""{"data.missing.deeper": {"$exists": false}}""", true)]
    [InlineData("""{"nothing.at.all": {"$ne": "x", "$exists": false}}""", true)]
    public void MissingPaths(string filter, bool expected)
    {
        Assert.Equal(expected, Matches(filter));
    }

    [Theory]
    [InlineData("""{"data.score": {"$eq": 42}}""", true)]
    [InlineData("""{"data.score": {"$eq": 42.00}}""", true)]
    [InlineData("""{"data.score": {"$eq": 43}}""", false)]
    [InlineData("""{"data.meta": {"$eq": {"a": 1, "b": [1, 2]}}}""", true)]
    [InlineData("""{"data.tags": {"$eq": "safety"}}""", true)]
    [InlineData("""{"data.completed_at": {"$eq": null}}""", true)]
    [InlineData("""{"data.x": {"$eq": {"$gt": 1}}}""", false)] // an $eq operand is a value, not operators
    public void Eq(string filter, bool expected)
    {
        Assert.Equal(expected, Matches(filter));
    }

    [Theory]
    [InlineData("""{"data.score": {"$ne": 42}}""", false)]
    [InlineData("""{"data.score": {"$ne": 42.0}}""", false)]
    [InlineData("""{"data.score": {"$ne": 41}}""", true)]
    [InlineData("""{"data.score": {"$ne": "42"}}""", true)]
    [InlineData("""{"data.completed_at": {"$ne": null}}""", false)]
    [InlineData("""{"data.status": {"$ne": null}}""", true)]
    [InlineData("""{"data.tags": {"$ne": "urgent"}}""", false)] // no element may equal it
    [InlineData("""{"data.tags": {"$ne": "routine"}}""", true)]
    [InlineData("""{"data.tags": {"$ne": ["safety", "urgent"]}}""", false)]
    [InlineData("""{"data.status": {"$ne": "passed", "$exists": true}}""", true)]
    public void Ne(string filter, bool expected)
    {
        Assert.Equal(expected, Matches(filter));
    }

    [Theory]
    [InlineData("""{"data.score": {"$gt": 41}}""", true)]
    [InlineData("""{"data.score": {"$gt": 41.999}}""", true)]
    [InlineData("""{"data.score": {"$gt": 42}}""", false)]
    [InlineData("""{"data.score": {"$gt": 4.2e1}}""", false)]
    [InlineData("""{"data.score": {"$gte": 42.0}}""", true)]
    [InlineData("""{"data.score": {"$gte": 42.0001}}""", false)]
    [InlineData("""{"data.score": {"$lt": 50}}""", true)]
    [InlineData("""{"data.score": {"$lt": 42}}""", false)]
    [InlineData("""{"data.score": {"$lte": 42}}""", true)]
    [InlineData("""{"data.score": {"$lte": 41}}""", false)]
    [InlineData("""{"data.score": {"$gt": 10, "$lt": 50}}""", true)]
    [InlineData("""{"data.score": {"$gt": 10, "$lt": 40}}""", false)]
    [InlineData("""{"data.score": {"$gte": 42, "$lte": 42}}""", true)]
    [InlineData("""{"data.negative": {"$lt": -2}}""", true)]
    [InlineData("""{"data.negative": {"$gt": -3.5}}""", true)]
    [InlineData("""{"data.negative": {"$gt": 0}}""", false)]
    [InlineData("""{"data.negative": {"$gte": -3e0}}""", true)]
    [InlineData("""{"data.tiny": {"$gt": 0}}""", true)]
    [InlineData("""{"data.tiny": {"$gt": -1}}""", true)]
    [InlineData("""{"data.tiny": {"$lt": 1e-29}}""", true)]
    [InlineData("""{"data.tiny": {"$lt": 1e-31}}""", false)]
    [InlineData("""{"data.big": {"$gt": 9007199254740992}}""", true)]
    [InlineData("""{"data.big": {"$lt": 1e16}}""", true)]
    [InlineData("""{"data.ratio": {"$gt": 0.49999999999999999999}}""", true)]
    [InlineData("""{"data.location.2": {"$gte": 0, "$lte": -0.0}}""", true)]
    public void Range_Numbers(string filter, bool expected)
    {
        Assert.Equal(expected, Matches(filter));
    }

    [Theory]
    [InlineData("""{"data.status": {"$gt": "f"}}""", true)]
    [InlineData("""{"data.status": {"$gt": "failed"}}""", false)]
    [InlineData("""{"data.status": {"$gte": "failed"}}""", true)]
    [InlineData("""{"data.status": {"$lt": "failed!"}}""", true)] // a prefix sorts first
    [InlineData("""{"data.status": {"$lt": "Failed"}}""", false)] // upper case sorts before lower
    [InlineData("""{"data.status": {"$lte": "g"}}""", true)]
    [InlineData("""{"timestamp": {"$gte": "2017-06-29T00:00:00.000Z", "$lt": "2017-06-30T00:00:00.000Z"}}""", true)]
    [InlineData("""{"timestamp": {"$gte": "2017-06-30T00:00:00.000Z"}}""", false)]
    [InlineData("""{"data.city": {"$gt": "z"}}""", true)] // beyond ASCII
    [InlineData("""{"data.title": {"$gt": "Zürich"}}""", true)]
    [InlineData("""{"data.escaped": {"$gt": "cafe"}}""", true)] // escaped in the envelope
    [InlineData("""{"data.escaped": {"$gte": "café", "$lte": "café"}}""", true)]
    [InlineData("""{"data.emoji": {"$gt": "\ufb01"}}""", true)] // code point order: U+1F993 > U+FB01
    [InlineData("""{"data.escaped_emoji": {"$gt": "\ufb01"}}""", true)]
    [InlineData("""{"data.escaped_emoji": {"$lt": "\ufb01"}}""", false)]
    [InlineData("""{"data.escaped_emoji": {"$gte": "🦓", "$lte": "🦓"}}""", true)]
    [InlineData("""{"data.escaped": {"$lt": "cafë"}}""", true)]
    public void Range_Strings_CompareByCodePoint(string filter, bool expected)
    {
        Assert.Equal(expected, Matches(filter));
    }

    [Theory]
    [InlineData("""{"data.score": {"$gt": "10"}}""", false)]
    [InlineData("""{"data.score": {"$lt": "100"}}""", false)]
    [InlineData("""{"data.status": {"$gt": 1}}""", false)]
    [InlineData("""{"data.status": {"$lt": 1}}""", false)]
    [InlineData("""{"data.archived": {"$gte": 0}}""", false)]
    [InlineData("""{"data.completed_at": {"$lt": 1}}""", false)]
    [InlineData("""{"data.meta": {"$gt": 0}}""", false)]
    [InlineData("""{"data.meta": {"$lt": "z"}}""", false)]
    public void Range_AcrossTypes_IsFalse(string filter, bool expected)
    {
        Assert.Equal(expected, Matches(filter));
    }

    [Theory]
    [InlineData("""{"data.scores": {"$gt": 50}}""", true)] // 70
    [InlineData("""{"data.scores": {"$gt": 80}}""", false)]
    [InlineData("""{"data.scores": {"$lt": 20}}""", true)] // 10
    [InlineData("""{"data.scores": {"$gt": 20, "$lt": 30}}""", true)] // each operator may use a different element
    [InlineData("""{"data.scores.0": {"$gt": 20, "$lt": 30}}""", false)]
    [InlineData("""{"data.tags": {"$gte": "u"}}""", true)]
    [InlineData("""{"data.matrix": {"$gt": 0}}""", false)] // one level only
    public void Range_ArrayFields_MatchAnyElement(string filter, bool expected)
    {
        Assert.Equal(expected, Matches(filter));
    }

    [Theory]
    [InlineData("""{"resource.id": {"$in": ["audit_1", "audit_2"]}}""", true)]
    [InlineData("""{"resource.id": {"$in": ["audit_3"]}}""", false)]
    [InlineData("""{"data.score": {"$in": [41, 42.0]}}""", true)]
    [InlineData("""{"data.score": {"$in": ["42"]}}""", false)]
    [InlineData("""{"data.score": {"$in": []}}""", false)]
    [InlineData("""{"data.tags": {"$in": ["urgent", "x"]}}""", true)]
    [InlineData("""{"data.tags": {"$in": ["x", "y"]}}""", false)]
    [InlineData("""{"data.tags": {"$in": [["safety", "urgent"]]}}""", true)]
    [InlineData("""{"data.meta": {"$in": [1, {"a": 1, "b": [1, 2]}]}}""", true)]
    [InlineData("""{"data.completed_at": {"$in": [null]}}""", true)]
    public void In(string filter, bool expected)
    {
        Assert.Equal(expected, Matches(filter));
    }

    [Theory]
    [InlineData("""{"data.status": {"$nin": ["passed", "skipped"]}}""", true)]
    [InlineData("""{"data.status": {"$nin": ["failed"]}}""", false)]
    [InlineData("""{"data.score": {"$nin": [42.0]}}""", false)]
    [InlineData("""{"data.score": {"$nin": ["42"]}}""", true)]
    [InlineData("""{"data.score": {"$nin": []}}""", true)]
    [InlineData("""{"data.tags": {"$nin": ["urgent"]}}""", false)] // no element may be listed
    [InlineData("""{"data.tags": {"$nin": ["routine"]}}""", true)]
    public void Nin(string filter, bool expected)
    {
        Assert.Equal(expected, Matches(filter));
    }

    [Theory]
    [InlineData("""{"data.score": {"$exists": true}}""", true)]
    [InlineData("""{"data.score": {"$exists": false}}""", false)]
    [InlineData("""{"data.completed_at": {"$exists": true}}""", true)] // present, though null
    [InlineData("""{"data.completed_at": {"$exists": false}}""", false)]
    [InlineData("""{"data.none": {"$exists": true}}""", true)]
    [InlineData("""{"data": {"$exists": true}}""", true)]
    public void Exists(string filter, bool expected)
    {
        Assert.Equal(expected, Matches(filter));
    }

    [Theory]
    [InlineData("""{"type": {"$regex": "^inspection\\."}}""", true)]
    [InlineData("""{"type": {"$regex": "^observation"}}""", false)]
    [InlineData("""{"type": {"$regex": "completed"}}""", true)] // unanchored: anywhere in the string
    [InlineData("""{"data.status": {"$regex": "FAIL"}}""", false)]
    [InlineData("""{"data.status": {"$regex": "FAIL", "$options": "i"}}""", true)]
    [InlineData("""{"data.status": {"$regex": "(?i)^FAILED$"}}""", true)]
    [InlineData("""{"data.status": {"$regex": "^f a i l", "$options": "x"}}""", true)]
    [InlineData("""{"data.score": {"$regex": "42"}}""", false)] // not a string
    [InlineData("""{"data.completed_at": {"$regex": ".*"}}""", false)]
    [InlineData("""{"data.tags": {"$regex": "^urg"}}""", true)] // any element
    [InlineData("""{"data.tags": {"$regex": "^x"}}""", false)]
    [InlineData("""{"data.title": {"$regex": "Überprüfung 🦓$"}}""", true)]
    [InlineData("""{"data.title": {"$regex": "ÜBERPRÜFUNG", "$options": "i"}}""", true)]
    [InlineData("""{"data.city": {"$regex": "^\\p{IsCJKUnifiedIdeographs}+$"}}""", true)]
    [InlineData("""{"data.emoji": {"$regex": "^.{2}$"}}""", true)] // UTF-16: a surrogate pair is two
    [InlineData("""{"data.escaped": {"$regex": "^café$"}}""", true)]
    [InlineData("""{"data.status": {"$regex": "failed", "$ne": "failed"}}""", false)]
    public void Regex(string filter, bool expected)
    {
        Assert.Equal(expected, Matches(filter));
    }

    [Theory]
    [InlineData("""{"$and": [{"data.score": {"$gt": 40}}, {"data.status": "failed"}]}""", true)]
    [InlineData("""{"$and": [{"data.score": {"$gt": 40}}, {"data.status": "passed"}]}""", false)]
    [InlineData("""{"$and": [{}]}""", true)]
    [InlineData("""{"$or": [{"data.status": "passed"}, {"data.score": {"$lt": 50}}]}""", true)]
    [InlineData("""{"$or": [{"data.status": "passed"}, {"data.score": {"$gt": 50}}]}""", false)]
    [InlineData("""{"$or": [{"data.missing": 1}, {"data.missing": {"$exists": false}}]}""", true)]
    [InlineData("""{"$not": {"data.status": "failed"}}""", false)]
    [InlineData("""{"$not": {"data.status": "passed"}}""", true)]
    [InlineData("""{"$not": {"data.status": "failed", "data.score": 0}}""", true)] // not (both)
    [InlineData("""{"$not": {"data.missing": {"$exists": true}}}""", true)]
    [InlineData("""{"$not": {}}""", false)]
    [InlineData("""{"$or": [{"$not": {"$or": [{"data.score": 42}, {"data.score": 43}]}}]}""", false)]
    [InlineData("""{"type": "inspection.completed", "$or": [{"$and": [{"data.score": {"$lt": 50}}, {"$not": {"data.archived": true}}]}, {"resource.id": "audit_9"}]}""", true)]
    [InlineData("""{"type": "inspection.started", "$or": [{"data.score": 42}]}""", false)] // siblings still all hold
    [InlineData("""{"$and": [{"$or": [{"data.tags": "urgent"}, {"data.tags": "critical"}]}, {"$or": [{"resource.id": "audit_1"}]}]}""", true)]
    public void AndOrNot(string filter, bool expected)
    {
        Assert.Equal(expected, Matches(filter));
    }

    [Theory]
    [InlineData(42, "audit_1", false)]
    [InlineData(50, "audit_1", true)]
    [InlineData(100, "audit_2", true)]
    [InlineData(49.5, "audit_1", false)]
    [InlineData(80, "audit_3", false)]
    [InlineData(10, "audit_3", false)]
    public void DesignExample(double score, string resourceId, bool expected)
    {
        var filter = """{"data.score": {"$gte": 50}, "resource.id": {"$in": ["audit_1", "audit_2"]}}""";
        var envelope = $$$"""
            {"version": "1.0.0", "type": "inspection.completed", "timestamp": "2017-06-29T05:15:19.136Z",
             "event_id": "evt_1", "endpoint_id": "ep_1", "delivery_id": "dlv_1",
             "triggered_by": null, "resource": {"type": "inspection", "id": "{{{resourceId}}}"},
             "data": {"audit_id": "{{{resourceId}}}", "score": {{{score.ToString(System.Globalization.CultureInfo.InvariantCulture)}}}}}
            """;

        Assert.Equal(expected, Matches(filter, envelope));
    }

    [Fact]
    public void DesignExample_EventWithoutResourceOrScore_DoesNotMatch()
    {
        var filter = """{"data.score": {"$gte": 50}, "resource.id": {"$in": ["audit_1", "audit_2"]}}""";
        var envelope = """{"type": "x", "triggered_by": null, "resource": null, "data": "plain text"}""";

        Assert.False(Matches(filter, envelope));
        Assert.True(Matches("""{"resource": null, "resource.id": {"$exists": false}}""", envelope));
        Assert.True(Matches("""{"data": {"$regex": "^plain"}}""", envelope));
    }

    // The examples of docs/filters.md, against envelopes shaped like each product's payloads.
    private const string SafetyCultureFailed = """{"data.audit.audit_data.score": {"$lt": 50}, "data.audit.archived": {"$ne": true}}""";
    private const string UshahidiForm = """{"data.form_id": 3}""";
    private const string CyberTrackerProject = """{"data.project.uid": "CLASSIC2_3bf5cf553eda4776af8b9f5c88c6134e"}""";
    private const string CyberTrackerArea = """
        {"data.location.0": {"$gte": 11.0, "$lte": 12.0}, "data.location.1": {"$gte": -0.5, "$lte": 0.0},
         "data.project.uid": {"$regex": "^SMART_"}}
        """;
    private const string SysTrackCritical = """
        {"data.severity": {"$in": ["critical", "high"]}, "$not": {"data.system_name": {"$regex": "^test-", "$options": "i"}}}
        """;

    [Theory]
    [InlineData(SafetyCultureFailed, """{"type": "inspection.completed", "resource": {"type": "inspection", "id": "audit_7e9e"}, "data": {"audit": {"archived": false, "audit_data": {"score": 35, "total_score": 100}}}}""", true)]
    [InlineData(SafetyCultureFailed, """{"type": "inspection.completed", "resource": {"type": "inspection", "id": "audit_7e9e"}, "data": {"audit": {"archived": false, "audit_data": {"score": 50, "total_score": 100}}}}""", false)]
    [InlineData(SafetyCultureFailed, """{"type": "inspection.completed", "resource": {"type": "inspection", "id": "audit_7e9e"}, "data": {"audit": {"archived": true, "audit_data": {"score": 10}}}}""", false)]
    [InlineData(SafetyCultureFailed, """{"type": "inspection.completed", "resource": {"type": "inspection", "id": "audit_7e9e"}, "data": {"audit": {"audit_data": {"score": 0.0}}}}""", true)]
    [InlineData(UshahidiForm, """{"type": "post.create", "resource": {"type": "post", "id": "42"}, "data": {"id": 42, "form_id": 3, "values": {}}}""", true)]
    [InlineData(UshahidiForm, """{"type": "post.create", "resource": {"type": "post", "id": "43"}, "data": {"id": 43, "form_id": 4, "values": {}}}""", false)]
    [InlineData(UshahidiForm, """{"type": "post.update", "resource": {"type": "post", "id": "44"}, "data": {"id": 44, "form_id": "3"}}""", false)]
    [InlineData(CyberTrackerProject, """{"type": "observation.created", "resource": null, "data": {"uid": "b9b1", "project": {"title": "Photo notes", "uid": "CLASSIC2_3bf5cf553eda4776af8b9f5c88c6134e"}, "location": [11.394516667, -0.310066667, 0, 1]}}""", true)]
    [InlineData(CyberTrackerProject, """{"type": "observation.created", "resource": null, "data": {"uid": "1da3", "project": {"uid": "SMART_9132eede-f804-483e-b686-9f063138b69a"}}}""", false)]
    [InlineData(CyberTrackerArea, """{"type": "observation.created", "data": {"project": {"uid": "SMART_9132eede"}, "location": [11.4382, -0.43205, 0, 1]}}""", true)]
    [InlineData(CyberTrackerArea, """{"type": "observation.created", "data": {"project": {"uid": "SMART_9132eede"}, "location": [11.4382, -0.6, 0, 1]}}""", false)]
    [InlineData(CyberTrackerArea, """{"type": "observation.created", "data": {"project": {"uid": "CLASSIC2_3bf5"}, "location": [11.4382, -0.43205, 0, 1]}}""", false)]
    [InlineData(CyberTrackerArea, """{"type": "observation.created", "data": {"project": {"uid": "SMART_9132eede"}}}""", false)]
    [InlineData(SysTrackCritical, """{"type": "sensor.triggered", "data": {"severity": "critical", "system_name": "db-01"}}""", true)]
    [InlineData(SysTrackCritical, """{"type": "sensor.triggered", "data": {"severity": "critical", "system_name": "TEST-db"}}""", false)]
    [InlineData(SysTrackCritical, """{"type": "sensor.triggered", "data": {"severity": "low", "system_name": "db-01"}}""", false)]
    public void DocsExamples(string filter, string envelope, bool expected)
    {
        Assert.Equal(expected, Matches(filter, envelope));
    }

    [Fact]
    public void Matches_NonObjectEnvelope_FindsNoPaths()
    {
        Assert.True(Matches("""{"type": {"$exists": false}}""", "\"text\""));
        Assert.False(Matches("""{"type": "text"}""", "\"text\""));
        Assert.True(Matches("""{"type": null}""", "null"));
    }

    [Fact]
    public void Regex_LongAndEscapedValues()
    {
        var text = new string('a', 600) + "\\u00e9z";
        var envelope = $$$"""{"data": {"long": "{{{text}}}", "plain": "{{{new string('b', 700)}}}"}}""";

        Assert.True(Matches("""{"data.long": {"$regex": "^a{600}éz$"}}""", envelope));
        Assert.True(Matches("""{"data.plain": {"$regex": "^b{700}$"}}""", envelope));
        Assert.True(Matches("""{"data.long": {"$gt": "a"}}""", envelope));
    }

    [Fact]
    public void Regex_NestedQuantifiers_AreDecidedInLinearTime_OnALongNearMatch()
    {
        // Exponential for a backtracking engine: 40 characters took longer than the 50 ms timeout.
        var envelope = $$$"""{"data": {"text": "{{{new string('a', 5000)}}}!", "plain": "{{{new string('a', 5000)}}}"}}""";
        const string Catastrophic = """{"data.text": {"$regex": "^(a+)+$"}}""";
        var stopwatch = System.Diagnostics.Stopwatch.StartNew();

        Assert.False(Matches(Catastrophic, envelope));
        Assert.True(Matches($$"""{"$not": {{Catastrophic}}}""", envelope)); // decided, so negation holds
        Assert.True(Matches("""{"data.plain": {"$regex": "^(a+)+$"}}""", envelope));
        Assert.True(Matches("""{"data.text": {"$regex": "^(a|aa)+!$"}}""", envelope));

        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(5), $"took {stopwatch.Elapsed}");
    }

    [Theory]
    [InlineData("""(a)\1""")] // backreference
    [InlineData("""(?<x>a)\k<x>""")] // named backreference
    [InlineData("""^(?=.)(a+)+$""")] // lookahead
    [InlineData("""(?!x)a""")] // negative lookahead
    [InlineData("""(?<=a)b""")] // lookbehind
    [InlineData("""(?<!a)b""")] // negative lookbehind
    [InlineData("""(?>a+)b""")] // atomic group
    [InlineData("""(a)?(?(1)b|c)""")] // conditional
    public void Parse_Refuses_ConstructsThatNeedBacktracking(string pattern)
    {
        var filter = new JsonObject { ["data.x"] = new JsonObject { ["$regex"] = pattern } };
        var errors = new ValidationErrors();

        Assert.Null(PayloadFilter.Parse(filter, errors));

        AssertError(errors, "filter.data.x.$regex", "backreferences, lookarounds, atomic groups and conditionals are not supported");
    }

    [Fact]
    public void Parse_KeepsAStoredFilterThatNeedsBacktracking_UnderTheTimeout()
    {
        // Saved by a version that accepted lookarounds: the endpoint must still load, and a pattern
        // that runs past the timeout makes the whole filter not match, even under $not.
        var envelope = $$$"""{"data": {"text": "{{{new string('a', 40)}}}!", "ok": "b"}}""";
        var catastrophic = new JsonObject { ["data.text"] = new JsonObject { ["$regex"] = "^(?=.)(a+)+$" } };
        var errors = new ValidationErrors();
        using var document = JsonDocument.Parse(envelope);

        var stored = PayloadFilter.Parse(catastrophic, errors, stored: true);
        var negated = PayloadFilter.Parse(new JsonObject { ["$not"] = catastrophic.DeepClone() }, errors, stored: true);
        var lookbehind = PayloadFilter.Parse(new JsonObject { ["data.ok"] = new JsonObject { ["$regex"] = "(?<!a)b" } }, errors, stored: true);

        Assert.False(errors.Any);
        Assert.False(stored!.Matches(document.RootElement));
        Assert.False(negated!.Matches(document.RootElement)); // fails closed, even negated
        Assert.True(lookbehind!.Matches(document.RootElement));
    }

    [Fact]
    public void Parse_AcceptsNodesBuiltInCode()
    {
        var filter = new JsonObject
        {
            ["data.score"] = new JsonObject { ["$gte"] = 40, ["$lt"] = 42.5 },
            ["resource.id"] = new JsonObject { ["$in"] = new JsonArray("audit_1", "audit_2") },
            ["data.archived"] = false,
        };
        var errors = new ValidationErrors();
        using var document = JsonDocument.Parse(Envelope);

        var parsed = PayloadFilter.Parse(filter, errors);

        Assert.False(errors.Any);
        Assert.True(parsed!.Matches(document.RootElement));
    }

    [Fact]
    public void Matches_IsReusableAcrossEnvelopesAndThreads()
    {
        var filter = Parse("""{"data.n": {"$gte": 500}, "data.s": {"$regex": "^x"}}""");

        var matched = Enumerable.Range(0, 1000).AsParallel().Count(i =>
        {
            using var document = JsonDocument.Parse($$$"""{"data": {"n": {{{i}}}, "s": "x{{{i}}}"}}""");
            return filter.Matches(document.RootElement);
        });

        Assert.Equal(500, matched);
    }

    [Fact]
    public void Matches_UnescapedValues_DoNotAllocate()
    {
        var filter = Parse("""
            {"type": {"$regex": "^inspection\\."}, "data.score": {"$gte": 40.5, "$ne": 41},
             "resource.id": {"$in": ["audit_2", "audit_1"]}, "data.tags": "urgent", "data.status": {"$lt": "g"},
             "$or": [{"data.meta": {"a": 1, "b": [1, 2]}}, {"data.missing": {"$exists": true}}],
             "$not": {"data.items.1.ok": false}}
            """);
        using var document = JsonDocument.Parse(Envelope);
        Assert.True(filter.Matches(document.RootElement));

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++)
            filter.Matches(document.RootElement);

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Theory]
    [InlineData("""{"data.score": {"$foo": 1}}""", "filter.data.score.$foo", "is not a known operator")]
    [InlineData("""{"data.score": {"$gt": 1, "$foo": 1}}""", "filter.data.score.$foo", "is not a known operator")]
    [InlineData("""{"$foo": 1}""", "filter.$foo", "is not a known operator")]
    [InlineData("""{"$where": "1"}""", "filter.$where", "is not a known operator")]
    [InlineData("""{"$gt": 1}""", "filter.$gt", "applies to a field")]
    [InlineData("""{"$in": [1]}""", "filter.$in", "applies to a field")]
    [InlineData("""{"data.x": {"$not": {"$gt": 1}}}""", "filter.data.x.$not", "combines filters")]
    [InlineData("""{"data.x": {"$or": [{"a": 1}]}}""", "filter.data.x.$or", "combines filters")]
    [InlineData("""{"data.score": {"$in": 5}}""", "filter.data.score.$in", "must be an array")]
    [InlineData("""{"data.score": {"$in": {"a": 1}}}""", "filter.data.score.$in", "must be an array")]
    [InlineData("""{"data.score": {"$nin": "a"}}""", "filter.data.score.$nin", "must be an array")]
    [InlineData("""{"$and": []}""", "filter.$and", "must be a non-empty array of filter objects")]
    [InlineData("""{"$and": {"a": 1}}""", "filter.$and", "must be a non-empty array of filter objects")]
    [InlineData("""{"$or": []}""", "filter.$or", "must be a non-empty array of filter objects")]
    [InlineData("""{"$or": null}""", "filter.$or", "must be a non-empty array of filter objects")]
    [InlineData("""{"$or": [{"a": 1}, 5]}""", "filter.$or[1]", "must be a filter object")]
    [InlineData("""{"$and": [[]]}""", "filter.$and[0]", "must be a filter object")]
    [InlineData("""{"$not": []}""", "filter.$not", "must be a filter object")]
    [InlineData("""{"$not": "x"}""", "filter.$not", "must be a filter object")]
    [InlineData("""{"data.x": {"$exists": 1}}""", "filter.data.x.$exists", "must be true or false")]
    [InlineData("""{"data.x": {"$exists": "true"}}""", "filter.data.x.$exists", "must be true or false")]
    [InlineData("""{"data.x": {"$regex": "("}}""", "filter.data.x.$regex", "is not a valid regular expression")]
    [InlineData("""{"data.x": {"$regex": "a{2,1}"}}""", "filter.data.x.$regex", "is not a valid regular expression")]
    [InlineData("""{"data.x": {"$regex": "\\p{NoSuchCategory}"}}""", "filter.data.x.$regex", "is not a valid regular expression")]
    [InlineData("""{"data.x": {"$regex": 5}}""", "filter.data.x.$regex", "must be a string")]
    [InlineData("""{"data.x": {"$regex": "a", "$options": "q"}}""", "filter.data.x.$options", "regex flags")]
    [InlineData("""{"data.x": {"$regex": "a", "$options": 1}}""", "filter.data.x.$options", "regex flags")]
    [InlineData("""{"data.x": {"$options": "i"}}""", "filter.data.x.$options", "only with $regex")]
    [InlineData("""{"data.x": {"$gt": 1, "x": 2}}""", "filter.data.x.x", "cannot be mixed with operators")]
    [InlineData("""{"data.x": {"y": 2, "$lt": 3}}""", "filter.data.x.y", "cannot be mixed with operators")]
    [InlineData("""{"data.x": {"$gt": true}}""", "filter.data.x.$gt", "must be a number or a string")]
    [InlineData("""{"data.x": {"$gte": null}}""", "filter.data.x.$gte", "must be a number or a string")]
    [InlineData("""{"data.x": {"$lt": [1]}}""", "filter.data.x.$lt", "must be a number or a string")]
    [InlineData("""{"data.x": {"$lte": {}}}""", "filter.data.x.$lte", "must be a number or a string")]
    [InlineData("""{"data..x": 1}""", "filter.data..x", "must be a dotted path")]
    [InlineData("""{".data": 1}""", "filter..data", "must be a dotted path")]
    [InlineData("""{"data.": 1}""", "filter.data.", "must be a dotted path")]
    [InlineData("""{"": 1}""", "filter.", "must be a dotted path")]
    [InlineData("""{"$not": {"data.score": {"$in": 1}}}""", "filter.$not.data.score.$in", "must be an array")]
    [InlineData("""{"$or": [{"data.x": 1}, {"$and": [{"data.y": {"$bad": 1}}]}]}""", "filter.$or[1].$and[0].data.y.$bad", "is not a known operator")]
    [InlineData("""{"$or": [{"data.x": 1}, {"$not": {"$or": [{}, {"$nope": 1}]}}]}""", "filter.$or[1].$not.$or[1].$nope", "is not a known operator")]
    public void Parse_InvalidForms_ReportTheirPath(string filter, string path, string message)
    {
        AssertError(Invalid(filter), path, message);
    }

    [Fact]
    public void Parse_DuplicateKeys_AreRejected()
    {
        AssertError(Invalid("""{"data.x": 1, "data.x": 2}"""), "filter.data.x", "more than once");
        AssertError(Invalid("""{"data.x": {"$gt": 1, "$gt": 2}}"""), "filter.data.x.$gt", "more than once");
    }

    [Fact]
    public void Parse_ReportsEveryProblemAtOnce()
    {
        var errors = Invalid("""{"a": {"$foo": 1}, "$or": [], "b": {"$exists": "yes"}, "c": {"$regex": "["}}""");

        Assert.Equal(
            ["filter.$or", "filter.a.$foo", "filter.b.$exists", "filter.c.$regex"],
            errors.Items.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Parse_PathPrefix_IsTheCallersPath()
    {
        var errors = Invalid("""{"$or": [{"data.x": {"$in": 1}}]}""", "endpoints[2].filter");

        AssertError(errors, "endpoints[2].filter.$or[0].data.x.$in", "must be an array");
    }

    [Fact]
    public void Parse_ErrorsElsewhere_DoNotFailAValidFilter()
    {
        var errors = new ValidationErrors();
        errors.Add("url", "must be an absolute http or https URL");

        Assert.NotNull(PayloadFilter.Parse(new JsonObject { ["type"] = "x" }, errors));
    }

    [Fact]
    public void Limits_Depth()
    {
        static string Nested(int levels) =>
            string.Concat(Enumerable.Repeat("""{"$not": """, levels)) + """{"type": "x"}""" + new string('}', levels);

        Assert.True(Matches(Nested(9))); // 9 × $not over a false condition: depth 10 in all
        Assert.False(Matches(Nested(8)));

        var errors = Invalid(Nested(10));
        AssertError(errors, "filter" + string.Concat(Enumerable.Repeat(".$not", 10)), "more than 10 levels deep");

        var lists = Enumerable.Range(0, 10).Select(i => i % 2 == 0 ? "$and" : "$or").ToArray();
        var viaLists = lists.AsEnumerable().Reverse().Aggregate("""{"type": "x"}""", (inner, list) => $"{{\"{list}\": [{inner}]}}");
        AssertError(Invalid(viaLists), "filter" + string.Concat(lists.Select(l => $".{l}[0]")), "more than 10 levels deep");
    }

    [Fact]
    public void Limits_Conditions()
    {
        static string Fields(int count, string condition) =>
            "{" + string.Join(", ", Enumerable.Range(0, count).Select(i => $"\"data.f{i}\": {condition}")) + "}";

        Parse(Fields(100, "1"));
        Parse(Fields(50, """{"$gt": 1, "$lt": 5}"""));
        Parse(Fields(100, """{"$regex": "a", "$options": "i"}""")); // $options is part of its $regex
        AssertError(Invalid(Fields(101, "1")), "filter", "at most 100 conditions");
        AssertError(Invalid(Fields(34, """{"$gt": 1, "$lt": 5, "$ne": 3}""")), "filter", "at most 100 conditions");

        var inLists = "{\"$or\": [" + string.Join(", ", Enumerable.Range(0, 101).Select(i => $"{{\"data.f\": {i}}}")) + "]}";
        AssertError(Invalid(inLists), "filter", "at most 100 conditions");
    }

    [Fact]
    public void Limits_RegexLength()
    {
        Parse($$$"""{"data.x": {"$regex": "{{{new string('a', 512)}}}"}}""");

        AssertError(Invalid($$$"""{"data.x": {"$regex": "{{{new string('a', 513)}}}"}}"""), "filter.data.x.$regex", "at most 512 characters");
    }

    [Fact]
    public void Limits_InListLength()
    {
        var values = string.Join(", ", Enumerable.Range(0, 1000));
        Parse($$$"""{"data.x": {"$in": [{{{values}}}]}}""");

        AssertError(Invalid($$$"""{"data.x": {"$nin": [{{{values}}}, 1000]}}"""), "filter.data.x.$nin", "at most 1000 values");
    }
}
