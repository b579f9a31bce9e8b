using System.Collections;
using System.Text;

namespace Herald.Core.Templates;

/// <summary>
/// The time and memory one render may use, checked wherever a render does work: between DotLiquid's
/// nodes (through the cancellation), in every filter, and on every write to an output or capture.
/// </summary>
/// <remarks>
/// A render runs synchronously on one thread, so the budget is that thread's: it lives in a
/// thread-static slot for the length of the render, and memory is what the thread allocated since
/// the render began (<see cref="GC.GetAllocatedBytesForCurrentThread"/>), garbage included. Counting
/// allocation rather than live memory is deliberate: it is exact per render, needs no GC, and a
/// render that churns through gigabytes is stopped even if little of it stays reachable.
/// </remarks>
internal sealed class RenderBudget : IDisposable
{
    /// <summary>
    /// What one render may allocate. DotLiquid allocates about 4 KiB per loop iteration, so a loop
    /// writing out 20,000 objects of a 700 KB event allocates about 80 MiB: this leaves room for
    /// three times that, and since nothing a render keeps can outgrow what it allocated, it also
    /// bounds the memory a render holds.
    /// </summary>
    public const long MaxAllocatedBytes = 256L * 1024 * 1024;

    // Loops inside filters check every this many steps: often enough to stop within milliseconds,
    // rarely enough that the check costs nothing measurable.
    private const int StepsPerCheck = 1024;

    [ThreadStatic]
    private static RenderBudget? current;

    private readonly RenderBudget? _outer;
    private readonly long _allocatedAtStart;
    private readonly CancellationToken _timeout;
    private int _steps;

    private RenderBudget(CancellationToken timeout)
    {
        _outer = current;
        _timeout = timeout;
        _allocatedAtStart = GC.GetAllocatedBytesForCurrentThread();
        current = this;
    }

    /// <summary>Starts the budget of a render on this thread; dispose it when the render ends.</summary>
    public static RenderBudget Start(CancellationToken timeout) => new(timeout);

    /// <summary>Bytes this thread allocated since the render began.</summary>
    public long Allocated => GC.GetAllocatedBytesForCurrentThread() - _allocatedAtStart;

    /// <summary>Throws when the render ran out of time or memory (or outside a render: nothing).</summary>
    public static void Check() => current?.CheckNow();

    /// <summary>One step of a loop inside a filter; checks the budget every few hundred steps.</summary>
    public static void Step()
    {
        if (current is { } budget && ++budget._steps % StepsPerCheck == 0)
        {
            budget.CheckNow();
        }
    }

    private void CheckNow()
    {
        // DotLiquid's own checks between nodes throw this too; the render reports both alike.
        _timeout.ThrowIfCancellationRequested();
        if (Allocated > MaxAllocatedBytes)
        {
            throw new RenderLimitException($"the template allocated more than {MaxAllocatedBytes / (1024 * 1024)} MiB");
        }
    }

    public void Dispose() => current = _outer;
}

/// <summary>A render stopped by a bound; the message is the attempt's error as it stands.</summary>
internal sealed class RenderLimitException(string message) : Exception(message);

/// <summary>
/// The checks every filter makes around the work it wraps: the render's budget before and after,
/// and the size of what it returns, so no chain of filters can build values without bound.
/// </summary>
internal static class FilterGuard
{
    /// <summary>
    /// The largest value a filter may return, in characters of its strings plus items of its arrays
    /// (nested ones counted through): 4 Mi, four times the body limit, so trimming later still fits.
    /// </summary>
    public const long MaxValueSize = TemplateFilters.MaxStringLength;

    // Values nest at most as deep as published JSON (128 with headroom); deeper is counted as one.
    private const int MaxDepth = 128;

    public static void In(string filter, params object?[] values)
    {
        RenderBudget.Check();
        foreach (var value in values)
        {
            EnsureFits(filter, value, "was given");
        }
    }

    public static T Out<T>(string filter, T value)
    {
        RenderBudget.Check();
        EnsureFits(filter, value, "would build");
        RenderBudget.Check();
        return value;
    }

    private static void EnsureFits(string filter, object? value, string verb)
    {
        if (value is null or ValueType)
        {
            return;
        }
        if (Size(value, MaxValueSize, 0) > MaxValueSize)
        {
            throw new InvalidOperationException($"{filter} {verb} a value larger than {MaxValueSize / (1024 * 1024)} Mi characters and items");
        }
    }

    /// <summary>The value's size, counting no further than just past <paramref name="limit"/>.</summary>
    internal static long Size(object? value, long limit, int depth)
    {
        switch (value)
        {
            case string text:
                return Math.Max(1, text.Length);
            // Published JSON: at least one byte per character and per item, and already in memory.
            case JsonObjectValue obj:
                return Math.Max(1, obj.Raw.Length);
            case JsonArrayValue array:
                return Math.Max(1, array.Raw.Length);
            case IEnumerable items when depth < MaxDepth:
                long size = 0;
                foreach (var item in items is IDictionary dictionary ? dictionary.Values : items)
                {
                    RenderBudget.Step();
                    size += 1 + Size(item, limit - size, depth + 1);
                    if (size > limit)
                    {
                        return size;
                    }
                }
                return size;
            default:
                return 1;
        }
    }

    /// <summary>An upper bound of the length of <paramref name="input"/> once HTML-encoded.</summary>
    public static long HtmlEncodedLength(string input)
    {
        long length = 0;
        foreach (var c in input)
        {
            // &lt; &gt; &amp; &quot; &#39; and &#NNNNN; for everything from U+00A0 on.
            length += c switch
            {
                '<' or '>' => 4,
                '&' or '\'' => 5,
                '"' => 6,
                >= '\u00A0' => 8,
                _ => 1,
            };
        }
        return length;
    }

    public static void EnsureFits(long length, string filter)
    {
        if (length > TemplateFilters.MaxStringLength)
        {
            throw new InvalidOperationException($"{filter} would build a string longer than {TemplateFilters.MaxStringLength / (1024 * 1024)} Mi characters");
        }
    }

    /// <summary>A format's output is at most this many times its length (strftime's longest expansions).</summary>
    public static void EnsureFormatFits(string? format, string filter)
    {
        if (format is not null)
        {
            EnsureFits(format.Length * 64L, filter);
        }
    }

    public static int Utf8Length(string input) => Encoding.UTF8.GetByteCount(input);
}
