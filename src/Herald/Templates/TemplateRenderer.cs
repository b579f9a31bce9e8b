namespace Herald.Templates;

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
/// </remarks>
internal sealed class TemplateRenderer
{
    /// <summary>The renderer of the process: the render threads are a process-wide bound on CPU and memory.</summary>
    public static TemplateRenderer Shared { get; } = new(Math.Max(1, Environment.ProcessorCount / 2));

    /// <summary>Renders one organization may have waiting; more fail at once instead of piling up.</summary>
    public const int MaxWaitingPerOrganization = 1000;

    /// <summary>
    /// How long a render may wait for a thread. An attempt holds its delivery's lease while it waits
    /// (the endpoint timeout plus 30 s), so it gives up well before and is retried on schedule.
    /// </summary>
    public static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(10);

    // DotLiquid recurses per nested block (up to 80) and per filter call; room to spare.
    private const int StackBytes = 16 * 1024 * 1024;

    private readonly Lock _lock = new();
    private readonly Dictionary<string, Queue<Work>> _waiting = new(StringComparer.Ordinal);
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
        var work = new Work(template, context, cancellationToken, Environment.TickCount64);
        lock (_lock)
        {
            if (!_waiting.TryGetValue(organization, out var queue))
            {
                queue = new Queue<Work>();
                _waiting[organization] = queue;
                _turns.Enqueue(organization);
            }
            if (queue.Count >= MaxWaitingPerOrganization)
            {
                return Task.FromResult<(byte[], string?)>(([], $"the template was not rendered: {MaxWaitingPerOrganization} renders of this organization are already waiting"));
            }
            queue.Enqueue(work);
        }
        _ready.Release();
        return work.Done.Task;
    }

    private void Run()
    {
        while (true)
        {
            _ready.Wait();
            Work work;
            lock (_lock)
            {
                var organization = _turns.Dequeue();
                var queue = _waiting[organization];
                work = queue.Dequeue();
                if (queue.Count > 0)
                {
                    _turns.Enqueue(organization);
                }
                else
                {
                    _waiting.Remove(organization);
                }
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
            try
            {
                work.Done.TrySetResult(work.Template.Render(work.Context));
            }
            catch (Exception ex)
            {
                // Render returns every template failure as its error; anything else goes to the caller.
                work.Done.TrySetException(ex);
            }
        }
    }

    private sealed record Work(BodyTemplate Template, TemplateContext Context, CancellationToken Cancellation, long QueuedAt)
    {
        // Continuations run off the render thread, which goes straight on to the next render.
        public TaskCompletionSource<(byte[] Body, string? Error)> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
