using System.Data.Common;
using System.Threading.Channels;

namespace Herald.Storage.Relational;

/// <summary>
/// Group commit: every write of the process goes through one connection, and the jobs that queue
/// up while a transaction commits are run together in the next one. One fsync then secures many
/// publishes and completions, which is what lets a durable (synchronous=FULL) store keep up with
/// thousands of deliveries a second. When one job fails (a unique name taken), the batch is rolled
/// back and run again one job per transaction, so that job alone fails.
/// </summary>
internal sealed class BatchWriter : IAsyncDisposable
{
    private const int MaxJobsPerTransaction = 512;

    private readonly Channel<IJob> _jobs = Channel.CreateUnbounded<IJob>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Func<DbConnection> _open;
    private readonly Task _loop;
    private DbConnection? _connection;

    public BatchWriter(Func<DbConnection> open)
    {
        _open = open;
        _loop = Task.Factory.StartNew(RunAsync, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap();
    }

    /// <summary>Runs <paramref name="job"/> inside a transaction; the task completes only after that transaction committed.</summary>
    public Task<T> WriteAsync<T>(Func<DbConnection, DbTransaction, T> job)
    {
        var entry = new Job<T>(job);
        if (!_jobs.Writer.TryWrite(entry))
        {
            throw new ObjectDisposedException(nameof(BatchWriter), "The store is shut down.");
        }
        return entry.Completion.Task;
    }

    private async Task RunAsync()
    {
        var batch = new List<IJob>(MaxJobsPerTransaction);
        while (await _jobs.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            batch.Clear();
            while (batch.Count < MaxJobsPerTransaction && _jobs.Reader.TryRead(out var job))
            {
                batch.Add(job);
            }
            if (batch.Count > 0)
            {
                RunBatch(batch);
            }
        }
        _connection?.Dispose();
    }

    private void RunBatch(List<IJob> batch)
    {
        try
        {
            _connection ??= _open();
            // Microsoft.Data.Sqlite begins IMMEDIATE: the write lock is taken up front, never upgraded mid-batch.
            using var transaction = _connection.BeginTransaction();
            var allRan = true;
            foreach (var job in batch)
            {
                if (!job.Run(_connection, transaction))
                {
                    allRan = false;
                    break;
                }
            }
            if (allRan)
            {
                // Checkpoint: nothing below is reported to a caller before this commit is durable.
                transaction.Commit();
                foreach (var job in batch)
                {
                    job.Publish();
                }
                return;
            }
            transaction.Rollback();
        }
        catch (Exception e)
        {
            // The whole transaction is gone: fail every job, and start the next batch on a fresh
            // connection in case this one is broken.
            foreach (var job in batch)
            {
                job.Abandon(e);
            }
            ResetConnection();
            return;
        }
        // A job failed (a unique name taken, say): its writes must not ride along with the others',
        // so the batch runs again one job per transaction, and only that job fails.
        foreach (var job in batch)
        {
            RunAlone(job);
        }
    }

    private void RunAlone(IJob job)
    {
        try
        {
            using var transaction = _connection!.BeginTransaction();
            if (job.Run(_connection, transaction))
            {
                transaction.Commit();
            }
            else
            {
                transaction.Rollback();
            }
            job.Publish();
        }
        catch (Exception e)
        {
            job.Abandon(e);
            ResetConnection();
            _connection = _open();
        }
    }

    private void ResetConnection()
    {
        _connection?.Dispose();
        _connection = null;
    }

    public async ValueTask DisposeAsync()
    {
        _jobs.Writer.TryComplete();
        await _loop.ConfigureAwait(false);
    }

    private interface IJob
    {
        /// <summary>Runs the work; false when it threw (the exception is kept for its caller).</summary>
        bool Run(DbConnection connection, DbTransaction transaction);
        void Abandon(Exception e);
        void Publish();
    }

    private sealed class Job<T>(Func<DbConnection, DbTransaction, T> work) : IJob
    {
        private T? _result;
        private Exception? _error;

        public TaskCompletionSource<T> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool Run(DbConnection connection, DbTransaction transaction)
        {
            _error = null;
            try
            {
                _result = work(connection, transaction);
                return true;
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                _error = e;
                return false;
            }
        }

        public void Abandon(Exception e) => Completion.TrySetException(_error ?? e);

        public void Publish()
        {
            if (_error is not null)
            {
                Completion.TrySetException(_error);
            }
            else
            {
                Completion.TrySetResult(_result!);
            }
        }
    }
}
