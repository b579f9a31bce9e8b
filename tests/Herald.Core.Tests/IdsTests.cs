using System.Collections.Concurrent;
using Herald.Core;

namespace Herald.Core.Tests;

public class IdsTests
{
    private const string Alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

    [Fact]
    public void New_IsPrefixUnderscoreAnd26CrockfordCharacters()
    {
        var id = Ids.New(Ids.Event);

        Assert.StartsWith("evt_", id);
        Assert.Equal(4 + 26, id.Length);
        Assert.All(id[4..], c => Assert.Contains(c, Alphabet));
        Assert.True(Ids.IsValid(id, Ids.Event));
    }

    [Fact]
    public void New_EncodesTimestampBigEndian_MatchingTheUlidSpecExample()
    {
        var id = Ids.New(Ids.Event, DateTimeOffset.FromUnixTimeMilliseconds(1469918176385));

        Assert.StartsWith("evt_01ARYZ6S41", id);
    }

    [Fact]
    public void TimestampOf_ReturnsTheTimeTheIdWasMadeFor_TruncatedToMilliseconds()
    {
        var time = new DateTimeOffset(2026, 11, 22, 23, 15, 0, 123, TimeSpan.Zero).AddTicks(4567);

        var id = Ids.New(Ids.Delivery, time);

        Assert.Equal(new DateTimeOffset(2026, 11, 22, 23, 15, 0, 123, TimeSpan.Zero), Ids.TimestampOf(id));
    }

    [Fact]
    public void TimestampOf_OfNew_IsCloseToNow()
    {
        var before = DateTimeOffset.UtcNow.AddMilliseconds(-1);
        var at = Ids.TimestampOf(Ids.New(Ids.Org));
        var after = DateTimeOffset.UtcNow.AddMilliseconds(1);

        Assert.InRange(at, before, after);
    }

    [Theory]
    [InlineData("evt")]
    [InlineData("evt_123")]
    [InlineData("evt_01ARYZ6S41TSV4RRFFQ69G5FA!")]
    public void TimestampOf_Throws_WhenNotAnId(string id)
    {
        Assert.Throws<FormatException>(() => Ids.TimestampOf(id));
    }

    [Fact]
    public void New_IsStrictlyIncreasing_InATightLoopWithinOneMillisecond()
    {
        var time = DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000);
        var previous = Ids.New(Ids.Event, time);

        for (var i = 0; i < 10_000; i++)
        {
            var next = Ids.New(Ids.Event, time);
            Assert.True(string.CompareOrdinal(previous, next) < 0, $"{next} does not sort after {previous}");
            Assert.Equal(time, Ids.TimestampOf(next));
            previous = next;
        }
    }

    [Fact]
    public void New_IsStrictlyIncreasing_InATightLoopOnTheSystemClock()
    {
        var previous = Ids.New(Ids.Attempt);
        for (var i = 0; i < 100_000; i++)
        {
            var next = Ids.New(Ids.Attempt);
            Assert.True(string.CompareOrdinal(previous, next) < 0, $"{next} does not sort after {previous}");
            previous = next;
        }
    }

    [Fact]
    public void New_IsUniqueAndIncreasingPerThread_AcrossThreads()
    {
        const int threads = 8;
        const int perThread = 20_000;
        var all = new ConcurrentBag<string>();

        Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, _ =>
        {
            var previous = "";
            for (var i = 0; i < perThread; i++)
            {
                var id = Ids.New(Ids.Delivery);
                Assert.True(string.CompareOrdinal(previous, id) < 0);
                all.Add(id);
                previous = id;
            }
        });

        Assert.Equal(threads * perThread, all.Distinct().Count());
    }

    [Fact]
    public void New_SortsByTime_AcrossMilliseconds()
    {
        var early = Ids.New(Ids.Event, DateTimeOffset.FromUnixTimeMilliseconds(1_000));
        var late = Ids.New(Ids.Event, DateTimeOffset.FromUnixTimeMilliseconds(1_001));

        Assert.True(string.CompareOrdinal(early, late) < 0);
    }

    [Fact]
    public void New_HandlesTheLargestTimestampOfTheCalendar()
    {
        var id = Ids.New(Ids.Event, DateTimeOffset.MaxValue);

        Assert.True(Ids.IsValid(id, Ids.Event));
        Assert.Equal(DateTimeOffset.MaxValue.ToUnixTimeMilliseconds(), Ids.TimestampOf(id).ToUnixTimeMilliseconds());
    }

    [Fact]
    public void New_Throws_BeforeTheUnixEpoch()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Ids.New(Ids.Event, DateTimeOffset.UnixEpoch.AddMilliseconds(-1)));
    }

    [Theory]
    [InlineData("")]
    [InlineData("Evt")]
    [InlineData("ev_t")]
    public void New_Throws_OnABadPrefix(string prefix)
    {
        Assert.Throws<ArgumentException>(() => Ids.New(prefix));
    }

    [Fact]
    public void Constants_AreTheDocumentedPrefixes()
    {
        Assert.Equal(
            ["org", "key", "ep", "evt", "dlv", "att", "batch"],
            new[] { Ids.Org, Ids.Key, Ids.Endpoint, Ids.Event, Ids.Delivery, Ids.Attempt, Ids.Batch });
    }

    [Theory]
    [InlineData("evt_01ARYZ6S41TSV4RRFFQ69G5FAV", "evt", true)]
    [InlineData("evt_7ZZZZZZZZZZZZZZZZZZZZZZZZZ", "evt", true)]
    [InlineData("evt_00000000000000000000000000", "evt", true)]
    [InlineData("evt_8ZZZZZZZZZZZZZZZZZZZZZZZZZ", "evt", false)] // above 128 bits
    [InlineData("evt_01ARYZ6S41TSV4RRFFQ69G5FA", "evt", false)] // 25 characters
    [InlineData("evt_01ARYZ6S41TSV4RRFFQ69G5FAVV", "evt", false)] // 27 characters
    [InlineData("evt_01arYZ6S41TSV4RRFFQ69G5FAV", "evt", false)] // lowercase
    [InlineData("evt_01ARYZ6S41TSV4RRFFQ69G5FAI", "evt", false)] // I is not Crockford
    [InlineData("evt_01ARYZ6S41TSV4RRFFQ69G5FAU", "evt", false)] // nor U
    [InlineData("evt_01ARYZ6S41TSV4RRFFQ69G5FAV", "ep", false)]
    [InlineData("dlv_01ARYZ6S41TSV4RRFFQ69G5FAV", "evt", false)]
    [InlineData("evt-01ARYZ6S41TSV4RRFFQ69G5FAV", "evt", false)]
    [InlineData("xevt_01ARYZ6S41TSV4RRFFQ69G5FAV", "evt", false)]
    [InlineData("01ARYZ6S41TSV4RRFFQ69G5FAV", "evt", false)]
    [InlineData("", "evt", false)]
    [InlineData(null, "evt", false)]
    public void IsValid_AcceptsOnlyTheExactPrefixAndAWellFormedUlid(string? id, string prefix, bool expected)
    {
        Assert.Equal(expected, Ids.IsValid(id, prefix));
    }
}
