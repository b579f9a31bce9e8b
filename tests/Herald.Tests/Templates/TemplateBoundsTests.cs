using System.Collections;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Reflection;
using System.Text;
using System.Text.Json.Nodes;
using DotLiquid;
using Herald.Core.Templates;
using static Herald.Tests.Api.ApiTestSupport;

namespace Herald.Tests.Templates;

/// <summary>
/// The bounds on one render (time and memory, wherever the work happens: filters, captures,
/// outputs), where renders run, and what is refused when a template is saved.
/// </summary>
public sealed class TemplateBoundsTests
{
    /// <summary>
    /// Far above the 256 MiB budget plus the one step that may pass it, far below what the attacks
    /// allocated before renders were bounded (gigabytes).
    /// </summary>
    private const long AllocationBound = 512L * 1024 * 1024;

    private static readonly string TimeError = "the template took longer than 1 s";
    private static readonly string MemoryError = $"the template allocated more than {RenderBudget.MaxAllocatedBytes / (1024 * 1024)} MiB";

    private static TemplateContext Context(string dataJson = "{}") =>
        new("evt_01JX0000000000000000000001", "test.happened", "2026-11-22T23:15:00.000Z", null, null, null,
            Encoding.UTF8.GetBytes(dataJson), "ep_01JX0000000000000000000001", "Field station backend", "https://example.org/hooks",
            "dlv_01JX0000000000000000000001", 1);

    private static BodyTemplate Parse(string source)
    {
        Assert.True(BodyTemplate.TryParse(source, out var template, out var error), error);
        return template;
    }

    /// <summary>Renders on this thread, as a render thread does, and says what it allocated.</summary>
    private static (string? Error, long Allocated, TimeSpan Took) RenderBounded(string source, string dataJson = "{}")
    {
        var template = Parse(source);
        var before = GC.GetAllocatedBytesForCurrentThread();
        var clock = Stopwatch.StartNew();
        var (body, error) = template.Render(Context(dataJson));
        var took = clock.Elapsed;
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        if (error is not null)
        {
            Assert.Empty(body);
        }
        return (error, allocated, took);
    }

    private static string Repeat(string text, int times) => string.Concat(Enumerable.Repeat(text, times));

    [Fact]
    public void Render_StopsTheUniqChain_InsteadOfRunningForSeconds()
    {
        // Rendered for 13 s before renders were bounded: 300 uniq of 900,000 items.
        var (error, allocated, took) = RenderBounded("{{ (1..900000)" + Repeat(" | uniq", 300) + " | size }}");

        Assert.Contains(error, new[] { MemoryError, TimeError });
        Assert.True(allocated < AllocationBound, $"allocated {allocated:N0} bytes");
        Assert.True(took < TimeSpan.FromSeconds(30), $"took {took}");
    }

    [Fact]
    public void Render_StopsTheJsonSplitChain_BeforeItBuildsTheString()
    {
        // Peaked at 3.5 GiB for one render before: every json escapes the quotes of the one before.
        var (error, allocated, _) = RenderBounded("{{ (1..900000) | json | split: \",\" | json | json | json | json | json | json | size }}");

        Assert.Contains(error, new[] { "the template failed: json would build a string longer than 4 Mi characters", TimeError });
        Assert.True(allocated < AllocationBound, $"allocated {allocated:N0} bytes");
    }

    public static TheoryData<string, string, string[]> Attacks => new()
    {
        {
            "json of split, smaller range: the escaping grows it past the limit a step later",
            "{{ (1..400000) | json | split: \",\" | json | json | json | json | size }}",
            ["the template failed: json would build a string longer than 4 Mi characters", "the template failed: json would build a value larger than 4 Mi characters and items", MemoryError]
        },
        {
            "sort chain", "{{ (1..900000)" + Repeat(" | sort", 200) + " | size }}", [MemoryError, TimeError]
        },
        {
            "sort by a property, which DotLiquid resolves on every comparison",
            "{{ (1..1000000) | sort: \"x\" | sort: \"y\" | sort: \"z\" | size }}", [MemoryError, TimeError]
        },
        {
            "reverse chain", "{{ (1..900000)" + Repeat(" | reverse", 300) + " | size }}", [MemoryError, TimeError]
        },
        {
            "map chain", "{{ (1..900000)" + Repeat(" | map: \"x\"", 300) + " | size }}", [MemoryError, TimeError]
        },
        {
            "split and join chain", "{% assign s = (1..500000) | join: \",\" %}{{ s" + Repeat(" | split: \",\" | join: \",\"", 200) + " | size }}",
            [MemoryError, TimeError]
        },
        {
            "split into characters", "{% assign s = (1..900000) | join: \"\" %}{{ s | split: \"\" | size }}",
            ["the template failed: join would build a string longer than 4 Mi characters", "the template failed: split would build a value larger than 4 Mi characters and items"]
        },
        {
            "concat doubling", "{% assign a = (1..1000) %}{% for i in (1..40) %}{% assign a = a | concat: a %}{% endfor %}{{ a | size }}",
            ["the template failed: concat would build a value larger than 4 Mi characters and items", MemoryError, TimeError]
        },
        {
            "append doubling", "{% assign s = \"xxxxxxxxxxxxxxxx\" %}{% for i in (1..40) %}{% assign s = s | append: s %}{% endfor %}{}",
            ["the template failed: append would build a string longer than 4 Mi characters"]
        },
        {
            "capture doubling in a loop", "{% assign s = \"xxxxxxxxxxxxxxxx\" %}{% for i in (1..40) %}{% capture s %}{{ s }}{{ s }}{% endcapture %}{% endfor %}{}",
            ["the template failed: capture would build a string longer than 4 Mi characters"]
        },
        {
            "capture around a loop of literal text",
            "{% capture s %}{% for i in (1..1000000) %}" + new string('x', 4000) + "{% endfor %}{% endcapture %}{}",
            ["the template failed: capture would build a string longer than 4 Mi characters"]
        },
        {
            "ifchanged around a loop", "{% ifchanged %}{% for i in (1..1000000) %}" + new string('x', 4000) + "{% endfor %}{% endifchanged %}",
            ["the template failed: ifchanged would build a string longer than 4 Mi characters"]
        },
        {
            "nested ranges", "{% for a in (1..1000000) %}{% for b in (1..1000000) %}{% assign c = b | plus: a %}{% endfor %}{% endfor %}{}",
            [MemoryError, TimeError]
        },
        {
            "escape growth", "{% assign s = (1..500000) | join: \"<\" %}{{ s | escape | size }}",
            ["the template failed: escape would build a string longer than 4 Mi characters"]
        },
        {
            "an array of one long string, output whole",
            "{% assign s = (1..500000) | join: \",\" %}{% assign a = s | split: \"|\" %}{% for i in (1..20) %}{% assign a = a | concat: a %}{% endfor %}{{ a }}",
            ["the template failed: concat would build a value larger than 4 Mi characters and items", MemoryError, TimeError]
        },
    };

    [Theory]
    [MemberData(nameof(Attacks))]
    public void Render_StopsAHostileTemplate_WithAClearError_AndBoundedAllocation(string attack, string source, string[] errors)
    {
        var (error, allocated, took) = RenderBounded(source);

        // On a busy machine the 1 s clock may stop a render before the bound it was written to reach.
        Assert.True(errors.Contains(error) || error == TimeError, $"{attack}: {error}");
        Assert.True(allocated < AllocationBound, $"{attack}: allocated {allocated:N0} bytes");
        Assert.True(took < TimeSpan.FromSeconds(30), $"{attack}: took {took}");
    }

    [Fact]
    public void Render_OfALargeEvent_LeavesRoomInTheMemoryBudget()
    {
        // 1,000 objects, each written out in a loop: what a legitimate heavy template does. Twenty
        // times as many (700 KB of event) must still fit the budget, which DotLiquid's own loop
        // costs (about 4 KiB an iteration) decide more than anything Herald does. Small enough that
        // the 1 s clock never decides it on a busy machine.
        var data = "{\"items\": [" + string.Join(",", Enumerable.Range(0, 1_000).Select(i => $$"""{"id": {{i}}, "name": "item {{i}}"}""")) + "]}";
        var template = Parse("[{% for item in data.items %}{% unless forloop.first %},{% endunless %}{\"n\": {{ item.name | upcase | json }}}{% endfor %}]");
        template.Render(Context(data));

        var before = GC.GetAllocatedBytesForCurrentThread();
        var (body, error) = template.Render(Context(data));
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Null(error);
        Assert.Equal(1_000, JsonNode.Parse(body)!.AsArray().Count);
        Assert.True(20 * allocated < RenderBudget.MaxAllocatedBytes, $"allocated {allocated:N0} bytes");
    }

    [Fact]
    public void Filters_ReplaceEveryDotLiquidStandardFilter_WithTheSameParameters()
    {
        // A filter that DotLiquid adds in an upgrade would run without the render's checks.
        var ours = typeof(TemplateFilters).GetMethods(BindingFlags.Public | BindingFlags.Static)
            .Select(Signature)
            .ToHashSet(StringComparer.Ordinal);
        var standard = typeof(StandardFilters).GetMethods(BindingFlags.Public | BindingFlags.Static).Select(Signature).ToList();

        Assert.True(standard.Count >= 50, $"only {standard.Count} standard filters found");
        Assert.All(standard, signature => Assert.Contains(signature, ours));

        static string Signature(MethodInfo method) =>
            method.Name + "(" + string.Join(",", method.GetParameters().Select(p => p.ParameterType.Name + (p.HasDefaultValue ? "=" + p.DefaultValue : ""))) + ")";
    }

    public static TheoryData<string> StandardExpressions => new()
    {
        "\"c,a,B,b\" | split: \",\" | sort | join: \"-\"",
        "\"c,a,B,b\" | split: \",\" | sort_natural | join: \"-\"",
        "\"a,b,a,c\" | split: \",\" | uniq | reverse | join",
        "\"a,b,c\" | split: \",\" | first",
        "\"a,b,c\" | split: \",\" | last",
        "\"a,b,c\" | split: \",\" | size",
        "\"a,b\" | split: \",\" | concat: \"c\" | join: \"+\"",
        "\"hello\" | slice: 1, 3",
        "\"Hello World\" | upcase | downcase | capitalize",
        "\"<p>a & 'b'</p>\" | escape",
        "\"&lt;a&gt; & <b>\" | escape_once",
        "\"<b>bold</b> text\" | strip_html",
        "{% capture s %}a\nb{% endcapture %}{{ s | newline_to_br }}",
        "\"a b&c=d/é\" | url_encode",
        "\"a+b%26c\" | url_decode",
        "\"héllo\" | base64_encode",
        "\"aMOpbGxv\" | base64_decode",
        "\"héllo?>\" | base64_url_safe_encode",
        "\"The quick brown fox\" | truncate: 10",
        "\"The quick brown fox jumps\" | truncate_words: 2",
        "\"  pad  \" | strip | append: \"|\"",
        "\"  pad  \" | lstrip | append: \"|\"",
        "\"  pad  \" | rstrip | append: \"|\"",
        "{% capture s %}a\nb\r\nc{% endcapture %}{{ s | strip_newlines }}",
        "\"a.b.c\" | replace_first: \".\", \"-\"",
        "\"a.b.c\" | remove: \".\"",
        "\"a.b.c\" | remove_first: \".\"",
        "\"2020-03-04T05:06:07Z\" | date: \"%Y-%m-%d %H:%M\"",
        "4 | plus: 2.5",
        "4 | minus: 6",
        "3 | times: 1.5",
        "7 | divided_by: 2",
        "7 | modulo: 3",
        "3.14159 | round: 2",
        "3.2 | ceil",
        "3.8 | floor",
        "-3 | abs",
        "3 | at_least: 5",
        "9 | at_most: 5",
        "nothing | default: \"fallback\"",
        "\"a,,b\" | split: \",\" | compact | join: \"+\"",
        "12.5 | currency",
        "\"a,b\" | split: \",\" | map: \"size\" | join",
        "\"a,b\" | split: \",\" | where: \"size\", 1 | join",
        "\"a b c\" | h",
    };

    [Theory]
    [MemberData(nameof(StandardExpressions))]
    public void Filters_RenderAsDotLiquidsOwn(string expression)
    {
        var fragment = expression.StartsWith("{%", StringComparison.Ordinal) ? expression : "{{ " + expression + " }}";
        // DotLiquid on its own: the standard filters, the same syntax and culture.
        var expected = Template.Parse(fragment, SyntaxCompatibility.DotLiquid22a)
            .Render(new RenderParameters(CultureInfo.InvariantCulture) { SyntaxCompatibilityLevel = SyntaxCompatibility.DotLiquid22a, ErrorsOutputMode = ErrorsOutputMode.Rethrow });

        var (body, error) = Parse("{% capture v %}" + fragment + "{% endcapture %}{{ v | json }}").Render(Context());

        Assert.Null(error);
        Assert.Equal(expected, JsonNode.Parse(body)!.GetValue<string>());
    }

    [Theory]
    [InlineData("{\"type\": {{ event.type | jsn }}}", "unknown filter 'jsn'")]
    [InlineData("{% assign t = event.type | upcase | shout %}{{ t | json }}", "unknown filter 'shout'")]
    [InlineData("{% for i in (1..1000001) %}{% endfor %}{}", "the range (1..1000001) has more than 1,000,000 items, the most a loop may iterate")]
    [InlineData("{{ (0..99999999999999999999) | size }}", "the range (0..99999999999999999999) has more than 1,000,000 items, the most a loop may iterate")]
    [InlineData("<table>{% tablerow i in (1..3) %}{{ i }}{% endtablerow %}</table>", "the tablerow tag is not supported: it writes HTML tables, not JSON")]
    public void TryParse_RefusesWhatCannotRender(string source, string reason)
    {
        Assert.False(BodyTemplate.TryParse(source, out _, out var error));
        Assert.Equal(reason, error);
    }

    [Theory]
    [InlineData("{\"text\": {{ \"a | shout\" | json }}}")]
    [InlineData("{% raw %}{{ x | shout }}{% endraw %}{}")]
    [InlineData("{% comment %}{{ x | shout }} (1..9999999){% endcomment %}{}")]
    [InlineData("{\"range\": {{ \"(1..9999999)\" | json }}}")]
    [InlineData("{% for i in (1..1000000) %}{% endfor %}{}")]
    [InlineData("{% if a | shout %}{% endif %}{}")]
    public void TryParse_AcceptsFilterNamesAndRangesDotLiquidWillNotRun(string source)
    {
        Assert.True(BodyTemplate.TryParse(source, out _, out var error), error);
    }

    [Fact]
    public void TryParse_CountsNestingInsideAComment()
    {
        var nested = Repeat("{% if true %}", 81) + Repeat("{% endif %}", 81);

        Assert.False(BodyTemplate.TryParse("{% comment %}" + nested + "{% endcomment %}{}", out _, out var error));
        Assert.Equal("the template nests blocks more than 80 deep", error);
        // What opens in a comment closes with it; raw bodies are text to DotLiquid and are not counted.
        Assert.True(BodyTemplate.TryParse("{% comment %}" + Repeat("{% if true %}", 80) + "{% endcomment %}" + Repeat("{% if true %}", 80) + Repeat("{% endif %}", 80) + "{}", out _, out error), error);
        Assert.True(BodyTemplate.TryParse("{% raw %}" + nested + "{% endraw %}", out _, out error), error);
        // DotLiquid really keeps a raw body as text: 5,000 levels parsed recursively would overflow the stack.
        Assert.True(BodyTemplate.TryParse("\"{% raw %}" + Repeat("{%if true%}", 5000) + "{% endraw %}\"", out var raw, out error), error);
        var (body, renderError) = raw.Render(Context());
        Assert.Null(renderError);
        Assert.Equal("\"" + Repeat("{%if true%}", 5000) + "\"", Encoding.UTF8.GetString(body));
    }

    [Fact]
    public async Task Renderer_FailsAtOnce_RendersThatWouldWaitLongerThanFiveSeconds_ByTheOrganizationsRenderTimes()
    {
        var renderer = new TemplateRenderer(1);
        var slow = Parse("{% for a in (1..1000) %}{% for b in (1..1000) %}{% for c in (1..1000) %}{% endfor %}{% endfor %}{% endfor %}{}");
        const string NotRendered = "the template was not rendered: this organization's renders already waiting would take more than 5 s";

        // Nothing is known of the organization yet: all ten wait. Once one took a second, only the
        // first five behind it still may; the others and any new one fail without waiting.
        var first = Enumerable.Range(0, 10).Select(_ => renderer.RenderAsync(slow, Context(), "org_slow", CancellationToken.None)).ToList();
        await first[0];
        // The render thread may or may not have taken the next render by now, and the first took a
        // second or a hair more: of two more renders, the second would wait longer than 5 s either way.
        var later = await Task.WhenAll(
            renderer.RenderAsync(slow, Context(), "org_slow", CancellationToken.None),
            renderer.RenderAsync(slow, Context(), "org_slow", CancellationToken.None));
        var results = await Task.WhenAll(first);

        Assert.Equal(NotRendered, later[1].Error);
        Assert.Contains(later[0].Error, new[] { TimeError, NotRendered, "the template waited more than 5 s for a render thread" });
        Assert.Equal(TimeError, results[0].Error);
        Assert.Contains(results, r => r.Error == NotRendered);
        // The last of those may still pass five seconds of waiting when the renders before it are slow.
        Assert.All(results, r => Assert.Contains(r.Error, new[] { TimeError, NotRendered, "the template waited more than 5 s for a render thread" }));
        Assert.True(results.Count(r => r.Error == TimeError) <= 7, string.Join(", ", results.Select(r => r.Error)));
        // Another organization is not held to the first one's render times.
        Assert.Null((await renderer.RenderAsync(Parse("{}"), Context(), "org_fast", CancellationToken.None)).Error);
    }

    [Fact]
    public async Task Renderer_TakesOrganizationsInTurn_SoOneOrganizationsSlowRendersDoNotQueueAheadOfAnother()
    {
        var renderer = new TemplateRenderer(1);
        // Each stopped by the 1 s clock.
        var slow = Parse("{% for a in (1..1000) %}{% for b in (1..1000) %}{% for c in (1..1000) %}{% endfor %}{% endfor %}{% endfor %}{}");
        var fast = Parse("{\"ok\": true}");

        var hostile = Enumerable.Range(0, 5).Select(_ => renderer.RenderAsync(slow, Context(), "org_hostile", CancellationToken.None)).ToList();
        var other = await renderer.RenderAsync(fast, Context(), "org_other", CancellationToken.None);
        var hostileDone = hostile.Count(t => t.IsCompleted);

        Assert.Null(other.Error);
        Assert.True(hostileDone <= 2, $"{hostileDone} hostile renders ran first");
        Assert.All(await Task.WhenAll(hostile), r => Assert.Equal(TimeError, r.Error));
    }
}

/// <summary>Save-time refusals through the API, and one organization's hostile templates beside another's deliveries.</summary>
public sealed class TemplateBoundsServerTests
{
    [Theory]
    [InlineData("{\"type\": {{ event.type | jsn }}}", "unknown filter 'jsn'")]
    [InlineData("{% for i in (1..5000000) %}{% endfor %}{}", "more than 1,000,000 items")]
    [InlineData("{% comment %}NESTED{% endcomment %}{}", "nests blocks more than 80 deep")]
    public async Task CreateEndpoint_Returns422AtTemplate_WhenTheTemplateCannotRender(string template, string reason)
    {
        await using var server = await HeraldTestServer.StartAsync();
        template = template.Replace("NESTED", string.Concat(Enumerable.Repeat("{% if true %}", 81)) + string.Concat(Enumerable.Repeat("{% endif %}", 81)), StringComparison.Ordinal);

        var response = await server.Client.PostJsonAsync("/v1/endpoints", new JsonObject
        {
            ["name"] = Unique("ep"),
            ["url"] = QuietUrl,
            ["format"] = "template",
            ["template"] = template,
        });

        var problem = await response.ExpectValidationErrorAsync("template");
        Assert.Contains(reason, problem.At("errors")!["template"]![0]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task HostileTemplates_FailTheirAttempts_WhileAnotherOrganizationPublishesAndIsDelivered()
    {
        await using var receiver = await TestReceiver.StartAsync();
        await using var server = await HeraldTestServer.StartAsync();
        var hostile = await server.NewOrgAsync();
        var other = await server.NewOrgAsync();
        string[] attacks =
        [
            "{{ (1..900000)" + string.Concat(Enumerable.Repeat(" | uniq", 300)) + " | size }}",
            "{{ (1..900000) | json | split: \",\" | json | json | json | json | size }}",
            "{{ (1..900000)" + string.Concat(Enumerable.Repeat(" | sort", 200)) + " | size }}",
            "{% for a in (1..1000000) %}{% for b in (1..1000000) %}{% assign c = b | plus: a %}{% endfor %}{% endfor %}{}",
        ];
        foreach (var (attack, i) in attacks.Select((a, i) => (a, i)))
        {
            await hostile.Client.CreateEndpointAsync(EndpointBody(receiver.Url($"/hostile/{i}"), new JsonObject { ["format"] = "template", ["template"] = attack }));
        }
        await other.Client.CreateEndpointAsync(EndpointBody(receiver.Url("/other"), new JsonObject
        {
            ["format"] = "template",
            ["template"] = "{\"type\": {{ event.type | json }}, \"n\": {{ data.n | json }}}",
        }));

        // Twenty events, each to the four hostile endpoints, then the other organization's events.
        await Task.WhenAll(Enumerable.Range(0, 20).Select(i => hostile.Client.PublishAsync(new { type = "attack.started", data = new { i } })));
        var clock = Stopwatch.StartNew();
        for (var n = 0; n < 3; n++)
        {
            var publish = other.Client.PublishAsync(new { type = "reading.taken", data = new { n } });
            Assert.True(await Task.WhenAny(publish, Task.Delay(TimeSpan.FromSeconds(10))) == publish, "a publish did not answer within 10 s");
            await publish;
        }
        var ready = server.Client.GetAsync("/health/ready");
        Assert.True(await Task.WhenAny(ready, Task.Delay(TimeSpan.FromSeconds(10))) == ready, "/health/ready did not answer within 10 s");
        await (await ready).ExpectStatusAsync(HttpStatusCode.OK);

        IReadOnlyList<ReceivedRequest> delivered;
        try
        {
            delivered = await receiver.WaitForAsync("/other", 3, TimeSpan.FromSeconds(30));
        }
        catch (TimeoutException ex)
        {
            var attempts = new StringBuilder();
            foreach (var delivery in await other.Client.ListAllAsync("/v1/deliveries?limit=100"))
            {
                attempts.Append(CultureInfo.InvariantCulture, $"{delivery.ToJsonString()} ");
                attempts.Append(await other.Client.GetStringAsync($"/v1/deliveries/{delivery.Str("id")}")).Append('\n');
            }
            throw new TimeoutException($"{ex.Message}\n{attempts}", ex);
        }
        Assert.Equal(new[] { 0, 1, 2 }, delivered.Select(r => r.Json()["n"]!.GetValue<int>()).Order());
        Assert.All(delivered, r => Assert.Equal("reading.taken", r.Json()["type"]!.GetValue<string>()));

        // The hostile attempts failed with the bound that stopped them, and nothing was sent for them.
        var errors = new List<string>();
        var deadline = DateTime.UtcNow.AddSeconds(120);
        List<JsonNode> failed;
        while ((failed = await hostile.Client.ListAllAsync("/v1/deliveries?status=failed&limit=100")).Count < attacks.Length)
        {
            Assert.True(DateTime.UtcNow < deadline, $"only {failed.Count} hostile deliveries failed");
            await Task.Delay(200);
        }
        foreach (var delivery in failed.Take(attacks.Length))
        {
            var detail = await (await hostile.Client.GetAsync($"/v1/deliveries/{delivery.Str("id")}")).ReadJsonAsync(HttpStatusCode.OK);
            errors.Add(detail.At("attempts[0].error")!.GetValue<string>());
        }
        Assert.All(errors, error => Assert.True(
            error is "the template took longer than 1 s" or "the template failed: json would build a string longer than 4 Mi characters"
                || error.StartsWith("the template allocated more than", StringComparison.Ordinal)
                || error.StartsWith("the template waited more than", StringComparison.Ordinal)
                || error.StartsWith("the template was not rendered: this organization's renders already waiting", StringComparison.Ordinal),
            error));
        Assert.DoesNotContain(receiver.Requests, r => r.Path.StartsWith("/hostile", StringComparison.Ordinal));
    }
}
