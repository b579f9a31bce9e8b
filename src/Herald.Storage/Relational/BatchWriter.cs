using System.Data.Common;
using System.Threading.Channels;

namespace Herald.Storage.Relational;

/// <summary>
/// Group commit: every write of the process goes through one writer connection (a few on a server
/// database, each running its own transaction), and the jobs that queue
/// up while a transaction commits are run together in the next one. One fsync then secures many
/// publishes and completions, which is what lets a durable (synchronous=FULL) store keep up with
/// thousands of deliveries a second. When one job fails (a unique name taken), the batch is rolled
/// back and run again one job per transaction, so that job alone fails. A transaction that fails
/// because the database did (a deadlock, a lost connection, a restarting server) is run again.
/// </summary>
internal sealed class BatchWriter : IAsyncDisposable
{
    private const int MaxJobsPerTransaction = 512;

    /// <summary>How long a batch is retried through transient errors (a restarting server) before its jobs fail.</summary>
    private static readonly TimeSpan RetryFor = TimeSpan.FromSeconds(30);

    private readonly Channel<IJob> _jobs;
    private readonly Func<DbConnection> _open;
    private readonly IDialect _dialect;
    private readonly Task[] _lanes;

    /// <param name="lanes">
    /// Transactions run at once, each on its own connection: one for SQLite (one writer at a time),
    /// several for a server database, where a transaction mostly waits on round trips.
    /// </param>
    public BatchWriter(Func<DbConnection> open, IDialect dialect, int lanes = 1)
    {
        _open = open;
        _dialect = dialect;
        _jobs = Channel.CreateUnbounded<IJob>(new UnboundedChannelOptions { SingleReader = lanes == 1 });
        _lanes = [.. Enumerable.Range(0, Math.Max(1, lanes)).Select(_ =>
            Task.Factory.StartNew(() => new Lane(this).RunAsync(), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap())];
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

    /// <summary>One transaction at a time on one connection, taking the jobs that are waiting.</summary>
    private sealed class Lane(BatchWriter writer)
    {
        private readonly BatchWriter _writer = writer;
        private DbConnection? _connection;

        public async Task RunAsync()
        {
            var batch = new List<IJob>(MaxJobsPerTransaction);
            while (await _writer._jobs.Reader.WaitToReadAsync().ConfigureAwait(false))
            {
                batch.Clear();
                while (batch.Count < MaxJobsPerTransaction && _writer._jobs.Reader.TryRead(out var job))
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
            var committed = WithRetry(batch, () => RunTogether(batch));
            if (committed is false)
            {
                // A job failed (a unique name taken, say): its writes must not ride along with the others',
                // so the batch runs again one job per transaction, and only that job fails.
                foreach (var job in batch)
                {
                    WithRetry([job], () => RunAlone(job));
                }
            }
        }

        /// <summary>Runs the batch in one transaction: true when committed, false when a job failed (all rolled back).</summary>
        private bool RunTogether(List<IJob> batch)
        {
            var connection = Connection();
            // SQLite's provider begins IMMEDIATE: the write lock is taken up front, never upgraded mid-batch.
            using var transaction = connection.BeginTransaction();
            foreach (var job in batch)
            {
                if (!job.Run(connection, transaction))
                {
                    ThrowIfTransient(job);
                    transaction.Rollback();
                    return false;
                }
            }
            // Checkpoint: nothing below is reported to a caller before this commit is durable.
            _writer._dialect.BeforeCommit(connection, transaction);
            transaction.Commit();
            foreach (var job in batch)
            {
                job.Publish();
            }
            return true;
        }

        private bool RunAlone(IJob job)
        {
            var connection = Connection();
            using var transaction = connection.BeginTransaction();
            if (job.Run(connection, transaction))
            {
                _writer._dialect.BeforeCommit(connection, transaction);
                transaction.Commit();
            }
            else
            {
                ThrowIfTransient(job);
                transaction.Rollback();
            }
            job.Publish();
            return true;
        }

        /// <summary>A job that failed because the database did (deadlock, lost connection) fails the transaction, to be retried whole.</summary>
        private void ThrowIfTransient(IJob job)
        {
            if (job.Error is { } error && _writer._dialect.IsTransient(error))
            {
                throw new TransientFailure(error);
            }
        }

        /// <summary>
        /// Runs one transaction, again after transient errors until <see cref="RetryFor"/> has passed;
        /// then, or on any other error, every job of it fails. Null when it failed.
        /// </summary>
        private bool? WithRetry(List<IJob> jobs, Func<bool> run)
        {
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            for (var attempt = 0; ; attempt++)
            {
                Exception error;
                try
                {
                    return run();
                }
                catch (TransientFailure e)
                {
                    error = e.InnerException!;
                }
                catch (Exception e)
                {
                    error = e;
                }
                // The transaction is gone; start again on a fresh connection in case this one is broken.
                ResetConnection();
                if (_writer._dialect.IsTransient(error) && System.Diagnostics.Stopwatch.GetElapsedTime(started) < RetryFor)
                {
                    _writer._dialect.ResetConnections();
                    Thread.Sleep(TimeSpan.FromMilliseconds(Math.Min(2_000, 50 << Math.Min(attempt, 6))));
                    continue;
                }
                foreach (var job in jobs)
                {
                    job.Abandon(error);
                }
                return null;
            }
        }

        private DbConnection Connection()
        {
            if (_connection is null)
            {
                _connection = _writer._open();
                _connection.KeepStatementsPrepared();
            }
            return _connection;
        }

        private void ResetConnection()
        {
            try
            {
                _connection?.Dispose();
            }
            catch (Exception e) when (e is DbException or InvalidOperationException or IOException)
            {
                // A broken connection may fail to close; it is dropped either way.
            }
            _connection = null;
        }
    }

    private sealed class TransientFailure(Exception inner) : Exception(inner.Message, inner);

    public async ValueTask DisposeAsync()
    {
        _jobs.Writer.TryComplete();
        await Task.WhenAll(_lanes).ConfigureAwait(false);
    }

    private interface IJob
    {
        /// <summary>Runs the work; false when it threw (the exception is kept for its caller).</summary>
        bool Run(DbConnection connection, DbTransaction transaction);
        Exception? Error { get; }
        void Abandon(Exception e);
        void Publish();
    }

    private sealed class Job<T>(Func<DbConnection, DbTransaction, T> work) : IJob
    {
        private T? _result;
        private Exception? _error;

        public Exception? Error => _error;

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
