using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using Herald.Core;
using Herald.Core.Model;
using Herald.Engine.Delivery;
using Herald.Core.Templates;

namespace Herald.Tests.Templates;

/// <summary>Endpoint body templates (format <c>template</c>, docs/templates.md).</summary>
public sealed class BodyTemplateTests
{
    // SafetyCulture's TRIGGER_EVENT_INSPECTION_STARTED webhook body, verbatim from its documentation.
    /// <summary>SafetyCulture's inspection-started webhook body, as the document shows it.</summary>
    internal const string SafetyCultureBody = Seeds.SeedPayloads.SafetyCultureInspectionStarted;

    // Also in docs/templates.md (Docs_ShowTheTemplatesTheseTestsRun keeps them identical).
    internal const string SafetyCultureTemplate = """
        {
          "version": "1.0.0",
          "workflow_id": "workflow_8abb7bff902a43a5b3bd498f4bebb42j",
          "event": {
            "date_triggered": {{ event.timestamp | json }},
            "event_types": [{% case event.type %}{% when "inspection.started" %}"audit_started"{% else %}{{ event.type | json }}{% endcase %}],
            "triggered_by": {
              "type": {{ event.triggered_by.type | json }},
              "user": {{ event.triggered_by.id | json }},
              "name": {{ event.triggered_by.name | json }}
            }
          },
          "data": {
            "audit": {{ data.audit | json }},
            "template": {{ data.template | json }}
          }
        }
        """;

    internal const string SysTrackTemplate = """
        {
          "notification": {{ event.type | json }},
          "recipient": {{ endpoint.name | json }},
          "triggered_at": {{ event.timestamp | json }},
          "severity": {{ data.severity | default: "info" | json }},
          "summary": {{ data.sensor.name | append: " on " | append: data.system.name | json }},
          "sensor": {{ data.sensor | json }},
          "system": {"name": {{ data.system.name | json }}, "user": {{ data.system.user | json }}},
          "applications": [{% for app in data.applications %}{{ app.name | json }}{% unless forloop.last %}, {% endunless %}{% endfor %}],
          "application_count": {{ data.applications.size }},
          "delivery": {"id": {{ delivery.id | json }}, "attempt": {{ delivery.attempt }}}
        }
        """;

    private static TemplateContext Context(
        string dataJson,
        string? triggeredByJson = null,
        string? resourceType = null,
        string? resourceId = null,
        int attempt = 1,
        string deliveryId = "dlv_01JX0000000000000000000001") =>
        new("evt_01JX0000000000000000000001", "test.happened", "2026-11-22T23:15:00.000Z", triggeredByJson, resourceType, resourceId,
            Encoding.UTF8.GetBytes(dataJson), "ep_01JX0000000000000000000001", "Field station backend", "https://example.org/hooks", deliveryId, attempt);

    private static BodyTemplate Parse(string source)
    {
        Assert.True(BodyTemplate.TryParse(source, out var template, out var error), error);
        return template;
    }

    private static string Render(string source, TemplateContext context)
    {
        var (body, error) = Parse(source).Render(context);
        Assert.Null(error);
        return Encoding.UTF8.GetString(body);
    }

    private static string RenderError(string source, TemplateContext context)
    {
        var (body, error) = Parse(source).Render(context);
        Assert.Empty(body);
        Assert.NotNull(error);
        return error;
    }

    private static void AssertJsonEqual(string expected, string actual) =>
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected), JsonNode.Parse(actual)), $"expected {expected}\nbut got {actual}");

    [Fact]
    public void SafetyCulture_TemplateReproducesTheDocumentedInspectionStartedBody()
    {
        var documented = JsonNode.Parse(SafetyCultureBody)!;
        // Published as Herald events are: the inspection's details in data, who did it in triggered_by.
        var evt = new HeraldEvent(
            "evt_01JX0000000000000000000001", "org_01JX0000000000000000000001", "inspection.started",
            new ResourceRef("inspection", "audit_7e9ee886325a4fb096989c3e2896e876"),
            """{"type": "user", "id": "user_bb5b6ba050bf43c1b447b6f299de4b67", "name": "John Smith"}""",
            DateTimeOffset.Parse("2017-06-29T05:15:19.136Z", System.Globalization.CultureInfo.InvariantCulture),
            DateTimeOffset.Parse("2017-06-29T05:15:20.000Z", System.Globalization.CultureInfo.InvariantCulture),
            Encoding.UTF8.GetBytes(documented["data"]!.ToJsonString()));

        var body = Render(SafetyCultureTemplate, ContextOf(evt, "ep_01JX0000000000000000000001", "dlv_01JX0000000000000000000001", 1));

        AssertJsonEqual(SafetyCultureBody, body);
    }

    [Fact]
    public void SafetyCulture_TemplateNamesAnUnmappedTypeAsHeraldDoes()
    {
        var body = JsonNode.Parse(Render(SafetyCultureTemplate, Context("""{"audit": {}, "template": {}}""") with { EventType = "inspection.archived" }))!;

        Assert.Equal("""["inspection.archived"]""", body["event"]!["event_types"]!.ToJsonString());
        Assert.Null(body["event"]!["triggered_by"]!["user"]);
    }

    [Fact]
    public void SysTrack_SensorNotificationTemplate_RendersTheNotification()
    {
        var context = Context(
            """
            {"severity": "critical",
             "sensor": {"id": "cpu-high", "name": "High CPU utilization", "threshold": 90, "value": 97.50},
             "system": {"name": "WS-0042", "user": "jdoe", "os": "Windows 11"},
             "applications": [{"name": "Excel"}, {"name": "Teams \"new\""}]}
            """,
            resourceType: "system", resourceId: "WS-0042", attempt: 2) with { EventType = "sensor.activated" };

        var body = Render(SysTrackTemplate, context);

        AssertJsonEqual(
            """
            {"notification": "sensor.activated", "recipient": "Field station backend", "triggered_at": "2026-11-22T23:15:00.000Z",
             "severity": "critical", "summary": "High CPU utilization on WS-0042",
             "sensor": {"id": "cpu-high", "name": "High CPU utilization", "threshold": 90, "value": 97.50},
             "system": {"name": "WS-0042", "user": "jdoe"},
             "applications": ["Excel", "Teams \"new\""], "application_count": 2,
             "delivery": {"id": "dlv_01JX0000000000000000000001", "attempt": 2}}
            """,
            body);
        // The sensor object goes out as published, number spelling included.
        Assert.Contains("\"value\": 97.50}", body, StringComparison.Ordinal);
    }

    [Fact]
    public void SysTrack_SensorNotificationTemplate_DefaultsTheSeverity()
    {
        var body = JsonNode.Parse(Render(SysTrackTemplate, Context("""{"sensor": {"name": "Disk full"}, "system": {"name": "WS-7"}, "applications": []}""")))!;

        Assert.Equal("info", body["severity"]!.GetValue<string>());
        Assert.Equal("Disk full on WS-7", body["summary"]!.GetValue<string>());
        Assert.Equal(0, body["application_count"]!.GetValue<int>());
    }

    public static TheoryData<string?, string?, string> Envelopes => new()
    {
        { """{"type":"user","id":"user_bb5b6ba0","name":"John Smith"}""", "inspection", """{"audit_id": "audit_7e9ee886", "score": 0, "ratio": 0.0, "big": 123456789012345678901234567890}""" },
        { null, null, """{"n":1}""" },
        { null, "inspection", "[1, 2.50, \"three\", null, true]" },
        { """{"type":"device"}""", null, "\"just a string\"" },
        { null, null, "null" },
    };

    [Theory]
    [MemberData(nameof(Envelopes))]
    public void EnvelopeTemplate_RendersHeraldsEnvelope(string? triggeredBy, string? resourceType, string data)
    {
        var evt = new HeraldEvent(
            "evt_01JX0000000000000000000009", "org_01JX0000000000000000000001", "inspection.started",
            resourceType is null ? null : new ResourceRef(resourceType, "audit_7e9ee886"),
            triggeredBy,
            resourceType is null ? null : DateTimeOffset.Parse("2017-06-29T05:15:19.136Z", System.Globalization.CultureInfo.InvariantCulture),
            DateTimeOffset.Parse("2026-11-22T23:15:00.5Z", System.Globalization.CultureInfo.InvariantCulture),
            Encoding.UTF8.GetBytes(data));

        var body = Render(BodyTemplate.EnvelopeTemplate, ContextOf(evt, "ep_01JX0000000000000000000002", "dlv_01JX0000000000000000000003", 4));

        AssertJsonEqual(Encoding.UTF8.GetString(Payloads.Envelope(evt, "ep_01JX0000000000000000000002", "dlv_01JX0000000000000000000003")), body);
        // Like the envelope, the template sends the published data bytes untouched.
        Assert.Contains("\"data\": " + data, body, StringComparison.Ordinal);
    }

    [Fact]
    public void Docs_ShowTheTemplatesTheseTestsRun()
    {
        var docs = File.ReadAllText(Path.Combine(HeraldProcess.FindRepositoryRoot(AppContext.BaseDirectory), "docs", "templates.md")).ReplaceLineEndings("\n");

        Assert.Contains(BodyTemplate.EnvelopeTemplate.ReplaceLineEndings("\n"), docs, StringComparison.Ordinal);
        Assert.Contains(SafetyCultureTemplate.ReplaceLineEndings("\n"), docs, StringComparison.Ordinal);
        Assert.Contains(SysTrackTemplate.ReplaceLineEndings("\n"), docs, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("plain")]
    [InlineData("say \"hi\"")]
    [InlineData("two\nlines\r\nand a\ttab")]
    [InlineData("back\\slash and /slash")]
    [InlineData("unicode: é ü 日本語 😀")]
    [InlineData("control \u0001 char")]
    [InlineData("a<b & 'c' > d")]
    [InlineData("")]
    public void JsonFilter_WritesStringsAsEscapedJsonStrings(string text)
    {
        var data = new JsonObject { ["s"] = text }.ToJsonString();

        var body = Render("""{"s": {{ data.s | json }}}""", Context(data));

        Assert.Equal(text, JsonNode.Parse(body)!["s"]!.GetValue<string>());
    }

    [Fact]
    public void JsonFilter_DoesNotEscapeForHtml()
    {
        var body = Render("{{ data.note | json }}", Context("""{"note": "a<b & \"c\" 'd' é"}"""));

        Assert.Equal("\"a<b & \\\"c\\\" 'd' é\"", body);
    }

    [Theory]
    [InlineData("0", "0")]
    [InlineData("0.0", "0.0")]
    [InlineData("-1.50", "-1.50")]
    [InlineData("12345678901234567890", "12345678901234567890")]
    [InlineData("1234567890123456789012345678", "1234567890123456789012345678")]
    [InlineData("3.14159265358979323846", "3.14159265358979323846")]
    [InlineData("1e3", "1000")]
    [InlineData("2.5E-7", "2.5E-07")]
    public void JsonFilter_WritesNumbersAsPublishedWhereADecimalHoldsThem(string published, string written)
    {
        var body = Render("{{ data.n | json }}", Context($$"""{"n": {{published}}}"""));

        Assert.Equal(written, body);
        AssertJsonEqual(published, body);
    }

    [Fact]
    public void JsonFilter_WritesObjectsAndArraysExactlyAsPublished()
    {
        const string audit = """{ "id" : "a1", "score":0.0, "tags":[ "x" ,"y"], "escaped": "caf\u00e9", "nested": {"deep": [1, {"k": null}]} }""";
        var context = Context($$"""{"audit": {{audit}}, "items": [10, "two", {"three": 3}, [4]]}""");

        Assert.Equal(audit, Render("{{ data.audit | json }}", context));
        Assert.Equal("""[10, "two", {"three": 3}, [4]]""", Render("{{ data.items | json }}", context));
        Assert.Equal("""{"three": 3}""", Render("{{ data.items[2] | json }}", context));
        Assert.Equal("[4]", Render("{{ data.items.last | json }}", context));
        Assert.Equal("""[ "x" ,"y"]""", Render("{{ data.audit.tags | json }}", context));
    }

    [Fact]
    public void JsonFilter_WritesNilBooleansAndComputedValues()
    {
        var context = Context("""{"yes": true, "no": false, "nothing": null, "n": 2}""");

        Assert.Equal(
            """[true, false, null, null, null, null, 3, "ab", "2"]""",
            Render(
                """[{{ data.yes | json }}, {{ data.no | json }}, {{ data.nothing | json }}, {{ data.missing | json }}, {{ event.triggered_by | json }}, {{ resource | json }}, {{ data.n | plus: 1 | json }}, {{ "a" | append: "b" | json }}, {{ data.n | append: "" | json }}]""",
                context));
    }

    [Fact]
    public void JsonFilter_WritesTheEventsOwnObjects()
    {
        var context = Context("{}", triggeredByJson: """{"type": "user", "id": "u1"}""", resourceType: "inspection", resourceId: "audit_1");

        Assert.Equal(
            """[{"type": "user", "id": "u1"}, {"type":"inspection","id":"audit_1"}, {"id":"dlv_01JX0000000000000000000001","attempt":1}]""",
            Render("[{{ event.triggered_by | json }}, {{ resource | json }}, {{ delivery | json }}]", context));
    }

    [Fact]
    public void Variables_NavigateDataAndNameTheEventEndpointAndDelivery()
    {
        var context = Context(
            """{"audit": {"audit_id": "audit_1", "audit-ref": "r-9"}, "items": ["a", "b", "c"], "Name": "upper", "name": "lower"}""",
            triggeredByJson: """{"type": "user", "name": "John Smith"}""", resourceType: "inspection", resourceId: "audit_1", attempt: 3);

        var body = Render(
            """
            ["{{ data.audit.audit_id }}", "{{ data.audit["audit-ref"] }}", "{{ data.items[0] }}", "{{ data.items[-1] }}", "{{ data.items.first }}",
             {{ data.items.size }}, "{{ data.items[9] }}", "{{ data.Name }}", "{{ data.name }}",
             "{{ event.id }}", "{{ event.type }}", "{{ event.timestamp }}", "{{ event.triggered_by.name }}",
             "{{ resource.type }}", "{{ resource.id }}", "{{ endpoint.id }}", "{{ endpoint.name }}", "{{ endpoint.url }}",
             "{{ delivery.id }}", {{ delivery.attempt }}]
            """,
            context);

        AssertJsonEqual(
            """
            ["audit_1", "r-9", "a", "c", "a", 3, "", "upper", "lower",
             "evt_01JX0000000000000000000001", "test.happened", "2026-11-22T23:15:00.000Z", "John Smith",
             "inspection", "audit_1", "ep_01JX0000000000000000000001", "Field station backend", "https://example.org/hooks",
             "dlv_01JX0000000000000000000001", 3]
            """,
            body);
    }

    [Fact]
    public void Variables_AreOnlyData_NoDotNetMembers()
    {
        var context = Context("""{"items": [1, 2]}""");

        Assert.Equal(
            "[null, null, null, null, null]",
            Render("[{{ data.Count | json }}, {{ data.Raw | json }}, {{ data.items.Capacity | json }}, {{ data.GetType | json }}, {{ event.Keys | json }}]", context));
    }

    [Fact]
    public void RawOutput_IsNotHtmlEscaped()
    {
        var body = Render("""{"note": "{{ data.note }}"}""", Context("""{"note": "a<b & 'c' > d"}"""));

        Assert.Equal("""{"note": "a<b & 'c' > d"}""", body);
    }

    [Fact]
    public void RawOutput_OfAQuoteInsideAJsonString_FailsTheAttemptAsInvalidJson()
    {
        var error = RenderError("""{"note": "{{ data.note }}"}""", Context("""{"note": "a<b & \"c\""}"""));

        Assert.StartsWith("the template did not render valid JSON: ", error, StringComparison.Ordinal);
        Assert.Contains("at byte 17 (line 1)", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("not json at all")]
    [InlineData("{\"a\": }")]
    [InlineData("{\"a\": 1} trailing")]
    [InlineData("{\"a\": 1,}")]
    [InlineData("{% if false %}{}{% endif %}")]
    [InlineData("{\"a\": {{ data.missing }}}")]
    public void Render_FailsWithAReason_WhenTheOutputIsNotJson(string source)
    {
        var error = RenderError(source, Context("{}"));

        Assert.StartsWith("the template did not render valid JSON: ", error, StringComparison.Ordinal);
        Assert.Contains(" at byte ", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_SaysWhereTheJsonBreaks_OnALaterLine()
    {
        var error = RenderError("{\n  \"a\": 1,\n  \"b\": oops\n}", Context("{}"));

        Assert.Equal("the template did not render valid JSON: 'o' is an invalid start of a value at byte 19 (line 3)", error);
    }

    [Theory]
    [InlineData("{% if %}{}{% endif %}", "if")]
    [InlineData("{% for x %}{% endfor %}", "for")]
    [InlineData("{% if true %}{}", "if")]
    [InlineData("{}{% endfor %}", "endfor")]
    [InlineData("{% frobnicate %}", "frobnicate")]
    [InlineData("{% assign %}", "assign")]
    public void TryParse_RefusesASyntaxError_NamingTheTag(string source, string tag)
    {
        Assert.False(BodyTemplate.TryParse(source, out var template, out var error));

        Assert.Null(template);
        Assert.StartsWith("the template does not parse: ", error, StringComparison.Ordinal);
        Assert.Contains(tag, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{% include 'secrets' %}", "include")]
    [InlineData("{\"a\": {%- include \"/etc/passwd\" -%}}", "include")]
    [InlineData("{% if true %}{%include x%}{% endif %}", "include")]
    [InlineData("{% render 'other' %}", "render")]
    [InlineData("{% extends 'base' %}", "extends")]
    public void TryParse_RefusesTagsThatReadOtherTemplates(string source, string tag)
    {
        Assert.False(BodyTemplate.TryParse(source, out _, out var error));

        Assert.Equal($"the {tag} tag is not supported: a template cannot read other templates", error);
    }

    [Fact]
    public void TryParse_AcceptsBlocksNestedUpToTheRenderLimit()
    {
        var source = Nested("{% if true %}", "{% endif %}", BodyTemplate.MaxNesting);

        Assert.Equal("{}", Render(source, Context("{}")));
    }

    [Theory]
    [InlineData("{% if true %}", "{% endif %}", BodyTemplate.MaxNesting + 1)]
    [InlineData("{% for i in (1..1) %}", "{% endfor %}", 1900)]
    [InlineData("{%-unless false-%}", "{%-endunless-%}", 1900)]
    [InlineData("{% capture c %}", "{% endcapture %}", 2000)]
    // A comment's body is not parsed, so the end tag inside it must not count as closing the loop.
    [InlineData("{% for i in (1..1) %}{% comment %}{% endfor %}{% endcomment %}", "{% endfor %}", 800)]
    public void TryParse_RefusesDeepNesting_InsteadOfOverflowingTheStack(string open, string close, int depth)
    {
        // Parsed on a thread with a small stack: the limit must hold well before DotLiquid's recursion would fail.
        string? error = null;
        var parsed = true;
        var thread = new Thread(() => parsed = BodyTemplate.TryParse(Nested(open, close, depth), out _, out error), 256 * 1024);
        thread.Start();
        thread.Join();

        Assert.False(parsed);
        Assert.Equal("the template nests blocks more than 80 deep", error);
    }

    private static string Nested(string open, string close, int depth) =>
        string.Concat(Enumerable.Repeat(open, depth)) + "{}" + string.Concat(Enumerable.Repeat(close, depth));

    [Fact]
    public void Render_ShortensDotLiquidsMessages()
    {
        var error = RenderError("{{ " + string.Concat(Enumerable.Repeat("data[", 5000)) + "'a'" + new string(']', 5000) + " | json }}", Context("{}"));

        Assert.StartsWith("the template failed: Variable 'data[data[", error, StringComparison.Ordinal);
        Assert.True(error.Length < 400, error);
    }

    [Theory]
    [InlineData("")]
    [InlineData("  \n ")]
    public void TryParse_RefusesAnEmptyTemplate(string source)
    {
        Assert.False(BodyTemplate.TryParse(source, out _, out var error));

        Assert.Equal("the template is empty", error);
    }

    [Fact]
    public void TryParse_RefusesATemplateOver64KiB()
    {
        var atLimit = "\"" + new string('x', BodyTemplate.MaxSourceBytes - 2) + "\"";

        Assert.True(BodyTemplate.TryParse(atLimit, out _, out _));
        Assert.False(BodyTemplate.TryParse(atLimit + " ", out _, out var error));
        Assert.Equal("the template is larger than 64 KiB", error);
        // The limit is on UTF-8 bytes, not characters.
        Assert.False(BodyTemplate.TryParse("\"" + new string('é', BodyTemplate.MaxSourceBytes / 2) + "\"", out _, out _));
    }

    [Fact]
    public void Render_StopsAHugeLoop_WithinTheLimits()
    {
        var clock = Stopwatch.StartNew();

        // A literal range this long is refused when saved (TemplateBoundsTests); a computed one is not.
        var error = RenderError("{% assign n = 100000000 %}{% for i in (1..n) %}x{% endfor %}", Context("{}"));

        // DotLiquid counts the range before the first iteration; on a busy machine the clock may win.
        Assert.Contains(error, new[] { "the template failed: Render Error - Maximum number of iterations 1000000 exceeded", "the template took longer than 1 s" });
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"took {clock.Elapsed}");
    }

    [Fact]
    public void Render_StopsALongRender_AfterOneSecond()
    {
        var clock = Stopwatch.StartNew();

        // 10^9 iterations, each loop within the iteration limit and writing nothing.
        var error = RenderError(
            "{% for a in (1..1000) %}{% for b in (1..1000) %}{% for c in (1..1000) %}{% endfor %}{% endfor %}{% endfor %}{}",
            Context("{}"));

        Assert.Equal("the template took longer than 1 s", error);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"took {clock.Elapsed}");
    }

    [Fact]
    public void Render_StopsAtOneMiB_OfOutput()
    {
        // 20,000 iterations of 64 characters: 1.28 million, stopped at the limit without waiting for the end.
        var error = RenderError("[{% for i in (1..20000) %}0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,{% endfor %}0]", Context("{}"));

        Assert.Equal("the template rendered more than 1 MiB", error);
    }

    [Fact]
    public void Render_CountsTheBodyLimitInUtf8Bytes()
    {
        // 400,002 characters, 1.2 MB once encoded.
        var data = new JsonObject { ["euros"] = new string('€', 400_000) }.ToJsonString(new System.Text.Json.JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });

        var error = RenderError("{{ data.euros | json }}", Context(data));

        Assert.Equal("the template rendered more than 1 MiB", error);
    }

    [Fact]
    public void Render_AllowsABodyUpToOneMiB()
    {
        var data = new JsonObject { ["blob"] = new string('x', 1024 * 1024 - 100) }.ToJsonString();

        var body = Render("{{ data.blob | json }}", Context(data));

        Assert.Equal(1024 * 1024 - 98, body.Length);
    }

    [Theory]
    [InlineData("{% assign s = \"xxxxxxxxxxxxxxxx\" %}{% for i in (1..40) %}{% assign s = s | append: s %}{% endfor %}{}", "append")]
    [InlineData("{% assign s = \"xxxxxxxxxxxxxxxx\" %}{% for i in (1..40) %}{% assign s = s | prepend: s %}{% endfor %}{}", "prepend")]
    [InlineData("{% assign long = \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\" %}{% assign s = \"aaaaaaaaaaaaaaaa\" %}{% for i in (1..8) %}{% assign s = s | replace: \"a\", long %}{% endfor %}{}", "replace")]
    [InlineData("{% assign parts = \"a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p\" | split: \",\" %}{% assign glue = \"--------------------------------\" %}{% for i in (1..30) %}{% assign glue = parts | join: glue %}{% endfor %}{}", "join")]
    public void Render_RefusesToGrowAStringPastTheLimit(string source, string filter)
    {
        var clock = Stopwatch.StartNew();

        var error = RenderError(source, Context("{}"));

        Assert.Equal($"the template failed: {filter} would build a string longer than 4 Mi characters", error);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"took {clock.Elapsed}");
    }

    [Fact]
    public void Render_KeepsTheStandardStringFilters()
    {
        var body = Render(
            """["{{ "a.b.c" | replace: ".", "-" }}", "{{ "a.b.c" | replace: "." }}", "{{ "(a+)+$" | replace: "(a+)+$", "literal" }}", "{{ "a,b" | split: "," | join: "+" }}", "{{ "x" | append: "y" | prepend: "w" }}", {{ data.items | join | json }}]""",
            Context("""{"items": [1, 2.50, "z", {"k": "v"}]}"""));

        Assert.Equal("""["a-b-c", "abc", "literal", "a+b", "wxy", "1 2.50 z {\"k\": \"v\"}"]""", body);
    }

    [Fact]
    public void TryParse_NamesAnUnknownFilter()
    {
        Assert.False(BodyTemplate.TryParse("""{"type": {{ event.type | jsn }}}""", out _, out var error));

        Assert.Equal("unknown filter 'jsn'", error);
    }

    [Fact]
    public void Render_ReportsAFilterFailure()
    {
        var error = RenderError("""{"n": {{ "abc" | plus: 1 }}}""", Context("{}"));

        Assert.StartsWith("the template failed: ", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_IsCorrectUnderConcurrency_OneParsedTemplateSharedByAllRenders()
    {
        var shared = Parse(SysTrackTemplate);
        var failures = new System.Collections.Concurrent.ConcurrentBag<string>();

        // More threads than cores share the template, but not so many that a render waits past the
        // 1 s wall-clock limit for a core while the other test assemblies run beside this one.
        Parallel.For(0, 1000, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount * 2 }, i =>
        {
            // Some renders use a template parsed meanwhile: saving endpoints runs beside the workers.
            var template = i % 10 == 0 ? Parse(SysTrackTemplate) : shared;
            var context = Context(
                $$"""{"severity": "s{{i}}", "sensor": {"name": "sensor {{i}}", "value": {{i}}.0}, "system": {"name": "host-{{i}}"}, "applications": [{{string.Join(", ", Enumerable.Range(0, i % 7).Select(a => $"{{\"name\": \"app{a}\"}}"))}}]}""",
                attempt: i % 8 + 1, deliveryId: $"dlv_{i:D26}") with { EventType = $"sensor.{i}" };

            var (body, error) = template.Render(context);

            var json = error is null ? JsonNode.Parse(body) : null;
            if (json is null
                || json["notification"]!.GetValue<string>() != $"sensor.{i}"
                || json["summary"]!.GetValue<string>() != $"sensor {i} on host-{i}"
                || json["sensor"]!.ToJsonString() != $$"""{"name":"sensor {{i}}","value":{{i}}.0}"""
                || json["application_count"]!.GetValue<int>() != i % 7
                || json["applications"]!.AsArray().Count != i % 7
                || json["delivery"]!["id"]!.GetValue<string>() != $"dlv_{i:D26}"
                || json["delivery"]!["attempt"]!.GetValue<int>() != i % 8 + 1)
            {
                failures.Add($"{i}: {error ?? Encoding.UTF8.GetString(body)}");
            }
        });

        Assert.Empty(failures);
    }

    private static TemplateContext ContextOf(HeraldEvent evt, string endpointId, string deliveryId, int attempt) => new(
        evt.Id, evt.Type, Times.Format(evt.OccurredAt ?? evt.CreatedAt), evt.TriggeredByJson, evt.Resource?.Type, evt.Resource?.Id,
        evt.Data, endpointId, "SafetyCulture receiver", "https://example.org/hooks", deliveryId, attempt);
}
