using System.Globalization;
using System.Text;
using System.Text.Json;
using DotLiquid;

namespace Herald.Core.Templates;

/// <summary>
/// A JSON object as Liquid sees it: a dictionary it can navigate (<c>data.audit.audit_id</c>), which
/// also keeps the exact bytes it was read from so the <c>json</c> filter writes it back untouched.
/// Keys are case-sensitive, unlike DotLiquid's <see cref="Hash"/>: <c>Name</c> and <c>name</c> are
/// different JSON members.
/// </summary>
internal sealed class JsonObjectValue() : Dictionary<string, object?>(StringComparer.Ordinal)
{
    public ReadOnlyMemory<byte> Raw { get; set; }

    // What join and string filters see.
    public override string ToString() => Encoding.UTF8.GetString(Raw.Span);
}

/// <summary>A JSON array as Liquid sees it (indexable, <c>size</c>, <c>first</c>), with its exact bytes.</summary>
internal sealed class JsonArrayValue : List<object?>
{
    public ReadOnlyMemory<byte> Raw { get; set; }

    public override string ToString() => Encoding.UTF8.GetString(Raw.Span);
}

/// <summary>
/// Turns the render inputs into the only values a template can reach: dictionaries, lists, strings,
/// numbers, booleans and nil. No .NET object of Herald's is ever handed to DotLiquid, so a template
/// cannot call into one.
/// </summary>
internal static class TemplateValues
{
    // Published bodies are read with a depth limit of 64 (Api/RequestBody); a little headroom.
    private const int MaxDepth = 128;

    public static Hash Variables(TemplateContext context)
    {
        var variables = new Hash();
        variables["event"] = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["id"] = context.EventId,
            ["type"] = context.EventType,
            ["timestamp"] = context.Timestamp,
            ["triggered_by"] = context.TriggeredByJson is { } triggeredBy ? Parse(Encoding.UTF8.GetBytes(triggeredBy)) : null,
        };
        variables["resource"] = context.ResourceType is null
            ? null
            : new Dictionary<string, object?>(StringComparer.Ordinal)
            {
                ["type"] = context.ResourceType,
                ["id"] = context.ResourceId,
            };
        variables["data"] = Parse(context.DataJson);
        variables["endpoint"] = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["id"] = context.EndpointId,
            ["name"] = context.EndpointName,
            ["url"] = context.EndpointUrl,
        };
        variables["delivery"] = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["id"] = context.DeliveryId,
            ["attempt"] = context.Attempt,
        };
        return variables;
    }

    /// <summary>Reads one JSON value; objects and arrays keep slices of <paramref name="json"/>, not copies.</summary>
    public static object? Parse(ReadOnlyMemory<byte> json)
    {
        var reader = new Utf8JsonReader(json.Span, new JsonReaderOptions { MaxDepth = MaxDepth });
        if (!reader.Read())
        {
            throw new JsonException("the value is empty");
        }
        var value = Read(ref reader, json);
        if (reader.Read())
        {
            throw new JsonException("more than one JSON value");
        }
        return value;
    }

    private static object? Read(ref Utf8JsonReader reader, ReadOnlyMemory<byte> json)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.StartObject:
            {
                var start = (int)reader.TokenStartIndex;
                var obj = new JsonObjectValue();
                while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
                {
                    var name = reader.GetString()!;
                    reader.Read();
                    // A repeated member: the last one wins, as in System.Text.Json's JsonNode.
                    obj[name] = Read(ref reader, json);
                }
                obj.Raw = json[start..(int)reader.BytesConsumed];
                return obj;
            }
            case JsonTokenType.StartArray:
            {
                var start = (int)reader.TokenStartIndex;
                var array = new JsonArrayValue();
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    array.Add(Read(ref reader, json));
                }
                array.Raw = json[start..(int)reader.BytesConsumed];
                return array;
            }
            case JsonTokenType.String:
                return reader.GetString();
            case JsonTokenType.Number:
                return Number(Encoding.ASCII.GetString(reader.ValueSpan));
            case JsonTokenType.True:
                return true;
            case JsonTokenType.False:
                return false;
            default:
                return null;
        }
    }

    /// <summary>
    /// A decimal when it writes back as the very same text (it keeps <c>0</c> vs <c>0.0</c> and
    /// integers up to 28 digits), else a double (exponents, very long numbers): the value the
    /// <c>json</c> filter writes is then equal, though not spelled the same.
    /// </summary>
    private static object Number(string text)
    {
        if (decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var exact)
            && exact.ToString(CultureInfo.InvariantCulture) == text)
        {
            return exact;
        }
        return double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);
    }
}
