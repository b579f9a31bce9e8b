using Herald.Core;

namespace Herald.Core.Tests;

public class EventTypeMatcherTests
{
    [Theory]
    [InlineData("inspection.started", "inspection.started", true)]
    [InlineData("inspection.started", "inspection.completed", false)]
    [InlineData("inspection.started", "Inspection.started", false)] // case-sensitive
    [InlineData("inspection.started", "inspection.started.late", false)]
    [InlineData("inspection.*", "inspection.started", true)]
    [InlineData("inspection.*", "inspection.item.updated", true)]
    [InlineData("inspection.*", "inspection", false)]
    [InlineData("inspection.*", "inspections.started", false)]
    [InlineData("inspection*", "inspections.started", true)]
    [InlineData("*", "observation.created", true)]
    [InlineData("*", "x", true)]
    public void Matches_ExactNamesAndTrailingStarPrefixes(string pattern, string eventType, bool expected)
    {
        Assert.Equal(expected, EventTypeMatcher.Matches([pattern], eventType));
    }

    [Fact]
    public void Matches_AnyOfSeveralPatterns()
    {
        string[] patterns = ["inspection.*", "observation.created"];

        Assert.True(EventTypeMatcher.Matches(patterns, "observation.created"));
        Assert.True(EventTypeMatcher.Matches(patterns, "inspection.completed"));
        Assert.False(EventTypeMatcher.Matches(patterns, "observation.deleted"));
    }

    [Fact]
    public void Matches_EmptyList_MatchesEveryBusinessType()
    {
        Assert.True(EventTypeMatcher.Matches([], "inspection.started"));
        Assert.True(EventTypeMatcher.Matches([], "anything"));
    }

    [Theory]
    [InlineData("herald.ping")]
    [InlineData("herald.endpoint.disabled")]
    public void Matches_EmptyList_NeverMatchesOperationalTypes(string eventType)
    {
        Assert.False(EventTypeMatcher.Matches([], eventType));
    }

    [Theory]
    [InlineData("*", "herald.ping", false)]
    [InlineData("h*", "herald.ping", false)]
    [InlineData("herald*", "herald.ping", false)]
    [InlineData("herald.*", "herald.ping", true)]
    [InlineData("herald.*", "herald.endpoint.disabled", true)]
    [InlineData("herald.endpoint.*", "herald.endpoint.disabled", true)]
    [InlineData("herald.endpoint.*", "herald.ping", false)]
    [InlineData("herald.ping", "herald.ping", true)]
    [InlineData("herald.ping", "herald.endpoint.disabled", false)]
    [InlineData("herald.endpoint.disabled", "herald.endpoint.disabled", true)]
    public void Matches_OperationalTypes_OnlyWhenAPatternNamesThem(string pattern, string eventType, bool expected)
    {
        Assert.Equal(expected, EventTypeMatcher.Matches([pattern], eventType));
    }

    [Fact]
    public void Matches_HeraldStarAlongsideBusinessPatterns_KeepsBoth()
    {
        string[] patterns = ["*", "herald.*"];

        Assert.True(EventTypeMatcher.Matches(patterns, "inspection.started"));
        Assert.True(EventTypeMatcher.Matches(patterns, "herald.endpoint.disabled"));
    }

    [Fact]
    public void Matches_HeraldStar_DoesNotMatchBusinessTypes()
    {
        Assert.False(EventTypeMatcher.Matches(["herald.*"], "inspection.started"));
    }

    [Theory]
    [InlineData("inspection.started")]
    [InlineData("inspection.*")]
    [InlineData("*")]
    [InlineData("herald.*")]
    [InlineData("a")]
    [InlineData("Org:v2_thing-happened.ok")]
    public void IsValidPattern_AcceptsNamesAndATrailingStar(string pattern)
    {
        Assert.True(EventTypeMatcher.IsValidPattern(pattern, out var error));
        Assert.Null(error);
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("*.started", "last")]
    [InlineData("inspection.**", "last")]
    [InlineData("in*spection", "last")]
    [InlineData("inspection started", "' '")]
    [InlineData("inspection/started", "'/'")]
    [InlineData("inspección", "'ó'")]
    public void IsValidPattern_RefusesWithAReason(string pattern, string reasonContains)
    {
        Assert.False(EventTypeMatcher.IsValidPattern(pattern, out var error));
        Assert.Contains(reasonContains, error);
    }

    [Fact]
    public void IsValidPattern_AllowsAtMost256Characters()
    {
        Assert.True(EventTypeMatcher.IsValidPattern(new string('a', 255) + "*", out _));
        Assert.False(EventTypeMatcher.IsValidPattern(new string('a', 256) + "*", out var error));
        Assert.Contains("256", error);
    }

    [Theory]
    [InlineData("inspection.started")]
    [InlineData("herald.ping")]
    [InlineData("a-b_c:d.e")]
    public void IsValidTypeName_AcceptsTheAllowedCharacters(string name)
    {
        Assert.True(EventTypeMatcher.IsValidTypeName(name, out var error));
        Assert.Null(error);
    }

    [Theory]
    [InlineData("")]
    [InlineData("*")]
    [InlineData("inspection.*")]
    [InlineData("inspection started")]
    [InlineData("inspection\nstarted")]
    public void IsValidTypeName_RefusesStarsAndOtherCharacters(string name)
    {
        Assert.False(EventTypeMatcher.IsValidTypeName(name, out var error));
        Assert.NotNull(error);
    }

    [Fact]
    public void IsValidTypeName_AllowsAtMost256Characters()
    {
        Assert.True(EventTypeMatcher.IsValidTypeName(new string('a', 256), out _));
        Assert.False(EventTypeMatcher.IsValidTypeName(new string('a', 257), out _));
    }

    [Theory]
    [InlineData("herald.ping", true)]
    [InlineData("herald.endpoint.disabled", true)]
    [InlineData("herald", false)]
    [InlineData("heraldry.started", false)]
    [InlineData("Herald.ping", true)]
    [InlineData("HERALD.ping", true)]
    [InlineData("hErAlD.endpoint.disabled", true)]
    [InlineData("heraldping", false)]
    [InlineData("inspection.herald.ping", false)]
    public void IsReserved_IsTheHeraldDotPrefix_InAnyCase(string name, bool expected)
    {
        Assert.Equal(expected, EventTypeMatcher.IsReserved(name));
    }

    [Theory]
    [InlineData("inspection.started")]
    [InlineData("a")]
    [InlineData("a-b_c:d.e")]
    [InlineData("v1:audit.x:y")]
    public void IsValidEventTypeName_AcceptsNonEmptySegments(string name)
    {
        Assert.True(EventTypeMatcher.IsValidEventTypeName(name, out var error));
        Assert.Null(error);
    }

    [Theory]
    [InlineData(".")]
    [InlineData("..")]
    [InlineData("...")]
    [InlineData(".ping")]
    [InlineData("ping.")]
    [InlineData("inspection..started")]
    [InlineData("v1:audit..x:y")]
    public void IsValidEventTypeName_RefusesEmptySegments(string name)
    {
        Assert.False(EventTypeMatcher.IsValidEventTypeName(name, out var error));
        Assert.Contains("none of them empty", error);
        Assert.True(EventTypeMatcher.IsValidTypeName(name, out _)); // the character rule alone lets it through
    }

    [Theory]
    [InlineData("")]
    [InlineData("inspection.*")]
    [InlineData("inspection started")]
    public void IsValidEventTypeName_KeepsTheCharacterRule(string name)
    {
        Assert.False(EventTypeMatcher.IsValidEventTypeName(name, out var error));
        Assert.NotNull(error);
    }
}
