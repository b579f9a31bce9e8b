using Herald.Bench;
using Herald.Cli;

namespace Herald.Tests.Cli;

/// <summary>Progress of long operations on standard error: a bar on a terminal, lines elsewhere, nothing with --json.</summary>
public sealed class ProgressTests
{
    [Fact]
    public void ModeFor_IsSilentWithJson_AndLinesWhenStderrIsNotATerminal()
    {
        using var writer = new StringWriter();

        Assert.Equal(ProgressMode.Silent, Progress.ModeFor(writer, silent: true));
        Assert.Equal(ProgressMode.Lines, Progress.ModeFor(writer, silent: false));
    }

    [Fact]
    public void Lines_PrintOnePlainLinePerInterval_WithTheFigures()
    {
        using var writer = new StringWriter();
        var progress = new Progress(writer, ProgressMode.Lines, "throughput", "delivered", lineEvery: TimeSpan.FromHours(1));

        progress.Update(1_500, 20_000, "published 2,000/20,000", force: true);
        progress.Update(1_600, 20_000);
        progress.Complete(20_000, 20_000, "1,234/s");

        Assert.Equal(
            "throughput: 1,500/20,000 delivered, published 2,000/20,000\n" +
            "throughput: 20,000/20,000 delivered, 1,234/s\n",
            writer.ToString().ReplaceLineEndings("\n"));
    }

    [Fact]
    public void Bar_RedrawsOneLineInPlace_AndEndsItWhenComplete()
    {
        using var writer = new StringWriter();
        var progress = new Progress(writer, ProgressMode.Bar, "importing", "event types");

        progress.Update(1, 4, "post.create", force: true);
        progress.Complete(4, 4);

        var text = writer.ToString();
        var draws = text.Split('\r', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, draws.Length);
        Assert.StartsWith("importing [#######.....................]  25% 1/4 event types  post.create", draws[0], StringComparison.Ordinal);
        Assert.StartsWith("importing [############################] 100% 4/4 event types", draws[1], StringComparison.Ordinal);
        Assert.EndsWith(Environment.NewLine, text, StringComparison.Ordinal);
        Assert.Single(text.Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void Bar_KeepsALineSaidMeanwhile_AboveTheBar()
    {
        using var writer = new StringWriter();
        var progress = new Progress(writer, ProgressMode.Bar, "importing");
        progress.Update(1, 2, force: true);

        progress.Say("[1/2] a.b … failed: 500");
        progress.Clear();

        var text = writer.ToString();
        Assert.Contains("\r[1/2] a.b … failed: 500", text, StringComparison.Ordinal);
        // Nothing drawn since the line, so there is no bar left to erase.
        Assert.EndsWith(Environment.NewLine, text, StringComparison.Ordinal);
    }

    [Fact]
    public void Silent_PrintsNoProgress_ButStillSaysWhatItIsTold()
    {
        using var writer = new StringWriter();
        var progress = new Progress(writer, ProgressMode.Silent, "bench");

        progress.Update(1, 2, force: true);
        progress.Complete(2, 2);
        Assert.Equal("", writer.ToString());

        progress.Say("a failure");
        Assert.Equal("a failure" + Environment.NewLine, writer.ToString());
    }

    [Fact]
    public void Spinner_ShowsOnlyTheDetail_WhenThereIsNoCount()
    {
        using var writer = new StringWriter();
        var progress = new Progress(writer, ProgressMode.Lines, "re-queuing failed deliveries of ep_1");

        progress.Update(-1, 0, "12 s", force: true);

        Assert.Equal("re-queuing failed deliveries of ep_1: 12 s" + Environment.NewLine, writer.ToString());
    }
}
