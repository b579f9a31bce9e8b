namespace Herald.Core.Templates;

/// <summary>
/// Runs body template renders on a few threads of their own, never on the thread pool that serves
/// requests and drives deliveries, and takes the waiting renders of each organization in turn.
/// </summary>
/// <remarks>
/// A render is synchronous CPU work of up to a second (see <see cref="BodyTemplate.RenderTimeout"/>).
/// On the thread pool, a burst of slow renders held its threads and delayed everything else in the
/// process, other organizations' publishes and deliveries and the health checks included. Here at
/// most <see cref="Threads"/> renders run at once (half the cores, at least one), so the rest of
/// Herald keeps the other cores; and the queue is one line per organization served round-robin, so
/// an organization whose templates are slow waits behind its own renders, not everyone else's.
/// <para>
/// A delivery attempt holds one of the dispatcher's workers while it waits for its render, so an
/// organization may not keep more renders waiting than its recent renders take <see cref="MaxWait"/>
/// to get through: the others fail at once (their attempts are retried on schedule) and give their
/// workers back. Templates that render in a millisecond never meet this; a burst of templates that
/// take a second each would otherwise hold every worker, and other organizations' deliveries with it.
/// </para>
/// </remarks>
internal sealed class TemplateRenderer
{
    /// <summary>The renderer of the process: the render threads are a process-wide bound on CPU and memory.</summary>
    public static TemplateRenderer Shared { get; } = new(Math.Max(1, Environment.ProcessorCount / 2));

    /// <summary>Renders one organization may have waiting, however fast; more fail at once.</summary>
    public const int MaxWaitingPerOrganization = 1000;

    /// <summary>
    /// How long a render may wait for a thread, and how much rendering (by the organization's recent
    /// render times) it may find waiting before it. An attempt holds its delivery's lease (the
    /// endpoint timeout plus 30 s) and a worker while it waits, so it gives up well before.
    /// </summary>
    public static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(5);

    // DotLiquid recurses per nested block (up to 80) and per filter call; room to spare.
    private const int StackBytes = 16 * 1024 * 1024;

    private readonly Lock _lock = new();
    private readonly Dictionary<string, LinkedList<Work>> _waiting = new(StringComparer.Ordinal);
    // Each organization's recent render time in milliseconds (a moving average), once it rendered.
    private readonly Dictionary<string, double> _renderMilliseconds = new(StringComparer.Ordinal);
    // Organizations with renders waiting, each once, in the order they are served.
    private readonly Queue<string> _turns = new();
    private readonly SemaphoreSlim _ready = new(0);

    public TemplateRenderer(int threads)
    {
        Threads = threads;
        for (var i = 0; i < threads; i++)
        {
            new Thread(Run, StackBytes) { IsBackground = true, Name = $"herald template render {i + 1}" }.Start();
        }
    }

    public int Threads { get; }

    /// <summary>Renders on a render thread once it is <paramref name="organization"/>'s turn.</summary>
    public Task<(byte[] Body, string? Error)> RenderAsync(BodyTemplate template, TemplateContext context, string organization, CancellationToken cancellationToken)
    {
        var work = new Work(template, context, organization, cancellationToken, Environment.TickCount64);
        lock (_lock)
        {
            var waiting = _waiting.TryGetValue(organization, out var queue) ? queue.Count : 0;
            if (waiting >= MaxWaitingPerOrganization || WouldWaitTooLong(organization, waiting + 1))
            {
                return Task.FromResult<(byte[], string?)>(([], TooMuchWaiting));
            }
            if (queue is null)
            {
                queue = new LinkedList<Work>();
                _waiting[organization] = queue;
                _turns.Enqueue(organization);
            }
            queue.AddLast(work);
        }
        _ready.Release();
        return work.Done.Task;
    }

    private static string TooMuchWaiting =>
        $"the template was not rendered: this organization's renders already waiting would take more than {MaxWait.TotalSeconds:0} s";

    /// <summary>Whether the organization's last waiting render would start after <see cref="MaxWait"/>.</summary>
    private bool WouldWaitTooLong(string organization, int waiting) =>
        _renderMilliseconds.TryGetValue(organization, out var milliseconds)
        && (waiting - 1) * milliseconds / Threads > MaxWait.TotalMilliseconds;

    /// <summary>After a render: the organization's average, and the renders that now would wait too long fail.</summary>
    private void Rendered(string organization, double milliseconds)
    {
        List<Work>? dropped = null;
        lock (_lock)
        {
            _renderMilliseconds[organization] = _renderMilliseconds.TryGetValue(organization, out var average)
                ? 0.7 * average + 0.3 * milliseconds
                : milliseconds;
            if (_waiting.TryGetValue(organization, out var queue))
            {
                // The last ones go: the turns and the semaphore still count them, and the threads skip them.
                while (queue.Count > 0 && WouldWaitTooLong(organization, queue.Count))
                {
                    (dropped ??= []).Add(queue.Last!.Value);
                    queue.RemoveLast();
                }
            }
        }
        foreach (var work in dropped ?? [])
        {
            work.Done.TrySetResult(([], TooMuchWaiting));
        }
    }

    private void Run()
    {
        while (true)
        {
            _ready.Wait();
            Work? work = null;
            lock (_lock)
            {
                // A release for a render that was dropped since finds its organization's line empty or gone.
                while (work is null && _turns.TryDequeue(out var organization))
                {
                    var queue = _waiting[organization];
                    if (queue.First is { } first)
                    {
                        work = first.Value;
                        queue.RemoveFirst();
                    }
                    if (queue.Count > 0)
                    {
                        _turns.Enqueue(organization);
                    }
                    else
                    {
                        _waiting.Remove(organization);
                    }
                }
            }
            if (work is null)
            {
                continue;
            }
            if (work.Cancellation.IsCancellationRequested)
            {
                work.Done.TrySetCanceled(work.Cancellation);
                continue;
            }
            if (Environment.TickCount64 - work.QueuedAt > MaxWait.TotalMilliseconds)
            {
                work.Done.TrySetResult(([], $"the template waited more than {MaxWait.TotalSeconds:0} s for a render thread"));
                continue;
            }
            var started = Environment.TickCount64;
            (byte[] Body, string? Error) result;
            try
            {
                result = work.Template.Render(work.Context);
            }
            catch (Exception ex)
            {
                // Render returns every template failure as its error; anything else goes to the caller.
                Rendered(work.Organization, Environment.TickCount64 - started);
                work.Done.TrySetException(ex);
                continue;
            }
            // The organization's render time is known before its caller hears back and sends more.
            Rendered(work.Organization, Environment.TickCount64 - started);
            work.Done.TrySetResult(result);
        }
    }

    private sealed record Work(BodyTemplate Template, TemplateContext Context, string Organization, CancellationToken Cancellation, long QueuedAt)
    {
        // Continuations run off the render thread, which goes straight on to the next render.
        public TaskCompletionSource<(byte[] Body, string? Error)> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
