using Herald.Core;

namespace Herald.Core.Tests;

public class ApiKeysTests
{
    [Fact]
    public void NewToken_IsHkPrefixAnd43UrlSafeCharacters()
    {
        var token = ApiKeys.NewToken();

        Assert.StartsWith("hk_", token);
        Assert.Equal(3 + 43, token.Length);
        Assert.All(token[3..], c => Assert.True(char.IsAsciiLetterOrDigit(c) || c is '-' or '_', $"'{c}' is not URL-safe"));
    }

    [Fact]
    public void NewToken_IsDifferentEveryTime()
    {
        var tokens = Enumerable.Range(0, 1000).Select(_ => ApiKeys.NewToken()).ToHashSet();

        Assert.Equal(1000, tokens.Count);
    }

    [Fact]
    public void Hash_IsSha256OfTheUtf8Token()
    {
        const string token = "hk_example";

        Assert.Equal("f2fb1963803fbfb14be52e539c59d6dcccacd11a0bfee7d316f094f6c6aabb13", Convert.ToHexStringLower(ApiKeys.Hash(token)));
    }

    [Fact]
    public void Hash_DiffersForDifferentTokens()
    {
        Assert.NotEqual(ApiKeys.Hash(ApiKeys.NewToken()), ApiKeys.Hash(ApiKeys.NewToken()));
    }
}
