using System.Net;
using System.Text.Json.Nodes;

namespace Herald.Tests.Api;

/// <summary>The event type catalogue (docs/catalogs.md) and schema enforcement on publish.</summary>
public sealed class EventTypeTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private const string ScoreSchema = """
        {"type": "object", "required": ["audit_id", "score"],
         "properties": {"audit_id": {"type": "string"}, "score": {"type": "number", "minimum": 0, "maximum": 100}}}
        """;

    private HeraldTestServer Server => fixture.Server;

    [Fact]
    public async Task EventType_CanBeCreatedListedReadReplacedAndDeleted()
    {
        var org = await Server.NewOrgAsync();

        var created = await (await org.Client.PostJsonAsync("/v1/event-types", JsonNode.Parse($$"""
            {"name": "inspection.started", "description": "An inspection began", "schema": {{ScoreSchema}}}
            """))).ReadJsonAsync(HttpStatusCode.Created);
        Assert.Equal("inspection.started", created.Str("name"));
        Assert.Equal("An inspection began", created.Str("description"));
        Json.AssertEqual(JsonNode.Parse(ScoreSchema), created.At("schema"));
        Assert.EndsWith("Z", created.Str("created_at"));
        Assert.EndsWith("Z", created.Str("updated_at"));

        var bare = await (await org.Client.PostJsonAsync("/v1/event-types", new { name = "observation.created" })).ReadJsonAsync(HttpStatusCode.Created);
        Assert.Equal("", bare.Str("description"));
        Assert.True(bare.AsObject().ContainsKey("schema"), "schema is missing");
        Assert.Null(bare.At("schema"));

        var listed = await org.Client.ListAllAsync("/v1/event-types");
        Assert.Equal(["inspection.started", "observation.created"], listed.Select(t => t.Str("name")).Order(StringComparer.Ordinal));

        var fetched = await (await org.Client.GetAsync("/v1/event-types/inspection.started")).ReadJsonAsync(HttpStatusCode.OK);
        Json.AssertEqual(created, fetched);

        var replaced = await (await org.Client.PutJsonAsync("/v1/event-types/inspection.started", new { description = "Started" }))
            .ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal("inspection.started", replaced.Str("name"));
        Assert.Equal("Started", replaced.Str("description"));
        Assert.Null(replaced.At("schema"));
        Assert.Equal(created.Str("created_at"), replaced.Str("created_at"));

        // GET → PUT round trip of the whole resource.
        var roundTrip = await (await org.Client.PutJsonAsync("/v1/event-types/inspection.started", replaced)).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal("Started", roundTrip.Str("description"));

        var deleted = await org.Client.DeleteAsync("/v1/event-types/inspection.started");
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        await (await org.Client.GetAsync("/v1/event-types/inspection.started")).ExpectProblemAsync(HttpStatusCode.NotFound);
        await (await org.Client.DeleteAsync("/v1/event-types/inspection.started")).ExpectProblemAsync(HttpStatusCode.NotFound);
        await (await org.Client.PutJsonAsync("/v1/event-types/inspection.started", new { description = "x" })).ExpectProblemAsync(HttpStatusCode.NotFound);
        Assert.Equal(["observation.created"], (await org.Client.ListAllAsync("/v1/event-types")).Select(t => t.Str("name")));
    }

    [Fact]
    public async Task Create_Returns409_WhenTheNameIsAlreadyCatalogued()
    {
        var org = await Server.NewOrgAsync();
        await (await org.Client.PostJsonAsync("/v1/event-types", new { name = "dup.type" })).ExpectStatusAsync(HttpStatusCode.Created);

        var again = await org.Client.PostJsonAsync("/v1/event-types", new { name = "dup.type" });

        await again.ExpectProblemAsync(HttpStatusCode.Conflict);
    }

    [Theory]
    [InlineData("herald.x")]
    [InlineData("herald.endpoint.disabled")]
    [InlineData("HERALD.ping")]
    [InlineData("Herald.x")]
    public async Task Create_Returns422_WhenTheNameIsReserved(string name)
    {
        var response = await Server.Client.PostJsonAsync("/v1/event-types", new { name });

        await response.ExpectValidationErrorAsync("name");
    }

    [Theory]
    [InlineData("""{"description": "no name"}""", "name")]
    [InlineData("""{"name": "has space"}""", "name")]
    [InlineData("""{"name": "star.*"}""", "name")]
    [InlineData("""{"name": ".."}""", "name")]
    [InlineData("""{"name": "."}""", "name")]
    [InlineData("""{"name": "trailing."}""", "name")]
    [InlineData("""{"name": "a..b"}""", "name")]
    [InlineData("""{"name": "ok.name", "colour": "red"}""", "colour")]
    [InlineData("""{"name": "ok.name", "description": 5}""", "description")]
    public async Task Create_Returns422AtThePath_WhenTheBodyIsInvalid(string body, string path)
    {
        var response = await Server.Client.PostJsonAsync("/v1/event-types", body);

        await response.ExpectValidationErrorAsync(path);
    }

    [Theory]
    [InlineData("""{"type": 5}""")]
    [InlineData("""{"type": "whole-number"}""")]
    [InlineData("""{"minimum": "zero"}""")]
    [InlineData("""{"required": "score"}""")]
    [InlineData("""{"pattern": "(unclosed"}""")]
    public async Task Create_Returns422AtSchema_WhenTheSchemaIsNotValidJsonSchema(string schema)
    {
        var response = await Server.Client.PostJsonAsync("/v1/event-types", $$"""{"name": "{{ApiTestSupport.Unique("bad.schema")}}", "schema": {{schema}}}""");

        await response.ExpectValidationErrorAsync("schema");
    }

    [Fact]
    public async Task Put_Returns422AtSchema_WhenTheSchemaIsNotValidJsonSchema()
    {
        var org = await Server.NewOrgAsync();
        await (await org.Client.PostJsonAsync("/v1/event-types", new { name = "a.b" })).ExpectStatusAsync(HttpStatusCode.Created);

        var response = await org.Client.PutJsonAsync("/v1/event-types/a.b", JsonNode.Parse("""{"schema": {"type": 5}}"""));

        await response.ExpectValidationErrorAsync("schema");
    }

    [Fact]
    public async Task Publish_Returns422ListingTheViolations_WhenDataFailsTheCataloguedSchema()
    {
        var org = await Server.NewOrgAsync();
        await (await org.Client.PostJsonAsync("/v1/event-types", JsonNode.Parse($$"""{"name": "inspection.completed", "schema": {{ScoreSchema}}}""")))
            .ExpectStatusAsync(HttpStatusCode.Created);

        var wrongType = await org.Client.PostJsonAsync("/v1/events", new { type = "inspection.completed", data = new { audit_id = "audit_1", score = "high" } });
        var outOfRange = await org.Client.PostJsonAsync("/v1/events", new { type = "inspection.completed", data = new { audit_id = "audit_1", score = 101 } });
        var twoFaults = await org.Client.PostJsonAsync("/v1/events", new { type = "inspection.completed", data = new { audit_id = 7, score = -1 } });

        await wrongType.ExpectValidationErrorAsync("data.score");
        await outOfRange.ExpectValidationErrorAsync("data.score");
        var both = await twoFaults.ExpectValidationErrorAsync("data.score");
        Assert.NotNull(both.At("errors")!["data.audit_id"]);
        Assert.Empty(await org.Client.ListAllAsync("/v1/events"));
    }

    [Fact]
    public async Task Publish_Returns422AtData_WhenARequiredPropertyIsMissing()
    {
        var org = await Server.NewOrgAsync();
        await (await org.Client.PostJsonAsync("/v1/event-types", JsonNode.Parse($$"""{"name": "inspection.completed", "schema": {{ScoreSchema}}}""")))
            .ExpectStatusAsync(HttpStatusCode.Created);

        var response = await org.Client.PostJsonAsync("/v1/events", new { type = "inspection.completed", data = new { audit_id = "audit_1" } });

        var problem = await response.ReadJsonAsync((HttpStatusCode)422);
        var keys = problem.At("errors")!.AsObject().Select(e => e.Key).ToList();
        Assert.Contains(keys, k => k == "data" || k == "data.score");
    }

    [Fact]
    public async Task Publish_Returns202_WhenDataPassesTheCataloguedSchema()
    {
        var org = await Server.NewOrgAsync();
        await (await org.Client.PostJsonAsync("/v1/event-types", JsonNode.Parse($$"""{"name": "inspection.completed", "schema": {{ScoreSchema}}}""")))
            .ExpectStatusAsync(HttpStatusCode.Created);

        var accepted = await org.Client.PublishAsync(new { type = "inspection.completed", data = new { audit_id = "audit_1", score = 87.5 } });

        Assert.Equal("inspection.completed", accepted.Str("type"));
        var stored = await (await org.Client.GetAsync($"/v1/events/{accepted.Str("id")}")).ReadJsonAsync(HttpStatusCode.OK);
        Json.AssertEqual(new { audit_id = "audit_1", score = 87.5 }, stored.At("data"));
    }

    [Fact]
    public async Task Publish_EnforcesTheNewSchema_AfterTheTypeIsReplaced_AndNoneAfterItIsDeleted()
    {
        var org = await Server.NewOrgAsync();
        await (await org.Client.PostJsonAsync("/v1/event-types", new { name = "reading.taken" })).ExpectStatusAsync(HttpStatusCode.Created);
        await org.Client.PublishAsync(new { type = "reading.taken", data = new { value = "n/a" } });

        await (await org.Client.PutJsonAsync("/v1/event-types/reading.taken", JsonNode.Parse("""
            {"schema": {"type": "object", "properties": {"value": {"type": "number"}}}}
            """))).ExpectStatusAsync(HttpStatusCode.OK);
        var refused = await org.Client.PostJsonAsync("/v1/events", new { type = "reading.taken", data = new { value = "n/a" } });
        await refused.ExpectValidationErrorAsync("data.value");

        await (await org.Client.DeleteAsync("/v1/event-types/reading.taken")).ExpectStatusAsync(HttpStatusCode.NoContent);
        await org.Client.PublishAsync(new { type = "reading.taken", data = new { value = "n/a" } });
    }

    [Fact]
    public async Task Publish_AcceptsAnUncataloguedType()
    {
        var org = await Server.NewOrgAsync();

        var accepted = await org.Client.PublishAsync(new { type = "never.catalogued", data = new { anything = new[] { 1, 2, 3 } } });

        Assert.Equal("never.catalogued", accepted.Str("type"));
        await (await org.Client.GetAsync("/v1/event-types/never.catalogued")).ExpectProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task ASchemaInOneOrganization_DoesNotApplyInAnother()
    {
        var orgA = await Server.NewOrgAsync();
        var orgB = await Server.NewOrgAsync();
        await (await orgA.Client.PostJsonAsync("/v1/event-types", JsonNode.Parse($$"""{"name": "inspection.completed", "schema": {{ScoreSchema}}}""")))
            .ExpectStatusAsync(HttpStatusCode.Created);

        await orgB.Client.PublishAsync(new { type = "inspection.completed", data = new { score = "not a number" } });

        Assert.Empty(await orgB.Client.ListAllAsync("/v1/event-types"));
        await (await orgB.Client.GetAsync("/v1/event-types/inspection.completed")).ExpectProblemAsync(HttpStatusCode.NotFound);
    }
}
