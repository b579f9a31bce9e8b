using System.Text.Json;
using System.Text.Json.Nodes;
using Herald.Core.Filters;
using Herald.Core.Schemas;
using Herald.Core.Validation;

namespace Herald.Core.Tests;

/// <summary>
/// Payload filters and event schemas read numbers by one rule (<see cref="JsonNumbers"/>): a value
/// that passes <c>$eq</c> passes <c>const</c>, <c>$gte</c> agrees with <c>minimum</c>, and so on.
/// The cases are where converting to double or decimal — as the schema library's own
/// <c>enum</c>/<c>const</c>/<c>uniqueItems</c> and integer checks do — would disagree.
/// </summary>
public class NumberAgreementTests
{
    [Theory]
    [InlineData("1", "1.0", 0)]
    [InlineData("1", "1e0", 0)]
    [InlineData("1", "10e-1", 0)]
    [InlineData("100", "1E2", 0)]
    [InlineData("-0", "0", 0)]
    [InlineData("-0.0", "0e5", 0)]
    [InlineData("1e300", "1000e297", 0)]
    [InlineData("0.30000000000000004", "0.3", 1)]
    [InlineData("0.1", "0.3", -1)]
    [InlineData("9007199254740993", "9007199254740992", 1)]
    [InlineData("123456789012345678901234567891", "123456789012345678901234567890", 1)]
    [InlineData("1e300", "1.0000000000000000000000000000001e300", -1)]
    [InlineData("1e-30", "0", 1)]
    [InlineData("-1e-30", "0", -1)]
    [InlineData("1e-30", "-1e-30", 1)]
    [InlineData("1e-400", "0", 1)]
    [InlineData("1.0000000000000000000000000000001", "1", 1)]
    [InlineData("1e1000000000000000000000", "1", 1)]
    [InlineData("-2.5", "-2.50", 0)]
    public void FiltersAndSchemas_AgreeOnEqualityAndOrder(string value, string bound, int order)
    {
        Assert.Equal(order, Math.Sign(JsonNumbers.Compare(U(value), U(bound))));

        AssertAgree(value, "$eq", bound, "const", bound, order == 0);
        AssertAgree(value, "$ne", bound, "not", $$"""{"const": {{bound}}}""", order != 0);
        AssertAgree(value, "$in", $"[{bound}]", "enum", $"[{bound}]", order == 0);
        AssertAgree(value, "$gte", bound, "minimum", bound, order >= 0);
        AssertAgree(value, "$gt", bound, "exclusiveMinimum", bound, order > 0);
        AssertAgree(value, "$lte", bound, "maximum", bound, order <= 0);
        AssertAgree(value, "$lt", bound, "exclusiveMaximum", bound, order < 0);
    }

    [Theory]
    [InlineData("1", "1.0", false)]
    [InlineData("-0", "0", false)]
    [InlineData("1e300", "1000e297", false)]
    [InlineData("1e-30", "0", true)]
    [InlineData("9007199254740993", "9007199254740992", true)]
    [InlineData("1.0000000000000000000000000000001", "1", true)]
    public void UniqueItems_CountsAsDuplicates_WhatFiltersCallEqual(string a, string b, bool unique)
    {
        var schema = Compile("""{"uniqueItems": true}""");

        Assert.Equal(unique, schema.Validate($"[{a}, {b}]").Count == 0);
        Assert.Equal(!unique, Filter("""{"data.n": {"$eq": """ + b + "}}", a));
    }

    [Theory]
    [InlineData("1.0", true)]
    [InlineData("1e2", true)]
    [InlineData("-0", true)]
    [InlineData("1e300", true)]
    [InlineData("1.0000000000000000000000000000001e300", true)]
    [InlineData("1e-400", false)]
    [InlineData("1.0000000000000000001", false)]
    [InlineData("0.30000000000000004", false)]
    public void IntegerType_IsDecidedOnTheNumbersText(string value, bool integer)
    {
        Assert.Equal(integer, Compile("""{"type": "integer"}""").Validate(value).Count == 0);
    }

    private static void AssertAgree(string value, string filterOperator, string filterOperand, string keyword, string keywordValue, bool expected)
    {
        var filtered = Filter($$"""{"data.n": {"{{filterOperator}}": {{filterOperand}}""" + "}}", value);
        var schema = Compile($$"""{"properties": {"n": {"{{keyword}}": {{keywordValue}}""" + "}}}");
        var conforms = schema.Validate($$"""{"n": {{value}}}""").Count == 0;

        Assert.True(expected == filtered, $"filter {filterOperator} {filterOperand} on {value}: {filtered}");
        Assert.True(expected == conforms, $"schema {keyword} {keywordValue} on {value}: {conforms}");
    }

    private static bool Filter(string filter, string value)
    {
        var errors = new ValidationErrors();
        var parsed = PayloadFilter.Parse(JsonNode.Parse(filter)!.AsObject(), errors);
        Assert.NotNull(parsed);
        using var envelope = JsonDocument.Parse("""{"data": {"n": """ + value + "}}");
        return parsed.Matches(envelope.RootElement);
    }

    private static EventSchema Compile(string schemaJson)
    {
        Assert.True(EventSchema.TryCompile(schemaJson, out var schema, out var errors), string.Join("\n", errors));
        return schema;
    }

    private static byte[] U(string text) => System.Text.Encoding.UTF8.GetBytes(text);
}
