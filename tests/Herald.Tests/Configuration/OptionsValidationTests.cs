using Herald.Engine;
using Herald.Engine.Configuration;
using Herald.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Herald.Tests.Configuration;

/// <summary>The start-up checks of <c>herald serve</c>'s options, through the options pipeline the host uses.</summary>
public sealed class OptionsValidationTests
{
    private const string ValidKey = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

    [Fact]
    public void Defaults_AreValid()
    {
        var result = new HeraldOptionsValidator().Validate(null, new HeraldOptions());

        Assert.True(result.Succeeded, result.FailureMessage);
    }

    [Theory]
    [InlineData("all")]
    [InlineData("api")]
    [InlineData("worker")]
    public void KnownRoles_AreValid(string role)
    {
        Assert.True(new HeraldOptionsValidator().Validate(null, new HeraldOptions { Role = role }).Succeeded);
    }

    [Theory]
    [InlineData("both")]
    [InlineData("ALL")]
    [InlineData("")]
    public void UnknownRole_IsRefused_NamingTheValue(string role)
    {
        var result = new HeraldOptionsValidator().Validate(null, new HeraldOptions { Role = role });

        Assert.Equal([$"--role must be all, api or worker (got '{role}')."], result.Failures);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(4097)]
    public void Workers_OutsideOneTo4096_AreRefused(int workers)
    {
        var result = new HeraldOptionsValidator().Validate(null, new HeraldOptions { Workers = workers });

        Assert.Equal([$"--workers must be between 1 and 4096 (got {workers})."], result.Failures);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4096)]
    public void Workers_AtTheBounds_AreValid(int workers)
    {
        Assert.True(new HeraldOptionsValidator().Validate(null, new HeraldOptions { Workers = workers }).Succeeded);
    }

    [Theory]
    [InlineData("notbase64")]
    [InlineData("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd")]
    public void SecretKey_NotBase64Of32Bytes_IsRefused(string key)
    {
        var result = new HeraldOptionsValidator().Validate(null, new HeraldOptions { SecretKey = key });

        Assert.Equal(["--secret-key / HERALD_SECRET_KEY must be the base64 of exactly 32 bytes (openssl rand -base64 32)."], result.Failures);
    }

    [Fact]
    public void SecretKey_Of32Bytes_IsValid()
    {
        Assert.True(new HeraldOptionsValidator().Validate(null, new HeraldOptions { SecretKey = ValidKey }).Succeeded);
    }

    [Fact]
    public void AdminKey_ShorterThan16_IsRefused_And16IsValid()
    {
        var validator = new HeraldOptionsValidator();

        Assert.Equal(["--admin-key / HERALD_ADMIN_KEY must be at least 16 characters."],
            validator.Validate(null, new HeraldOptions { AdminKey = new string('k', 15) }).Failures);
        Assert.True(validator.Validate(null, new HeraldOptions { AdminKey = new string('k', 16) }).Succeeded);
    }

    [Fact]
    public void SeveralMistakes_AreEachReported()
    {
        var result = new HeraldOptionsValidator().Validate(null, new HeraldOptions { Role = "both", Workers = 0, AdminKey = "short" });

        Assert.Equal(3, result.Failures!.Count());
    }

    [Theory]
    [InlineData("bogus", "--database must be sqlite:PATH or a PostgreSQL connection string (Host=…;Database=… or postgres://…); got 'bogus'.")]
    [InlineData("sqlite:", "--database sqlite: needs a file path, like sqlite:./herald.db.")]
    public void Database_ThatIsNeitherSqliteNorPostgres_IsRefused(string database, string message)
    {
        var result = new DatabaseOptionsValidator().Validate(null, new HeraldOptions { Database = database });

        Assert.Equal([message], result.Failures);
    }

    [Fact]
    public void Database_Refusal_NeverShowsMoreThanItsStart()
    {
        var result = new DatabaseOptionsValidator().Validate(null, new HeraldOptions { Database = "mysql://root:hunter2@db/herald" });

        Assert.True(result.Failed);
        Assert.DoesNotContain("hunter2", result.FailureMessage);
    }

    [Theory]
    [InlineData("api")]
    [InlineData("worker")]
    public void ApiOrWorkerRole_OnSqlite_IsRefused(string role)
    {
        var result = new DatabaseOptionsValidator().Validate(null, new HeraldOptions { Role = role, Database = "sqlite:/tmp/herald.db" });

        Assert.Equal([$"--role {role} needs a PostgreSQL database shared with the other processes (--database Host=…); a SQLite database belongs to one process running --role all."], result.Failures);
    }

    [Fact]
    public void ApiRole_OnPostgres_IsValid()
    {
        var result = new DatabaseOptionsValidator().Validate(null, new HeraldOptions { Role = "api", Database = "Host=127.0.0.1;Database=herald" });

        Assert.True(result.Succeeded, result.FailureMessage);
    }

    [Fact]
    public void AddHeraldOptions_ValidatesWhenTheOptionsAreFirstRead()
    {
        var services = new ServiceCollection();
        services.AddHeraldOptions(o => o.Workers = 0);
        using var provider = services.BuildServiceProvider();

        var refusal = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<HeraldOptions>>().Value);

        Assert.Equal(["--workers must be between 1 and 4096 (got 0)."], refusal.Failures);
    }

    [Fact]
    public void AddHeraldOptions_ValidatesOnStart()
    {
        var services = new ServiceCollection();
        services.AddHeraldOptions(o => o.Role = "both");
        using var provider = services.BuildServiceProvider();

        var refusal = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());

        Assert.Contains("--role must be all, api or worker (got 'both').", refusal.Failures);
    }

    [Fact]
    public void AddHeraldOptions_ServesTheValidatedOptionsItself()
    {
        var services = new ServiceCollection();
        services.AddHeraldOptions(o => o.Workers = 7);
        using var provider = services.BuildServiceProvider();

        Assert.Same(provider.GetRequiredService<IOptions<HeraldOptions>>().Value, provider.GetRequiredService<HeraldOptions>());
        Assert.Equal(7, provider.GetRequiredService<HeraldOptions>().Workers);
    }

    [Fact]
    public async Task BuildAsync_RefusesInvalidOptions_BeforeCreatingTheDataDirectory()
    {
        using var dir = TempDir.Create("herald-options");
        var dataDir = dir.Combine("data");

        var refusal = await Assert.ThrowsAsync<StartupException>(() => HeraldServer.BuildAsync(o =>
        {
            o.DataDir = dataDir;
            o.Database = "bogus";
            o.Role = "both";
        }, TextWriter.Null));

        // The storage check runs first, so the database is the refusal, as before the options pipeline.
        Assert.StartsWith("--database must be sqlite:PATH", refusal.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(dataDir), "the data directory was created for options that were refused");
    }
}
