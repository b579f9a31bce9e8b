using System.Data.Common;
using System.Threading.Channels;

namespace Herald.Storage.Relational;

/// <summary>
/// Group commit: every write of the process goes through one connection, and the jobs that queue
/// up while a transaction commits are run together in the next one. One fsync then secures many
/// publishes and completions, which is what lets a durable (synchronous=FULL) store keep up with
/// thousands of deliveries a second. Each job runs in its own savepoint, so one job's failure
/// (a unique name taken) rolls back that job alone.
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
            for (var i = 0; i < batch.Count; i++)
            {
                batch[i].Run(_connection, transaction);
            }
            // Checkpoint: nothing below is reported to a caller before this commit is durable.
            transaction.Commit();
        }
        catch (Exception e)
        {
            // The whole transaction is gone: fail every job that had not already failed on its own,
            // and start the next batch on a fresh connection in case this one is broken.
            foreach (var job in batch)
            {
                job.Abandon(e);
            }
            _connection?.Dispose();
            _connection = null;
            return;
        }
        foreach (var job in batch)
        {
            job.Publish();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _jobs.Writer.TryComplete();
        await _loop.ConfigureAwait(false);
    }

    private interface IJob
    {
        void Run(DbConnection connection, DbTransaction transaction);
        void Abandon(Exception e);
        void Publish();
    }

    private sealed class Job<T>(Func<DbConnection, DbTransaction, T> work) : IJob
    {
        private static int _savepoints;
        private T? _result;
        private Exception? _error;

        public TaskCompletionSource<T> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Run(DbConnection connection, DbTransaction transaction)
        {
            var name = "j" + Interlocked.Increment(ref _savepoints);
            connection.Execute(transaction, "SAVEPOINT " + name);
            try
            {
                _result = work(connection, transaction);
                connection.Execute(transaction, "RELEASE SAVEPOINT " + name);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                _error = e;
                connection.Execute(transaction, "ROLLBACK TO SAVEPOINT " + name);
                connection.Execute(transaction, "RELEASE SAVEPOINT " + name);
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
