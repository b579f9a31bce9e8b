using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Herald.Core.Schemas;

namespace Herald.Tests.Schemas;

public class EventSchemaTests
{
    // A CyberTracker observation as the app posts it (delivered with format "raw").
    private const string CyberTrackerSample = """
        {"uid":"b9b1c075e002441db6ada01225fb0a6f","createTime":"2025-06-17T23:00:33.999+01:00","updateTime":"2025-06-17T23:00:33.999+01:00","sessionId":"15c17035a9514feebd48097e056c0211","deviceId":"42dc6a06650b4e4a889faf9819b88e4a","summary":"Test, This is a note","username":"Justin","location":[11.394516667,-0.310066667,0,1],"project":{"connector":"Classic","provider":"Classic","reportedBy":"","subtitle":"Sample","title":"Photo notes","uid":"CLASSIC2_3bf5cf553eda4776af8b9f5c88c6134e"},"records":[{"summary":"Test, This is a note","uid":"b9b1c075e002441db6ada01225fb0a6f","values":[{"id":"Name","name":"Name","value":"Test"},{"id":"Photo","name":"Photo","value":null}]}]}
        """;

    private const string CyberTrackerSchema = """
        {
          "$schema": "https://json-schema.org/draft/2020-12/schema",
          "type": "object",
          "required": ["uid", "createTime", "location", "records"],
          "properties": {
            "uid": {"$ref": "#/$defs/uid"},
            "createTime": {"type": "string", "format": "date-time"},
            "updateTime": {"type": "string", "format": "date-time"},
            "sessionId": {"$ref": "#/$defs/uid"},
            "deviceId": {"$ref": "#/$defs/uid"},
            "summary": {"type": "string"},
            "username": {"type": "string"},
            "location": {"type": "array", "items": {"type": "number"}, "minItems": 4, "maxItems": 4},
            "project": {
              "type": "object",
              "required": ["uid", "title"],
              "properties": {"uid": {"type": "string"}, "title": {"type": "string"}}
            },
            "records": {
              "type": "array",
              "minItems": 1,
              "items": {
                "type": "object",
                "required": ["uid", "values"],
                "properties": {
                  "uid": {"$ref": "#/$defs/uid"},
                  "summary": {"type": "string"},
                  "values": {
                    "type": "array",
                    "items": {
                      "type": "object",
                      "required": ["id", "name", "value"],
                      "additionalProperties": false,
                      "properties": {
                        "id": {"type": "string", "minLength": 1},
                        "name": {"type": "string"},
                        "value": {"type": ["string", "number", "boolean", "null"]}
                      }
                    }
                  }
                }
              }
            }
          },
          "$defs": {"uid": {"type": "string", "pattern": "^[0-9a-f]{32}$"}}
        }
        """;

    [Theory]
    [InlineData("true")]
    [InlineData("false")]
    [InlineData("{}")]
    [InlineData("""{"type": "string"}""")]
    [InlineData("""{"type": ["string", "null"]}""")]
    [InlineData("""{"type": "object", "properties": {"score": {"type": "integer", "minimum": 0}}, "required": ["score"]}""")]
    [InlineData("""{"type": "array", "items": {"type": "number"}, "minItems": 4, "maxItems": 4, "uniqueItems": true}""")]
    [InlineData("""{"items": [{"type": "number"}, {"type": "string"}], "additionalItems": false}""")]
    [InlineData("""{"prefixItems": [{"type": "number"}], "items": {"type": "string"}}""")]
    [InlineData("""{"enum": ["a", 1, null, {"b": [true]}]}""")]
    [InlineData("""{"const": {"kind": "fixed"}}""")]
    [InlineData("""{"minimum": -1.5, "maximum": 1e3, "exclusiveMinimum": -2, "exclusiveMaximum": 1001, "multipleOf": 0.5}""")]
    [InlineData("""{"$schema": "http://json-schema.org/draft-04/schema#", "minimum": 0, "exclusiveMinimum": true}""")]
    [InlineData("""{"type": "string", "minLength": 1, "maxLength": 10, "pattern": "^[a-z]+$", "format": "email"}""")]
    [InlineData("""{"format": "x-herald-unknown-format"}""")]
    [InlineData("""{"additionalProperties": false, "patternProperties": {"^x-": {"type": "string"}}, "propertyNames": {"maxLength": 20}}""")]
    [InlineData("""{"$defs": {"point": {"type": "array"}}, "properties": {"at": {"$ref": "#/$defs/point"}}}""")]
    [InlineData("""{"$schema": "http://json-schema.org/draft-07/schema#", "definitions": {"p": {"type": "number"}}, "items": {"$ref": "#/definitions/p"}}""")]
    [InlineData("""{"$id": "https://example.org/schemas/audit.json", "$defs": {"id": {"type": "string"}}, "properties": {"id": {"$ref": "https://example.org/schemas/audit.json#/$defs/id"}}}""")]
    [InlineData("""{"$defs": {"id": {"$anchor": "ident", "type": "string"}}, "properties": {"id": {"$ref": "#ident"}}}""")]
    [InlineData("""{"definitions": {"id": {"$id": "#ident", "type": "string"}}, "properties": {"id": {"$ref": "#ident"}}}""")]
    [InlineData("""{"properties": {"a b": {"type": "string"}, "c/d~e": {"type": "number"}}, "items": {"$ref": "#/properties/c~1d~0e"}}""")]
    [InlineData("""{"type": "object", "properties": {"children": {"type": "array", "items": {"$ref": "#"}}}}""")]
    [InlineData("""{"allOf": [{"type": "object"}], "anyOf": [{"required": ["a"]}, {"required": ["b"]}], "oneOf": [true], "not": {"type": "null"}}""")]
    [InlineData("""{"if": {"properties": {"kind": {"const": "audit"}}}, "then": {"required": ["score"]}, "else": false}""")]
    [InlineData("""{"dependencies": {"a": ["b"], "c": {"required": ["d"]}}, "dependentRequired": {"e": ["f"]}, "dependentSchemas": {"g": {}}}""")]
    [InlineData("""{"contains": {"type": "string"}, "minContains": 1, "maxContains": 3}""")]
    [InlineData("""{"title": "Audit", "description": "…", "$comment": "x", "examples": [1], "default": 0, "readOnly": false, "deprecated": true}""")]
    [InlineData("""{"x-herald-owner": "field team", "nullable": true, "discriminator": {"propertyName": "kind"}}""")]
    [InlineData("""{"maxLength": 5.0, "minItems": 0}""")]
    [InlineData("""{"$defs": {"a": {"$anchor": "1st-name", "type": "string"}}, "properties": {"a": {"$ref": "#1st-name"}}}""")]
    public void TryCompile_Accepts_ValidSchema(string schemaJson)
    {
        var compiled = EventSchema.TryCompile(schemaJson, out var schema, out var errors);

        Assert.True(compiled, string.Join("\n", errors));
        Assert.NotNull(schema);
        Assert.Empty(errors);
    }

    [Theory]
    [InlineData("{", "schema", "is not valid JSON")]
    [InlineData("42", "schema", "must be a JSON Schema (an object or a boolean), not the number 42")]
    [InlineData("\"object\"", "schema", "must be a JSON Schema (an object or a boolean), not a string")]
    [InlineData("null", "schema", "must be a JSON Schema (an object or a boolean), not null")]
    [InlineData("[]", "schema", "must be a JSON Schema (an object or a boolean), not an array")]
    [InlineData("""{"type": "text"}""", "schema.type", "\"text\" is not a type")]
    [InlineData("""{"type": ["string", 5]}""", "schema.type", "must be one of array, boolean, integer, null, number, object, string, or an array of them")]
    [InlineData("""{"type": []}""", "schema.type", "must be one of array")]
    [InlineData("""{"type": ["string", "string"]}""", "schema.type", "lists \"string\" more than once")]
    [InlineData("""{"type": "Object"}""", "schema.type", "\"Object\" is not a type")]
    [InlineData("""{"required": "name"}""", "schema.required", "must be an array of strings, not a string")]
    [InlineData("""{"required": [1]}""", "schema.required", "must be an array of strings")]
    [InlineData("""{"properties": {"a": {"required": true}}}""", "schema.properties.a.required", "must be an array of strings, not a boolean")]
    [InlineData("""{"required": ["a", "a"]}""", "schema.required", "lists \"a\" more than once")]
    [InlineData("""{"properties": []}""", "schema.properties", "must be an object whose values are schemas, not an array")]
    [InlineData("""{"properties": {"score": 5}}""", "schema.properties.score", "must be a JSON Schema (an object or a boolean), not the number 5")]
    [InlineData("""{"properties": {"score": {"type": "integer", "minimum": "0"}}}""", "schema.properties.score.minimum", "must be a number, not a string")]
    [InlineData("""{"maximum": null}""", "schema.maximum", "must be a number, not null")]
    [InlineData("""{"exclusiveMinimum": "1"}""", "schema.exclusiveMinimum", "must be a number")]
    [InlineData("""{"exclusiveMinimum": true}""", "schema.exclusiveMinimum", "as a boolean needs a minimum beside it")]
    [InlineData("""{"multipleOf": 0}""", "schema.multipleOf", "must be greater than 0")]
    [InlineData("""{"maxLength": -1}""", "schema.maxLength", "must be a non-negative integer")]
    [InlineData("""{"minItems": 1.5}""", "schema.minItems", "must be a non-negative integer")]
    [InlineData("""{"pattern": "([a-z]"}""", "schema.pattern", "is not a valid regular expression")]
    [InlineData("""{"pattern": 5}""", "schema.pattern", "must be a string")]
    [InlineData("""{"patternProperties": {"(": {}}}""", "schema.patternProperties[\"(\"]", "is not a valid regular expression")]
    [InlineData("""{"format": 5}""", "schema.format", "must be a string")]
    [InlineData("""{"enum": "a"}""", "schema.enum", "must be an array of the allowed values, not a string")]
    [InlineData("""{"items": 5}""", "schema.items", "must be a schema or an array of schemas, not the number 5")]
    [InlineData("""{"items": [5]}""", "schema.items[0]", "must be a JSON Schema")]
    [InlineData("""{"prefixItems": []}""", "schema.prefixItems", "must be a non-empty array of schemas")]
    [InlineData("""{"additionalProperties": "no"}""", "schema.additionalProperties", "must be a JSON Schema")]
    [InlineData("""{"uniqueItems": "yes"}""", "schema.uniqueItems", "must be true or false")]
    [InlineData("""{"allOf": []}""", "schema.allOf", "must be a non-empty array of schemas")]
    [InlineData("""{"anyOf": {}}""", "schema.anyOf", "must be a non-empty array of schemas, not an object")]
    [InlineData("""{"not": 3}""", "schema.not", "must be a JSON Schema")]
    [InlineData("""{"$defs": []}""", "schema.$defs", "must be an object whose values are schemas")]
    [InlineData("""{"definitions": {"a": {"type": "nope"}}}""", "schema.definitions.a.type", "\"nope\" is not a type")]
    [InlineData("""{"dependencies": {"a": 5}}""", "schema.dependencies.a", "must be a JSON Schema")]
    [InlineData("""{"dependentRequired": {"a": {}}}""", "schema.dependentRequired.a", "must be an array of property names")]
    [InlineData("""{"title": 5}""", "schema.title", "must be a string")]
    [InlineData("""{"$ref": 5}""", "schema.$ref", "must be a string")]
    [InlineData("""{"$ref": "#/$defs/missing"}""", "schema.$ref", "does not resolve: nothing is at \"#/$defs/missing\"")]
    [InlineData("""{"$ref": "#nowhere"}""", "schema.$ref", "does not resolve: no subschema is named \"nowhere\"")]
    [InlineData("""{"required": ["a"], "properties": {"a": {"$ref": "#/required"}}}""", "schema.properties.a.$ref", "does not resolve to a schema: \"#/required\" is an array")]
    [InlineData("""{"$ref": "https://example.org/schemas/point.json"}""", "schema.$ref", "only references within this schema (starting with #) are supported")]
    [InlineData("""{"properties": {"p": {"$ref": "point.json#/$defs/p"}}}""", "schema.properties.p.$ref", "only references within this schema")]
    [InlineData("""{"$ref": "#"}""", "schema", "is part of a reference cycle that never descends into the data")]
    [InlineData("""{"$defs": {"a": {"$ref": "#/$defs/b"}, "b": {"allOf": [{"$ref": "#/$defs/a"}]}}, "properties": {"x": {"$ref": "#/$defs/a"}}}""", "schema.$defs", "is part of a reference cycle")]
    [InlineData("""{"unevaluatedProperties": false}""", "schema.unevaluatedProperties", "is not supported by Herald")]
    [InlineData("""{"$dynamicRef": "#meta"}""", "schema.$dynamicRef", "is not supported by Herald")]
    [InlineData("""{"$defs": {"a": {"$anchor": "x"}, "b": {"$anchor": "x"}}}""", "schema.$defs.b.$anchor", "which another subschema already uses")]
    [InlineData("""{"$defs": {"a": {"$anchor": "has space"}}}""", "schema.$defs.a.$anchor", "which a reference cannot spell as it is")]
    [InlineData("""{"$defs": {"a": {"$id": "#a", "$anchor": "b"}}}""", "schema.$defs.a.$id", "names a subschema that $anchor names too")]
    public void TryCompile_Rejects_InvalidSchema(string schemaJson, string path, string message)
    {
        var compiled = EventSchema.TryCompile(schemaJson, out var schema, out var errors);

        Assert.False(compiled);
        Assert.Null(schema);
        Assert.Contains(errors, error => error.StartsWith(path, StringComparison.Ordinal) && error.Contains(message, StringComparison.Ordinal));
    }

    [Fact]
    public void TryCompile_ReportsEveryProblem_WithItsPath()
    {
        var compiled = EventSchema.TryCompile(
            """{"type": "text", "required": "a", "properties": {"n": {"minimum": "0"}, "s": {"pattern": "["}}}""",
            out _, out var errors);

        Assert.False(compiled);
        Assert.Equal(4, errors.Count);
        Assert.StartsWith("schema.type: ", errors[0], StringComparison.Ordinal);
        Assert.StartsWith("schema.required: ", errors[1], StringComparison.Ordinal);
        Assert.Equal("schema.properties.n.minimum: must be a number, not a string", errors[2]);
        Assert.StartsWith("schema.properties.s.pattern: is not a valid regular expression", errors[3], StringComparison.Ordinal);
    }

    [Fact]
    public void TryCompile_Rejects_SchemaNestedBeyondMaxDepth()
    {
        var nested = "{}";
        for (var i = 0; i < EventSchema.MaxDepth + 1; i++)
        {
            nested = """{"properties": {"a": """ + nested + "}}";
        }

        var compiled = EventSchema.TryCompile(nested, out _, out var errors);

        Assert.False(compiled);
        Assert.Contains(errors, error => error.EndsWith($"nests subschemas more than {EventSchema.MaxDepth} levels deep", StringComparison.Ordinal));
    }

    [Fact]
    public void TryCompile_Accepts_SchemaNestedToMaxDepth()
    {
        var nested = "{}";
        for (var i = 0; i < EventSchema.MaxDepth; i++)
        {
            nested = """{"properties": {"a": """ + nested + "}}";
        }

        Assert.True(EventSchema.TryCompile(nested, out _, out var errors), string.Join("\n", errors));
    }

    [Fact]
    public void TryCompile_Rejects_LongReferenceChain()
    {
        var definitions = string.Join(", ", Enumerable.Range(0, 40).Select(i => $$"""
            "d{{i}}": {"$ref": "#/$defs/d{{i + 1}}"}
            """));
        var schema = """{"$defs": {""" + definitions + """, "d40": {"type": "string"}}, "$ref": "#/$defs/d0"}""";

        var compiled = EventSchema.TryCompile(schema, out _, out var errors);

        Assert.False(compiled);
        Assert.Contains(errors, error => error.Contains($"chains more than {EventSchema.MaxDepth} subschemas", StringComparison.Ordinal));
    }

    [Fact]
    public void TryCompile_Rejects_SchemaLargerThanLimit()
    {
        var schema = $$"""{"description": "{{new string('x', EventSchema.MaxSchemaLength)}}"}""";

        var compiled = EventSchema.TryCompile(schema, out _, out var errors);

        Assert.False(compiled);
        Assert.Equal(["schema: is larger than 256 KiB"], errors);
    }

    [Theory]
    [InlineData("""{"required": ["score"]}""", """{}""", "data.score", "is required")]
    [InlineData("""{"properties": {"score": {"type": "integer"}}}""", """{"score": "high"}""", "data.score", "must be of type integer")]
    [InlineData("""{"properties": {"score": {"type": "integer"}}}""", """{"score": 1.5}""", "data.score", "must be of type integer")]
    [InlineData("""{"type": ["string", "null"]}""", """42""", "data", "must be of type string or null")]
    [InlineData("""{"type": "object"}""", """[]""", "data", "must be of type object")]
    [InlineData("""{"properties": {"score": {"minimum": 0}}}""", """{"score": -1}""", "data.score", "must be ≥ 0")]
    [InlineData("""{"properties": {"score": {"exclusiveMinimum": 0}}}""", """{"score": 0}""", "data.score", "must be > 0")]
    [InlineData("""{"minimum": 0, "exclusiveMinimum": true}""", """0""", "data", "must be > 0")]
    [InlineData("""{"maximum": 100}""", """100.01""", "data", "must be ≤ 100")]
    [InlineData("""{"exclusiveMaximum": 1e2}""", """100""", "data", "must be < 1e2")]
    [InlineData("""{"multipleOf": 0.01}""", """10.005""", "data", "must be a multiple of 0.01")]
    [InlineData("""{"multipleOf": 1e-300}""", """1e-301""", "data", "must be a multiple of 1e-300")]
    [InlineData("""{"multipleOf": 3}""", """1e400""", "data", "must be a multiple of 3")]
    [InlineData("""{"multipleOf": 0.7}""", """1e-1""", "data", "must be a multiple of 0.7")]
    [InlineData("""{"maximum": 1e300}""", """1.0000000000000000000000000000001e300""", "data", "must be ≤ 1e300")]
    [InlineData("""{"minimum": 9007199254740993}""", """9007199254740992""", "data", "must be ≥ 9007199254740993")]
    [InlineData("""{"uniqueItems": true}""", """[1, 2, 10e-1]""", "data", "must not contain duplicates (items 0 and 2 are equal)")]
    [InlineData("""{"uniqueItems": true}""", """[1e300, 0.5, 1000e297]""", "data", "must not contain duplicates (items 0 and 2 are equal)")]
    [InlineData("""{"properties": {"status": {"enum": ["open", "closed"]}}}""", """{"status": "lost"}""", "data.status", "is not one of the allowed values")]
    [InlineData("""{"enum": [1, 2]}""", """ "1" """, "data", "is not one of the allowed values")]
    [InlineData("""{"const": "Classic"}""", """ "Modern" """, "data", "must be \"Classic\"")]
    [InlineData("""{"properties": {"code": {"pattern": "^[A-Z]{3}$"}}}""", """{"code": "ab1"}""", "data.code", "must match pattern ^[A-Z]{3}$")]
    [InlineData("""{"minLength": 3}""", """ "ab" """, "data", "must be at least 3 characters long")]
    [InlineData("""{"maxLength": 2}""", """ "abc" """, "data", "must be at most 2 characters long")]
    [InlineData("""{"format": "date-time"}""", """ "2025-02-30T10:00:00Z" """, "data", "must be a valid date-time")]
    [InlineData("""{"format": "date-time"}""", """ "2025-06-17 23:00:33Z" """, "data", "must be a valid date-time")]
    [InlineData("""{"format": "uuid"}""", """ "not-a-uuid" """, "data", "must be a valid uuid")]
    [InlineData("""{"format": "email"}""", """ "justin at example.org" """, "data", "must be a valid email")]
    [InlineData("""{"format": "uri"}""", """ "/relative/path" """, "data", "must be a valid uri")]
    [InlineData("""{"format": "ipv4"}""", """ "256.1.1.1" """, "data", "must be a valid ipv4")]
    [InlineData("""{"properties": {"items": {"items": {"required": ["name"]}}}}""", """{"items": [{"name": "a"}, {"name": "b"}, {}]}""", "data.items[2].name", "is required")]
    [InlineData("""{"items": {"items": {"type": "number"}}}""", """[[1, 2], [3, "4"]]""", "data[1][1]", "must be of type number")]
    [InlineData("""{"properties": {"first name": {"type": "string"}}}""", """{"first name": 1}""", "data[\"first name\"]", "must be of type string")]
    [InlineData("""{"additionalProperties": false, "properties": {"a": {}}}""", """{"a": 1, "b": 2}""", "data.b", "is not allowed")]
    [InlineData("""{"properties": {"secret": false}}""", """{"secret": "x"}""", "data.secret", "is not allowed")]
    [InlineData("""{"minItems": 4}""", """[1, 2, 3]""", "data", "must have at least 4 items")]
    [InlineData("""{"maxItems": 1}""", """[1, 2]""", "data", "must have at most 1 item")]
    [InlineData("""{"uniqueItems": true}""", """[{"a": 1, "b": 2}, 3, {"b": 2.0, "a": 1}]""", "data", "must not contain duplicates (items 0 and 2 are equal)")]
    [InlineData("""{"items": [{"type": "number"}], "additionalItems": false}""", """[1, 2]""", "data[1]", "is not allowed")]
    [InlineData("""{"prefixItems": [{"type": "number"}, {"type": "string"}]}""", """[1, 2]""", "data[1]", "must be of type string")]
    [InlineData("""{"contains": {"type": "string"}}""", """[1, 2]""", "data", "must contain at least 1 item matching the contains schema")]
    [InlineData("""{"minProperties": 2}""", """{"a": 1}""", "data", "must have at least 2 properties")]
    [InlineData("""{"propertyNames": {"pattern": "^[a-z]+$"}}""", """{"ok": 1, "Bad": 2}""", "data.Bad", "is not an allowed property name")]
    [InlineData("""{"patternProperties": {"^n_": {"type": "number"}}}""", """{"n_a": "x"}""", "data.n_a", "must be of type number")]
    [InlineData("""{"dependentRequired": {"lat": ["lon"]}}""", """{"lat": 1}""", "data.lon", "is required when lat is present")]
    [InlineData("""{"dependencies": {"lat": {"required": ["lon"]}}}""", """{"lat": 1}""", "data.lon", "is required")]
    [InlineData("""{"anyOf": [{"type": "string"}, {"type": "number"}]}""", """true""", "data", "must match at least one of the schemas in anyOf")]
    [InlineData("""{"oneOf": [{"type": "number"}, {"type": "integer"}]}""", """1""", "data", "must match exactly one of the schemas in oneOf, but matches 2")]
    [InlineData("""{"not": {"type": "null"}}""", """null""", "data", "must not match the schema in not")]
    [InlineData("""{"if": {"properties": {"kind": {"const": "audit"}}}, "then": {"required": ["score"]}}""", """{"kind": "audit"}""", "data.score", "is required")]
    [InlineData("""{"if": {"required": ["a"]}, "else": {"required": ["b"]}}""", """{}""", "data.b", "is required")]
    [InlineData("""{"$defs": {"score": {"type": "integer", "minimum": 0}}, "properties": {"score": {"$ref": "#/$defs/score"}}}""", """{"score": -5}""", "data.score", "must be ≥ 0")]
    [InlineData("""{"properties": {"children": {"items": {"$ref": "#"}}, "name": {"type": "string"}}}""", """{"children": [{"children": [{"name": 7}]}]}""", "data.children[0].children[0].name", "must be of type string")]
    [InlineData("""{"$ref": "#/$defs/a", "$defs": {"a": {"type": "object"}}, "required": ["x"]}""", """{}""", "data.x", "is required")]
    [InlineData("""{"allOf": [{"required": ["a"]}, {"properties": {"b": {"type": "string"}}}]}""", """{"a": 1, "b": 2}""", "data.b", "must be of type string")]
    [InlineData("false", """{}""", "data", "is not allowed")]
    [InlineData("""{"maxLength": 1}""", "\"👍🏽\"", "data", "must be at most 1 characters long")]
    [InlineData("""{"$id": "audit.json", "$defs": {"s": {"type": "string"}}, "properties": {"x": {"$ref": "audit.json#/$defs/s"}}}""", """{"x": 5}""", "data.x", "must be of type string")]
    [InlineData("""{"type": "integer"}""", "1e-400", "data", "must be of type integer")]
    [InlineData("""{"enum": [0, "a"]}""", "1e-30", "data", "is not one of the allowed values")]
    [InlineData("""{"const": 123456789012345678901234567890}""", "123456789012345678901234567891", "data", "must be 123456789012345678901234567890")]
    [InlineData("""{"properties": {"0": {"type": "string"}}, "items": {"type": "string"}}""", """{"0": 1}""", "data[\"0\"]", "must be of type string")]
    public void Validate_Reports_Violation(string schemaJson, string dataJson, string path, string message)
    {
        var schema = Compile(schemaJson);

        var violations = schema.Validate(dataJson);

        Assert.Equal([new SchemaViolation(path, message)], violations);
    }

    [Theory]
    [InlineData("""{"type": "integer"}""", "1.0")]
    [InlineData("""{"type": "integer"}""", "1e2")]
    [InlineData("""{"type": "integer"}""", "-12000e-3")]
    [InlineData("""{"type": "integer"}""", "123456789012345678901234567890123")]
    [InlineData("""{"type": "number", "minimum": 0.1}""", "0.1")]
    [InlineData("""{"multipleOf": 0.1}""", "0.3")]
    [InlineData("""{"multipleOf": 0.01}""", "19.99")]
    [InlineData("""{"multipleOf": 1e-300}""", "1e300")]
    [InlineData("""{"multipleOf": 1e-300}""", "0")]
    [InlineData("""{"multipleOf": 2}""", "1e400")]
    [InlineData("""{"multipleOf": 0.7}""", "-2.1e0")]
    [InlineData("""{"multipleOf": 123456789012345678901234567890}""", "246913578024691357802469135780e5")]
    [InlineData("""{"maximum": 1e300}""", "1e300")]
    [InlineData("""{"uniqueItems": true}""", """[1e300, 1.0000000000000000000000000000001e300, 1.00000000000000000000000000000000000001]""")]
    [InlineData("""{"uniqueItems": true}""", """[9007199254740992, 9007199254740993, {"a": 1}, {"a": 1.00000000000000000000000000000001}]""")]
    [InlineData("""{"enum": [1, "a"]}""", "1.0")]
    [InlineData("""{"const": 1e300}""", "1000e297")]
    [InlineData("""{"enum": [0]}""", "-0.0")]
    [InlineData("""{"minLength": 2}""", "\"👍🏽\"")]
    [InlineData("""{"const": {"a": [1, {"b": null}]}}""", """{"a": [1.0, {"b": null}]}""")]
    [InlineData("""{"maxLength": 1}""", "\"😀\"")]
    [InlineData("""{"format": "date-time"}""", "\"2025-06-17T23:00:33.999+01:00\"")]
    [InlineData("""{"format": "date-time"}""", "\"2016-12-31t23:59:60z\"")]
    [InlineData("""{"format": "date"}""", "\"2024-02-29\"")]
    [InlineData("""{"format": "email"}""", "\"justin@example.org\"")]
    [InlineData("""{"format": "uuid"}""", "\"15c17035-a951-4fee-bd48-097e056c0211\"")]
    [InlineData("""{"format": "ipv6"}""", "\"2001:db8::1\"")]
    [InlineData("""{"format": "hostname"}""", "\"hooks.example.org\"")]
    [InlineData("""{"format": "x-unknown"}""", "\"anything\"")]
    [InlineData("""{"minimum": 0}""", "\"not a number, so minimum does not apply\"")]
    [InlineData("""{"uniqueItems": true}""", """[1, "1", [1], {"a": 1}, {"a": 2}, true]""")]
    [InlineData("""{"oneOf": [{"type": "string"}, {"type": "number"}]}""", "3")]
    [InlineData("""{"additionalProperties": false, "properties": {"a": {}}, "patternProperties": {"^x-": {}}}""", """{"a": 1, "x-b": 2}""")]
    [InlineData("""{"items": {"type": "number"}, "minItems": 4, "maxItems": 4}""", "[11.394516667, -0.310066667, 0, 1]")]
    public void Validate_Accepts_ConformingData(string schemaJson, string dataJson)
    {
        var schema = Compile(schemaJson);

        Assert.Empty(schema.Validate(dataJson));
    }

    [Fact]
    public void Validate_Reports_EveryViolation()
    {
        var schema = Compile("""
            {"type": "object", "required": ["a", "b"],
             "properties": {"c": {"type": "string"}, "d": {"minimum": 10}}}
            """);

        var violations = schema.Validate("""{"c": 1, "d": 5}""");

        Assert.Equal(
            [
                new SchemaViolation("data.a", "is required"),
                new SchemaViolation("data.b", "is required"),
                new SchemaViolation("data.c", "must be of type string"),
                new SchemaViolation("data.d", "must be ≥ 10"),
            ],
            violations);
    }

    [Fact]
    public void Validate_FollowsRecursiveSchema_ThroughDeeplyNestedData()
    {
        var schema = Compile("""{"type": "array", "items": {"$ref": "#"}}""");
        const int depth = 60;

        Assert.Empty(schema.Validate(new string('[', depth) + new string(']', depth)));
        Assert.Equal(
            [new SchemaViolation("data" + string.Concat(Enumerable.Repeat("[0]", depth)), "must be of type array")],
            schema.Validate(new string('[', depth) + "1" + new string(']', depth)));
    }

    [Fact]
    public void Validate_QuotesPropertyNamesThatAreNotIdentifiers()
    {
        var schema = Compile("""{"additionalProperties": false}""");

        var violations = schema.Validate("""{"say \"hi\"": 1, "2nd": 2, "ok_$1": 3}""");

        Assert.Equal(
            [
                new SchemaViolation("data[\"say \\\"hi\\\"\"]", "is not allowed"),
                new SchemaViolation("data[\"2nd\"]", "is not allowed"),
                new SchemaViolation("data.ok_$1", "is not allowed"),
            ],
            violations);
    }

    [Fact]
    public void Validate_ReportsEachMissingProperty_WhateverItsName()
    {
        var schema = Compile("""{"required": ["line\nbreak", "back\\slash", "unit\u001fseparator", "ok"], "dependentRequired": {"ok": ["a b"]}}""");

        var violations = schema.Validate("""{"ok": 1}""");

        Assert.Equal(
            [
                new SchemaViolation("data[\"line\\u000abreak\"]", "is required"),
                new SchemaViolation("data[\"back\\\\slash\"]", "is required"),
                new SchemaViolation("data[\"unit\\u001fseparator\"]", "is required"),
                new SchemaViolation("data[\"a b\"]", "is required when ok is present"),
            ],
            violations);
    }

    [Fact]
    public void Validate_StopsAtMaxViolations()
    {
        var schema = Compile("""{"items": {"type": "string"}}""");

        var violations = schema.Validate("[" + string.Join(",", Enumerable.Range(0, 500)) + "]");

        Assert.Equal(EventSchema.MaxViolations, violations.Count);
    }

    [Fact]
    public void Validate_Reports_DataThatIsNotJson()
    {
        var schema = Compile("{}");

        var violation = Assert.Single(schema.Validate("{\"a\":"));

        Assert.Equal("data", violation.Path);
        Assert.StartsWith("is not valid JSON", violation.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CyberTrackerSchema_Accepts_SampleObservation()
    {
        var schema = Compile(CyberTrackerSchema);

        Assert.Empty(schema.Validate(CyberTrackerSample));
    }

    [Theory]
    [InlineData("/location", "[11.394516667, -0.310066667, 0]", "data.location", "must have at least 4 items")]
    [InlineData("/location/1", "\"north\"", "data.location[1]", "must be of type number")]
    [InlineData("/uid", "\"B9B1-not-hex\"", "data.uid", "must match pattern ^[0-9a-f]{32}$")]
    [InlineData("/createTime", "\"17/06/2025 23:00\"", "data.createTime", "must be a valid date-time")]
    [InlineData("/records", null, "data.records", "is required")]
    [InlineData("/records", "[]", "data.records", "must have at least 1 item")]
    [InlineData("/records/0/uid", "42", "data.records[0].uid", "must be of type string")]
    [InlineData("/records/0/values/1/id", null, "data.records[0].values[1].id", "is required")]
    [InlineData("/records/0/values/0/value", "{\"nested\": true}", "data.records[0].values[0].value", "must be of type string, number, boolean or null")]
    [InlineData("/records/0/values/0/extra", "1", "data.records[0].values[0].extra", "is not allowed")]
    [InlineData("/project/title", null, "data.project.title", "is required")]
    public void CyberTrackerSchema_Rejects_BrokenObservation(string pointer, string? replacement, string path, string message)
    {
        var schema = Compile(CyberTrackerSchema);
        var broken = JsonNode.Parse(CyberTrackerSample)!;
        var segments = pointer.Split('/')[1..];
        var parent = segments[..^1].Aggregate(broken, (node, segment) => int.TryParse(segment, out var i) ? node[i]! : node[segment]!);
        var last = segments[^1];
        if (parent is JsonArray array)
        {
            array[int.Parse(last)] = JsonNode.Parse(replacement!);
        }
        else if (replacement is null)
        {
            parent.AsObject().Remove(last);
        }
        else
        {
            parent[last] = JsonNode.Parse(replacement);
        }

        var violations = schema.Validate(broken.ToJsonString());

        Assert.Equal([new SchemaViolation(path, message)], violations);
    }

    [Fact]
    public void Validate_GivesUp_OnCatastrophicBacktrackingPattern()
    {
        // The lookahead forces the backtracking engine, where (a+)+ is exponential on a near match.
        var schema = Compile("""{"properties": {"name": {"pattern": "^(?=.)(a+)+$"}}}""");
        var stopwatch = Stopwatch.StartNew();

        var violations = schema.Validate($$"""{"name": "{{new string('a', 40)}}!"}""");

        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(5), $"took {stopwatch.Elapsed}");
        var violation = Assert.Single(violations);
        Assert.Equal("data.name", violation.Path);
        Assert.Equal("could not be checked against pattern ^(?=.)(a+)+$ in time", violation.Message);
    }

    [Fact]
    public void Validate_MatchesNestedQuantifierPattern_InLinearTime()
    {
        var schema = Compile("""{"pattern": "^(a+)+$"}""");
        var stopwatch = Stopwatch.StartNew();

        var violations = schema.Validate($"\"{new string('a', 5000)}!\"");

        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(5), $"took {stopwatch.Elapsed}");
        Assert.Equal([new SchemaViolation("data", "must match pattern ^(a+)+$")], violations);
    }

    [Fact]
    public void Validate_ChecksUniqueItems_InLinearTime_WhenDistinctNumbersRoundToOneDouble()
    {
        // 8,000 distinct numbers that are all 1.0 as doubles: hashing by double put them in one
        // bucket, and comparing each with every earlier one took seconds (and, beyond decimal's 28
        // digits, wrongly found duplicates).
        var schema = Compile("""{"uniqueItems": true}""");
        var items = Enumerable.Range(1, 8000).Select(i => "1." + new string('0', 30) + i.ToString(CultureInfo.InvariantCulture) + "1");
        var data = "[" + string.Join(",", items) + "]";
        var stopwatch = Stopwatch.StartNew();

        var distinct = schema.Validate(data);
        var duplicated = schema.Validate(data[..^1] + ",1." + new string('0', 30) + "43211]");

        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(5), $"took {stopwatch.Elapsed}");
        Assert.Empty(distinct);
        Assert.Equal([new SchemaViolation("data", "must not contain duplicates (items 4320 and 8000 are equal)")], duplicated);
    }

    [Fact]
    public void Validate_GivesUp_OnExponentialSchema()
    {
        // Each level tries all four branches of the next: 4^15 visits unless the budget stops it.
        var branches = string.Join(", ", Enumerable.Repeat("""{"$ref": "#/$defs/d{0}"}""", 4));
        var definitions = string.Join(", ", Enumerable.Range(0, 15).Select(i => $$"""
            "d{{i}}": {"anyOf": [{{branches.Replace("{0}", (i + 1).ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)}}]}
            """));
        var schema = Compile("""{"$defs": {""" + definitions + """, "d15": false}, "$ref": "#/$defs/d0"}""");
        var stopwatch = Stopwatch.StartNew();

        var violations = schema.Validate("{}");

        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(5), $"took {stopwatch.Elapsed}");
        Assert.Contains(new SchemaViolation("data", "is too complex to check against this event type's schema"), violations);
    }

    [Fact]
    public void Validate_IsThreadSafe()
    {
        var schema = Compile(CyberTrackerSchema);
        var broken = CyberTrackerSample.Replace("[11.394516667,-0.310066667,0,1]", "[1,2]", StringComparison.Ordinal);

        Parallel.For(0, 2000, i =>
        {
            if (i % 2 == 0)
            {
                Assert.Empty(schema.Validate(CyberTrackerSample));
            }
            else
            {
                Assert.Equal([new SchemaViolation("data.location", "must have at least 4 items")], schema.Validate(broken));
            }
        });
    }

    private static EventSchema Compile(string schemaJson)
    {
        Assert.True(EventSchema.TryCompile(schemaJson, out var schema, out var errors), string.Join("\n", errors));
        return schema;
    }
}
