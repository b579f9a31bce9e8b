using System.Net;
using System.Text.Json.Nodes;
using Herald.Tests.Api;

namespace Herald.Tests.Cli;

/// <summary><c>herald catalog import FILE</c> against a real server (docs/catalogs.md).</summary>
public sealed class CatalogImportTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private HeraldTestServer Server => fixture.Server;

    public static TheoryData<string> ShippedCatalogues()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.GetFiles(CliRunner.CatalogsDirectory, "*.json").Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(file));
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(ShippedCatalogues))]
    public async Task Import_CreatesEveryEventTypeOfTheFile_InAFreshOrganization(string fileName)
    {
        var org = await Server.NewOrgAsync();
        var file = JsonNode.Parse(await File.ReadAllTextAsync(CliRunner.CatalogPath(fileName)))!;
        var expected = file["event_types"]!.AsArray().Select(t => t!).ToList();

        var run = await ImportAsync(org, CliRunner.CatalogPath(fileName), "--json");

        Assert.True(run.ExitCode == 0, run.ToString());
        var summary = JsonNode.Parse(run.Out)!;
        Assert.Equal(expected.Count, summary["created"]!.GetValue<int>());
        Assert.Equal(0, summary["updated"]!.GetValue<int>());
        Assert.Equal(0, summary["failed"]!.GetValue<int>());
        Assert.All(summary["event_types"]!.AsArray(), t => Assert.Equal("created", t!.Str("result")));

        var stored = (await org.Client.ListAllAsync("/v1/event-types?limit=250")).ToDictionary(t => t.Str("name"));
        Assert.Equal(expected.Count, stored.Count);
        foreach (var type in expected)
        {
            var name = type.Str("name");
            Assert.True(stored.ContainsKey(name), $"{name} was not created");
            Assert.Equal(type.Str("description"), stored[name].Str("description"));
            Json.AssertEqual(type["schema"], stored[name]["schema"]);
        }
    }

    [Theory]
    [MemberData(nameof(ShippedCatalogues))]
    public async Task Import_UpdatesEveryEventType_WhenRunASecondTime(string fileName)
    {
        var org = await Server.NewOrgAsync();
        var count = JsonNode.Parse(await File.ReadAllTextAsync(CliRunner.CatalogPath(fileName)))!["event_types"]!.AsArray().Count;
        var first = await ImportAsync(org, CliRunner.CatalogPath(fileName));
        Assert.True(first.ExitCode == 0, first.ToString());

        var second = await ImportAsync(org, CliRunner.CatalogPath(fileName), "--json");

        Assert.True(second.ExitCode == 0, second.ToString());
        var summary = JsonNode.Parse(second.Out)!;
        Assert.Equal(0, summary["created"]!.GetValue<int>());
        Assert.Equal(count, summary["updated"]!.GetValue<int>());
        Assert.Equal(0, summary["failed"]!.GetValue<int>());
        Assert.Equal(count, (await org.Client.ListAllAsync("/v1/event-types?limit=250")).Count);
    }

    [Fact]
    public async Task Import_ReplacesDescriptionAndSchema_AndLeavesTypesNotInTheFileAlone()
    {
        var org = await Server.NewOrgAsync();
        await (await org.Client.PostJsonAsync("/v1/event-types", JsonNode.Parse("""
            {"name": "inspection.started", "description": "old", "schema": {"type": "object", "required": ["x"]}}
            """))).ExpectStatusAsync(HttpStatusCode.Created);
        await (await org.Client.PostJsonAsync("/v1/event-types", new { name = "mine.only", description = "kept" })).ExpectStatusAsync(HttpStatusCode.Created);
        using var dir = TempDir.Create("herald-catalog");
        var path = dir.Combine("small.json");
        await File.WriteAllTextAsync(path, """
            {"catalog": "small", "event_types": [
              {"name": "inspection.started", "description": "Inspection started."},
              {"name": "inspection.completed", "description": "Inspection completed.", "schema": {"type": "object"}}
            ]}
            """);

        var run = await ImportAsync(org, path);

        Assert.True(run.ExitCode == 0, run.ToString());
        var started = await (await org.Client.GetAsync("/v1/event-types/inspection.started")).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal("Inspection started.", started.Str("description"));
        Assert.Null(started["schema"]);
        var completed = await (await org.Client.GetAsync("/v1/event-types/inspection.completed")).ReadJsonAsync(HttpStatusCode.OK);
        Json.AssertEqual(new { type = "object" }, completed["schema"]);
        var mine = await (await org.Client.GetAsync("/v1/event-types/mine.only")).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal("kept", mine.Str("description"));
    }

    [Fact]
    public async Task Import_PrintsProgressToStderr_AndATableToStdout()
    {
        var org = await Server.NewOrgAsync();
        await (await org.Client.PostJsonAsync("/v1/event-types", new { name = "post.update" })).ExpectStatusAsync(HttpStatusCode.Created);

        var run = await ImportAsync(org, CliRunner.CatalogPath("ushahidi.json"));

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("[1/2] post.create … created", run.Err, StringComparison.Ordinal);
        Assert.Contains("[2/2] post.update … updated", run.Err, StringComparison.Ordinal);
        var lines = run.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Matches(@"^EVENT TYPE\s+RESULT$", lines[0]);
        Assert.Matches(@"^post\.create\s+created$", lines[1]);
        Assert.Matches(@"^post\.update\s+updated$", lines[2]);
        Assert.Contains("1 created, 1 updated, 0 failed", run.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("[1/2]", run.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Import_PrintsOnlyAJsonSummaryToStdout_WithJson()
    {
        var org = await Server.NewOrgAsync();

        var run = await ImportAsync(org, CliRunner.CatalogPath("ushahidi.json"), "--json");

        Assert.True(run.ExitCode == 0, run.ToString());
        Json.AssertEqual(new
        {
            catalog = "ushahidi",
            created = 2,
            updated = 0,
            failed = 0,
            event_types = new[] { new { name = "post.create", result = "created" }, new { name = "post.update", result = "created" } },
        }, JsonNode.Parse(run.Out));
        // No progress with --json: only failures would be said on stderr.
        Assert.Equal("", run.Err);
    }

    [Fact]
    public async Task Import_ReadsServerAndKeyFromTheEnvironment()
    {
        var org = await Server.NewOrgAsync();
        var environment = new Dictionary<string, string> { ["HERALD_SERVER"] = Server.BaseUrl.ToString(), ["HERALD_KEY"] = org.AdminKey };

        var run = await CliRunner.RunAsync(environment, "catalog", "import", CliRunner.CatalogPath("ushahidi.json"));

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(2, (await org.Client.ListAllAsync("/v1/event-types")).Count);
    }

    [Fact]
    public async Task Import_PrefersTheOptions_ToTheEnvironment()
    {
        var org = await Server.NewOrgAsync();
        var environment = new Dictionary<string, string> { ["HERALD_SERVER"] = "http://127.0.0.1:9", ["HERALD_KEY"] = "hk_not_this_one" };

        var run = await CliRunner.RunAsync(environment, "catalog", "import", CliRunner.CatalogPath("ushahidi.json"), "--server", Server.BaseUrl.ToString(), "--key", org.AdminKey);

        Assert.True(run.ExitCode == 0, run.ToString());
    }

    [Fact]
    public async Task Import_Exits2ListingEveryProblemByName_AndCreatesNothing_WhenTheFileIsInvalid()
    {
        var org = await Server.NewOrgAsync();
        using var dir = TempDir.Create("herald-catalog");
        var path = dir.Combine("broken.json");
        await File.WriteAllTextAsync(path, """
            {"catalog": "broken", "event_types": [
              {"name": "fine.one", "description": "valid on its own"},
              {"name": "bad.schema", "schema": {"type": "object", "required": "uid"}},
              {"name": "herald.mine"},
              {"name": "has space"},
              {"name": "fine.one"},
              {"name": "typo.field", "desciption": "misspelt"},
              {"description": "no name"}
            ]}
            """);

        var run = await ImportAsync(org, path);

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Contains("not a valid catalogue file (6 problems); nothing was sent", run.Err, StringComparison.Ordinal);
        Assert.Contains("bad.schema (event_types[1]): schema.required:", run.Err, StringComparison.Ordinal);
        Assert.Contains("herald.mine (event_types[2]): name: names starting with herald. (in any case) are reserved", run.Err, StringComparison.Ordinal);
        Assert.Contains("has space (event_types[3]): name:", run.Err, StringComparison.Ordinal);
        Assert.Contains("fine.one (event_types[4]): name: is listed twice (first at event_types[0])", run.Err, StringComparison.Ordinal);
        Assert.Contains("typo.field (event_types[5]): desciption: is not a known field", run.Err, StringComparison.Ordinal);
        Assert.Contains("event_types[6]: name: is required", run.Err, StringComparison.Ordinal);
        Assert.Equal("", run.Out);
        Assert.Empty(await org.Client.ListAllAsync("/v1/event-types"));
    }

    [Theory]
    [InlineData("", "is not valid JSON")]
    [InlineData("""{"catalog": "x", "event_types": [""", "is not valid JSON at line 1")]
    [InlineData("""[{"name": "a.b"}]""", "must be a JSON object")]
    [InlineData("""{"event_types": [{"name": "a.b"}]}""", "catalog: is required")]
    [InlineData("""{"catalog": "x"}""", "event_types: is required")]
    [InlineData("""{"catalog": "x", "event_types": []}""", "event_types: must list at least one event type")]
    [InlineData("""{"catalog": "x", "event_types": {"name": "a.b"}}""", "event_types: must be an array")]
    [InlineData("""{"catalog": "x", "event_types": ["a.b"]}""", "event_types[0]: must be an object")]
    [InlineData("""{"catalog": "x", "catalog": "y", "event_types": [{"name": "a.b"}]}""", "is not valid JSON")]
    [InlineData("""{"catalog": "x", "event_types": [{"name": "a.b", "schema": 5}]}""", "a.b (event_types[0]): schema")]
    [InlineData("""{"catalog": "x", "event_types": [{"name": "a.b", "description": 5}]}""", "a.b (event_types[0]): description: must be a string")]
    public async Task Import_Exits2_WhenTheFileIsNotACatalogue(string text, string problem)
    {
        var org = await Server.NewOrgAsync();
        using var dir = TempDir.Create("herald-catalog");
        var path = dir.Combine("bad.json");
        await File.WriteAllTextAsync(path, text);

        var run = await ImportAsync(org, path);

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Contains(problem, run.Err, StringComparison.Ordinal);
        Assert.Empty(await org.Client.ListAllAsync("/v1/event-types"));
    }

    [Fact]
    public async Task Import_Exits2_WhenTheFileDoesNotExist()
    {
        var missing = Path.Combine(Path.GetTempPath(), $"no-such-catalogue-{Guid.NewGuid():N}.json");

        var run = await CliRunner.RunAsync("catalog", "import", missing, "--server", Server.BaseUrl.ToString(), "--key", HeraldTestServer.AdminKey);

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Contains($"Cannot read {missing}", run.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Import_Exits1WithTheUnauthorizedDetail_WhenTheKeyIsWrong()
    {
        var run = await CliRunner.RunAsync("catalog", "import", CliRunner.CatalogPath("safetyculture.json"),
            "--server", Server.BaseUrl.ToString(), "--key", "hk_wrong_key_0123456789");

        Assert.True(run.ExitCode == 1, run.ToString());
        Assert.Contains("herald: 401 Unauthorized: The API key is not valid", run.Err, StringComparison.Ordinal);
        // The first refusal stops the import: every other request would be refused alike.
        Assert.DoesNotContain("[2/", run.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Import_Exits1WithTheForbiddenDetail_WhenTheKeyMayOnlyRead()
    {
        var org = await Server.NewOrgAsync();
        var viewer = await (await org.Client.PostJsonAsync("/v1/keys", new { name = "reader", role = "viewer" })).ReadJsonAsync(HttpStatusCode.Created);

        var run = await CliRunner.RunAsync("catalog", "import", CliRunner.CatalogPath("ushahidi.json"),
            "--server", Server.BaseUrl.ToString(), "--key", viewer.Str("key"));

        Assert.True(run.ExitCode == 1, run.ToString());
        Assert.Contains("herald: 403 Forbidden: This needs the admin role", run.Err, StringComparison.Ordinal);
        Assert.Empty(await org.Client.ListAllAsync("/v1/event-types"));
    }

    [Fact]
    public async Task Import_Exits3NamingTheUrl_WhenNothingListens()
    {
        var url = $"http://127.0.0.1:{FreePort.Next()}";

        var run = await CliRunner.RunAsync("catalog", "import", CliRunner.CatalogPath("ushahidi.json"), "--server", url, "--key", HeraldTestServer.AdminKey);

        Assert.True(run.ExitCode == 3, run.ToString());
        Assert.Contains($"Cannot reach Herald at {url}/", run.Err, StringComparison.Ordinal);
        Assert.Contains("--server or HERALD_SERVER", run.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Import_ReportsEachServerFailure_AndGoesOn_ThenExits1()
    {
        await using var fake = await TestReceiver.StartAsync();
        fake.Responder = (request, _) => request.BodyText.Contains("\"post.create\"", StringComparison.Ordinal)
            ? ResponsePlan.Status(500, """{"type": "about:blank", "title": "Internal Server Error", "status": 500, "detail": "The database is not reachable."}""")
                with { ContentType = "application/problem+json" }
            : ResponsePlan.Status(201, """{"name": "post.update"}""");

        var run = await CliRunner.RunAsync("catalog", "import", CliRunner.CatalogPath("ushahidi.json"), "--server", fake.BaseUrl.ToString(), "--key", "hk_any", "--json");

        Assert.True(run.ExitCode == 1, run.ToString());
        var summary = JsonNode.Parse(run.Out)!;
        Assert.Equal(1, summary["created"]!.GetValue<int>());
        Assert.Equal(1, summary["failed"]!.GetValue<int>());
        Assert.Equal("failed", summary.Str("event_types[0].result"));
        Assert.Equal("500 Internal Server Error: The database is not reachable.", summary.Str("event_types[0].error"));
        Assert.Contains("[1/2] post.create … failed: 500 Internal Server Error: The database is not reachable.", run.Err, StringComparison.Ordinal);
        Assert.Equal(2, fake.Count);
        Assert.Equal("Bearer hk_any", fake.Requests[0].Header("Authorization"));
    }

    [Fact]
    public async Task Import_SaysTheAnswerIsNotFromHerald_WhenTheServerIsSomethingElse()
    {
        await using var fake = await TestReceiver.StartAsync();
        fake.DefaultResponse = ResponsePlan.Status(404, "<html><body>Not here</body></html>") with { ContentType = "text/html" };

        var run = await CliRunner.RunAsync("catalog", "import", CliRunner.CatalogPath("ushahidi.json"), "--server", fake.BaseUrl.ToString(), "--key", "hk_any");

        Assert.True(run.ExitCode == 1, run.ToString());
        Assert.Contains($"404 Not Found from POST {fake.BaseUrl}v1/event-types: <html>", run.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Import_KeepsTheServersBasePath()
    {
        await using var fake = await TestReceiver.StartAsync();
        fake.DefaultResponse = ResponsePlan.Status(201, "{}");

        var run = await CliRunner.RunAsync("catalog", "import", CliRunner.CatalogPath("ushahidi.json"), "--server", new Uri(fake.BaseUrl, "/herald").ToString(), "--key", "hk_any");

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.All(fake.Requests, r => Assert.Equal("/herald/v1/event-types", r.Path));
    }

    [Theory]
    [InlineData(new[] { "catalog", "import" }, "Give a FILE")]
    [InlineData(new[] { "catalog", "import", "a.json", "b.json" }, "Unexpected argument 'b.json'")]
    [InlineData(new[] { "catalog", "import", "a.json", "--colour" }, "Unexpected argument '--colour'")]
    [InlineData(new[] { "catalog", "import", "a.json", "--server" }, "--server")]
    [InlineData(new[] { "catalog", "import", "CATALOG", "--server", "ftp://example.org" }, "--server ftp://example.org is not an http(s) URL")]
    [InlineData(new[] { "catalog", "import", "CATALOG" }, "No API key: pass --key KEY or set HERALD_KEY")]
    public async Task Import_Exits2WithTheReason_OnABadCommandLine(string[] args, string message)
    {
        var run = await CliRunner.RunAsync([.. args.Select(a => a == "CATALOG" ? CliRunner.CatalogPath("ushahidi.json") : a)]);

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Contains(message, run.Err, StringComparison.Ordinal);
        Assert.Equal("", run.Out);
    }

    [Fact]
    public async Task Help_DescribesTheCommand_WithAnExample()
    {
        // Help is System.CommandLine's own action and writes to the invocation's writers.
        using var output = new StringWriter();
        var root = new System.CommandLine.RootCommand { Herald.Cli.CatalogCommand.Create() };

        var exitCode = await root.Parse(["catalog", "import", "--help"]).InvokeAsync(new System.CommandLine.InvocationConfiguration { Output = output });

        Assert.Equal(0, exitCode);
        var help = output.ToString();
        Assert.Contains("herald catalog import catalogs/safetyculture.json --server http://127.0.0.1:8080", help, StringComparison.Ordinal);
        Assert.Contains("<FILE>", help, StringComparison.Ordinal);
        Assert.Contains("--server <URL>", help, StringComparison.Ordinal);
        Assert.Contains("HERALD_SERVER", help, StringComparison.Ordinal);
        Assert.Contains("--key <KEY>", help, StringComparison.Ordinal);
        Assert.Contains("HERALD_KEY", help, StringComparison.Ordinal);
        Assert.Contains("--json", help, StringComparison.Ordinal);
        Assert.Contains("Exit codes: 0", help, StringComparison.Ordinal);
    }

    private Task<CliResult> ImportAsync(TestOrg org, string path, params string[] extra) =>
        CliRunner.RunAsync(["catalog", "import", path, "--server", Server.BaseUrl.ToString(), "--key", org.AdminKey, .. extra]);
}
