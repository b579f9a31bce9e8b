using System.Text;
using System.Text.Json;
using Herald.Core.Validation;

namespace Herald.Core.Tests;

public class JsonUtf16Tests
{
    private static UnpairedSurrogate? Find(string json) => JsonUtf16.FindUnpaired(Encoding.UTF8.GetBytes(json));

    [Theory]
    [InlineData("""{"type":"t.a","data":{"s":"\ud800"}}""", "data.s", "\\ud800")]
    [InlineData("""{"data":{"s":"ok \uDC00 tail"}}""", "data.s", "\\udc00")]
    [InlineData("""{"data":{"s":"\udc00\ud800"}}""", "data.s", "\\udc00")]
    [InlineData("""{"data":{"s":"\ud800x"}}""", "data.s", "\\ud800")]
    [InlineData("""{"data":{"s":"\ud800\u0041"}}""", "data.s", "\\ud800")]
    [InlineData("""{"data":{"s":"abc\ud83d"}}""", "data.s", "\\ud83d")]
    [InlineData("""{"endpoints":["a","\ud800"]}""", "endpoints[1]", "\\ud800")]
    [InlineData("""{"a":[1,{"b":[true,null,"\udfff"]}]}""", "a[1].b[2]", "\\udfff")]
    [InlineData("""{"name":"x","headers":[{"name":"h","value":"v"}],"metadata":{"k":"\ud800"}}""", "metadata.k", "\\ud800")]
    [InlineData("""["\ud800"]""", "$[0]", "\\ud800")]
    [InlineData("\"\\ud800\"", "$", "\\ud800")]
    public void FindUnpaired_NamesThePathAndTheEscape(string json, string path, string escape)
    {
        var found = Find(json);
        Assert.NotNull(found);
        Assert.Equal(path, found.Path);
        Assert.Equal(escape, found.Escape);
        Assert.False(found.InName);
        Assert.Equal($"contains an unpaired UTF-16 surrogate ({escape})", found.Reason);
    }

    [Theory]
    [InlineData("""{"\ud800":1}""", "$")]
    [InlineData("""{"data":{"ok":1,"\udc00\ud800":2}}""", "data")]
    public void FindUnpaired_ReportsAPropertyNameAtItsObject(string json, string path)
    {
        var found = Find(json);
        Assert.NotNull(found);
        Assert.Equal(path, found.Path);
        Assert.True(found.InName);
        Assert.StartsWith("has a property name that contains an unpaired UTF-16 surrogate", found.Reason);
    }

    [Theory]
    [InlineData("""{"data":{"s":"\ud83d\ude00"}}""")]
    [InlineData("""{"data":{"s":"\uD83D\uDE00 and \u00e9 and \\ud800"}}""")]
    [InlineData("""{"data":{"\ud83d\ude00":"😀"}}""")]
    [InlineData("""{"data":{"s":"\\\ud83d\ude00\\"}}""")]
    [InlineData("""{"n":1e400,"m":-0,"s":"plain"}""")]
    public void FindUnpaired_AcceptsValidUtf16(string json)
    {
        Assert.Null(Find(json));
        // The same text System.Text.Json can decode to strings.
        using var document = JsonDocument.Parse(json);
        Walk(document.RootElement);
    }

    [Fact]
    public void FindUnpaired_ReadsUpToTheFirstSyntaxError()
    {
        Assert.Equal("a", Find("""{"a":"\ud800", oops""")?.Path);
        Assert.Null(Find("""{"a": oops, "b":"\ud800"}"""));
        Assert.Null(Find(new string('[', 10_000) + "\"\\ud800\""));
    }

    [Fact]
    public void Repair_ReplacesEachUnpairedSurrogateAndKeepsPairs()
    {
        var stored = Encoding.UTF8.GetBytes("""{"a":"\ud800","b":"\udc00\ud800","c":"\ud83d\ude00","d":"\\ud800","\udfff":1}""");
        var repaired = JsonUtf16.Repair(stored);
        Assert.Equal("""{"a":"\ufffd","b":"\ufffd\ufffd","c":"\ud83d\ude00","d":"\\ud800","\ufffd":1}""", Encoding.UTF8.GetString(repaired));
        Assert.Null(JsonUtf16.FindUnpaired(repaired));
        using var document = JsonDocument.Parse(repaired);
        Assert.Equal("\uFFFD\uFFFD", document.RootElement.GetProperty("b").GetString());
    }

    [Fact]
    public void Repair_ReturnsTheSameInstanceWhenThereIsNothingToRepair()
    {
        var valid = Encoding.UTF8.GetBytes("""{"c":"\ud83d\ude00","e":"\u00e9"}""");
        Assert.Same(valid, JsonUtf16.Repair(valid));
        const string text = """{"who":"\u00e9"}""";
        Assert.Same(text, JsonUtf16.Repair(text));
        Assert.Equal("""{"who":"\ufffd"}""", JsonUtf16.Repair("""{"who":"\uD800"}"""));
    }

    private static void Walk(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    _ = property.Name;
                    Walk(property.Value);
                }
                break;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                {
                    Walk(item);
                }
                break;
            case JsonValueKind.String:
                _ = element.GetString();
                break;
        }
    }
}
