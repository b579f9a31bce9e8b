using System.CommandLine;
using System.Net;
using System.Text.Json.Nodes;
using Herald.Cli;

namespace Herald.Tests.Cli;

/// <summary>The admin subcommands' shared options and HTTP client.</summary>
public sealed class ApiClientTests
{
    [Fact]
    public void Connect_UsesTheDefaultServer_WhenNeitherOptionNorEnvironmentGivesOne()
    {
        var (admin, parse) = Parse("--key", "hk_k");

        using var client = admin.Connect(parse, Context(new Dictionary<string, string>()));

        Assert.Equal(new Uri("http://127.0.0.1:8080/"), client.Server);
    }

    [Fact]
    public void Connect_ReadsHeraldServerAndHeraldKey_WhenNoOptionIsGiven()
    {
        var (admin, parse) = Parse();

        using var client = admin.Connect(parse, Context(new Dictionary<string, string> { ["HERALD_SERVER"] = "https://herald.example.org/base", ["HERALD_KEY"] = "hk_k" }));

        Assert.Equal(new Uri("https://herald.example.org/base/"), client.Server);
    }

    [Fact]
    public void Connect_TreatsAnEmptyEnvironmentVariableAsUnset()
    {
        var (admin, parse) = Parse();

        var error = Assert.Throws<CliException>(() => admin.Connect(parse, Context(new Dictionary<string, string> { ["HERALD_SERVER"] = "", ["HERALD_KEY"] = "" })));

        Assert.Equal(ExitCodes.Usage, error.ExitCode);
        Assert.Contains("No API key", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("not a url")]
    [InlineData("127.0.0.1:8080")]
    [InlineData("ftp://example.org")]
    public void Connect_IsAUsageError_WhenTheServerIsNotAnHttpUrl(string server)
    {
        var (admin, parse) = Parse("--server", server, "--key", "hk_k");

        var error = Assert.Throws<CliException>(() => admin.Connect(parse, Context(new Dictionary<string, string>())));

        Assert.Equal(ExitCodes.Usage, error.ExitCode);
        Assert.Contains($"--server {server} is not an http(s) URL", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Connect_IsAUsageError_WhenTheKeyHasSpaces()
    {
        var (admin, parse) = Parse("--key", "hk_a b");

        var error = Assert.Throws<CliException>(() => admin.Connect(parse, Context(new Dictionary<string, string>())));

        Assert.Equal(ExitCodes.Usage, error.ExitCode);
    }

    [Fact]
    public void Message_JoinsTheProblemsDetailAndItsErrors()
    {
        var problem = JsonNode.Parse("""
            {"title": "Unprocessable Content", "status": 422, "detail": "The request is invalid; see errors for each field.",
             "errors": {"schema": ["schema.type: must be one of …"], "name": ["is required", "must not be empty"]}}
            """);
        var response = new ApiResponse((HttpStatusCode)422, "Unprocessable Entity", problem, problem!.ToJsonString(), "POST http://h/v1/event-types");

        Assert.Equal(
            "422 Unprocessable Content: The request is invalid; see errors for each field. (schema: schema.type: must be one of …; name: is required; name: must not be empty)",
            response.Message());
    }

    [Fact]
    public void Message_NamesTheRequest_WhenTheBodyIsNotAProblem()
    {
        var response = new ApiResponse(HttpStatusCode.BadGateway, "Bad Gateway", null, "", "POST http://h/v1/event-types");

        Assert.Equal("502 Bad Gateway from POST http://h/v1/event-types (no body; is this a Herald server?)", response.Message());
    }

    [Fact]
    public async Task RequestAsync_ThrowsWithExitCode1AndTheDetail_OnAProblem()
    {
        await using var server = await HeraldTestServer.StartAsync();
        using var client = new ApiClient(server.BaseUrl, HeraldTestServer.AdminKey);

        var error = await Assert.ThrowsAsync<CliException>(() => client.RequestAsync(HttpMethod.Get, "v1/event-types/no.such.type", null, CancellationToken.None));

        Assert.Equal(ExitCodes.ServerError, error.ExitCode);
        Assert.Equal("404 Not Found: No event type named 'no.such.type' is catalogued in your organization.", error.Message);
    }

    [Fact]
    public async Task SendAsync_ThrowsWithExitCode3_WhenTheServerDoesNotAnswerInTime()
    {
        await using var fake = await TestReceiver.StartAsync();
        fake.DefaultResponse = ResponsePlan.Hanging();
        using var client = new ApiClient(fake.BaseUrl, "hk_k", TimeSpan.FromMilliseconds(300));

        var error = await Assert.ThrowsAsync<CliException>(() => client.SendAsync(HttpMethod.Get, "v1/event-types", null, CancellationToken.None));

        Assert.Equal(ExitCodes.Unreachable, error.ExitCode);
        Assert.Contains($"Herald at {fake.BaseUrl} did not answer GET /v1/event-types", error.Message, StringComparison.Ordinal);
    }

    private static (AdminOptions Admin, ParseResult Parse) Parse(params string[] args)
    {
        var admin = new AdminOptions();
        var command = new RootCommand();
        admin.AddTo(command);
        return (admin, command.Parse(args));
    }

    private static CliContext Context(Dictionary<string, string> environment) =>
        new(TextWriter.Null, TextWriter.Null, name => environment.GetValueOrDefault(name));
}
