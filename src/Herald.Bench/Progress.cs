using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Herald.Bench;

/// <summary>How a long operation reports its progress on standard error.</summary>
public enum ProgressMode
{
    /// <summary><c>--json</c>: nothing, so scripts read clean output.</summary>
    Silent,

    /// <summary>Standard error is redirected (a log, a CI job): a plain line now and then.</summary>
    Lines,

    /// <summary>Standard error is a terminal: one bar redrawn in place.</summary>
    Bar,
}

/// <summary>
/// A progress bar on a terminal, periodic plain lines elsewhere, nothing when asked for silence.
/// Redraws are throttled, so calling <see cref="Update"/> in a tight loop costs little.
/// </summary>
public sealed class Progress
{
    private const int BarWidth = 28;
    private static readonly TimeSpan Redraw = TimeSpan.FromMilliseconds(100);
    private readonly TextWriter _writer;
    private readonly TimeSpan _lineEvery;
    private readonly Lock _gate = new();
    private long _lastWrite;
    private int _drawnWidth;

    public Progress(TextWriter writer, ProgressMode mode, string label, string unit = "", TimeSpan? lineEvery = null)
    {
        _writer = writer;
        Mode = mode;
        Label = label;
        Unit = unit;
        _lineEvery = lineEvery ?? TimeSpan.FromSeconds(1);
        _lastWrite = Stopwatch.GetTimestamp();
    }

    public ProgressMode Mode { get; }

    public string Label { get; }

    /// <summary>What is counted (<c>delivered</c>, <c>stored</c>), said after the figures.</summary>
    public string Unit { get; }

    /// <summary>
    /// The mode for <paramref name="writer"/>: silent when <paramref name="silent"/>, a bar only when
    /// it is this process's standard error and that is a terminal (and <c>TERM</c> is not <c>dumb</c>).
    /// </summary>
    public static ProgressMode ModeFor(TextWriter writer, bool silent)
    {
        if (silent)
        {
            return ProgressMode.Silent;
        }
        var terminal = ReferenceEquals(writer, Console.Error) && !Console.IsErrorRedirected
            && Environment.GetEnvironmentVariable("TERM") is not "dumb";
        return terminal ? ProgressMode.Bar : ProgressMode.Lines;
    }

    /// <summary>
    /// Reports <paramref name="done"/> of <paramref name="total"/>: a total of 0 or less is unknown
    /// (a spinner), and a negative <paramref name="done"/> is no count at all (only the detail).
    /// </summary>
    public void Update(long done, long total, string? detail = null, bool force = false)
    {
        if (Mode == ProgressMode.Silent)
        {
            return;
        }
        lock (_gate)
        {
            var now = Stopwatch.GetTimestamp();
            var every = Mode == ProgressMode.Bar ? Redraw : _lineEvery;
            if (!force && Stopwatch.GetElapsedTime(_lastWrite, now) < every)
            {
                return;
            }
            _lastWrite = now;
            if (Mode == ProgressMode.Lines)
            {
                _writer.WriteLine(Line(done, total, detail));
                return;
            }
            var text = Bar(done, total, detail, now);
            // Pads over what the previous, longer draw left behind.
            _writer.Write("\r" + text.PadRight(_drawnWidth));
            _drawnWidth = text.Length;
            _writer.Flush();
        }
    }

    /// <summary>Ends the bar (its line is kept, with the final figures) or prints a last plain line.</summary>
    public void Complete(long done, long total, string? detail = null)
    {
        if (Mode == ProgressMode.Silent)
        {
            return;
        }
        Update(done, total, detail, force: true);
        if (Mode == ProgressMode.Bar)
        {
            lock (_gate)
            {
                _writer.WriteLine();
                _drawnWidth = 0;
            }
        }
    }

    /// <summary>Erases the bar, for an operation whose result is printed instead.</summary>
    public void Clear()
    {
        lock (_gate)
        {
            if (Mode == ProgressMode.Bar && _drawnWidth > 0)
            {
                _writer.Write("\r" + new string(' ', _drawnWidth) + "\r");
                _writer.Flush();
                _drawnWidth = 0;
            }
        }
    }

    /// <summary>A line of its own (a failure, say): above the bar on a terminal, which the next update redraws; even when silent.</summary>
    public void Say(string line)
    {
        lock (_gate)
        {
            if (Mode == ProgressMode.Bar && _drawnWidth > 0)
            {
                _writer.Write("\r" + line.PadRight(_drawnWidth) + _writer.NewLine);
                _drawnWidth = 0;
            }
            else
            {
                _writer.WriteLine(line);
            }
        }
    }

    /// <summary>Calls <paramref name="read"/> and reports its figures every 100 ms until <paramref name="stop"/> is cancelled.</summary>
    public async Task TrackAsync(Func<(long Done, long Total, string? Detail)> read, CancellationToken stop)
    {
        if (Mode == ProgressMode.Silent)
        {
            return;
        }
        try
        {
            while (true)
            {
                await Task.Delay(Redraw, stop);
                var (done, total, detail) = read();
                Update(done, total, detail);
            }
        }
        catch (OperationCanceledException)
        {
            // The operation is over (or was cancelled): stop reporting.
        }
    }

    internal string Line(long done, long total, string? detail)
    {
        var text = new StringBuilder(Label).Append(": ");
        if (done >= 0)
        {
            text.Append(total > 0 ? $"{Count(done)}/{Count(total)}" : Count(done));
        }
        if (done >= 0 && Unit.Length > 0)
        {
            text.Append(' ').Append(Unit);
        }
        if (!string.IsNullOrEmpty(detail))
        {
            text.Append(done >= 0 ? ", " : "").Append(detail);
        }
        return text.ToString();
    }

    private string Bar(long done, long total, string? detail, long now)
    {
        var text = new StringBuilder(Label).Append(' ');
        if (total > 0)
        {
            var fraction = Math.Clamp((double)done / total, 0, 1);
            var filled = (int)Math.Round(fraction * BarWidth);
            text.Append('[').Append('#', filled).Append('.', BarWidth - filled).Append("] ")
                .Append(CultureInfo.InvariantCulture, $"{fraction * 100,3:0}% {Count(done)}/{Count(total)}");
        }
        else
        {
            // No total known: a spinner that turns with every redraw.
            text.Append("|/-\\"[(int)(now / (Stopwatch.Frequency / 10) % 4)]);
            if (done >= 0)
            {
                text.Append(' ').Append(Count(done));
            }
        }
        if (done >= 0 && Unit.Length > 0)
        {
            text.Append(' ').Append(Unit);
        }
        if (!string.IsNullOrEmpty(detail))
        {
            text.Append("  ").Append(detail);
        }
        return text.ToString();
    }

    private static string Count(long n) => n.ToString("N0", CultureInfo.InvariantCulture);
}
