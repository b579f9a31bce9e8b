using System.Collections.Concurrent;

namespace Herald.Core.Templates;

/// <summary>
/// Stops renders that run past their time on a thread of its own. A timed
/// <see cref="CancellationTokenSource"/> fires from the thread pool, and on a pool kept busy
/// (a burst of requests, a host running many servers) its timer can fire seconds late; this clock
/// keeps the render limit to within a few milliseconds whatever the pool is doing.
/// </summary>
internal static class RenderClock
{
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(10);
    private static readonly ConcurrentDictionary<CancellationTokenSource, long> Deadlines = new();
    private static readonly AutoResetEvent Watching = new(false);

    static RenderClock()
    {
        new Thread(Run) { IsBackground = true, Name = "herald template clock" }.Start();
    }

    /// <summary>Cancels <paramref name="render"/> once <paramref name="limit"/> has passed, unless the returned scope is disposed first.</summary>
    public static Scope Watch(CancellationTokenSource render, TimeSpan limit)
    {
        Deadlines[render] = Environment.TickCount64 + (long)limit.TotalMilliseconds;
        Watching.Set();
        return new Scope(render);
    }

    private static void Run()
    {
        while (true)
        {
            if (Deadlines.IsEmpty)
            {
                Watching.WaitOne();
                continue;
            }
            Thread.Sleep(Tick);
            var now = Environment.TickCount64;
            foreach (var (render, deadline) in Deadlines)
            {
                if (now >= deadline && Deadlines.TryRemove(render, out _))
                {
                    try
                    {
                        render.Cancel();
                    }
                    catch (ObjectDisposedException)
                    {
                        // The render ended and let go of its source between the look and the cancel.
                    }
                }
            }
        }
    }

    /// <summary>Ends the watch when the render ends.</summary>
    public readonly struct Scope(CancellationTokenSource render) : IDisposable
    {
        public void Dispose() => Deadlines.TryRemove(render, out _);
    }
}
