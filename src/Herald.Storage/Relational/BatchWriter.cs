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
/// Lanes and jobs are asynchronous: on a server database no thread waits on the network while a
/// transaction is in flight (on SQLite the statements complete synchronously, as its provider does).
/// </summary>
internal sealed class BatchWriter : IAsyncDisposable
{
    private const int MaxJobsPerTransaction = 512;

    /// <summary>How long a batch is retried through transient errors (a restarting server) before its jobs fail.</summary>
    private static readonly TimeSpan RetryFor = TimeSpan.FromSeconds(30);

    private readonly Channel<IJob> _jobs;
    private readonly Func<ValueTask<DbConnection>> _open;
    private readonly IDialect _dialect;
    private readonly Task[] _lanes;

    /// <param name="lanes">
    /// Transactions run at once, each on its own connection: one for SQLite (one writer at a time),
    /// several for a server database, where a transaction mostly waits on round trips.
    /// </param>
    public BatchWriter(Func<ValueTask<DbConnection>> open, IDialect dialect, int lanes = 1)
    {
        _open = open;
        _dialect = dialect;
        _jobs = Channel.CreateUnbounded<IJob>(new UnboundedChannelOptions { SingleReader = lanes == 1 });
        _lanes = [.. Enumerable.Range(0, Math.Max(1, lanes)).Select(_ => Task.Run(() => new Lane(this).RunAsync()))];
    }

    /// <summary>Runs <paramref name="job"/> inside a transaction; the task completes only after that transaction committed.</summary>
    public Task<T> WriteAsync<T>(Func<DbConnection, DbTransaction, ValueTask<T>> job) => Enqueue(new Job<T>(job));

    /// <summary>
    /// Runs <paramref name="write"/> inside a transaction, its statements sent in one round trip with
    /// those of the other such writes of the transaction where the dialect can (<see cref="IDialect.BatchesStatements"/>);
    /// the task completes only after that transaction committed.
    /// </summary>
    public Task<T> WriteAsync<T>(StatementWrite<T> write) => Enqueue(new Job<T>(async (connection, transaction) =>
    {
        var result = await write.RunAsync(connection, transaction).ConfigureAwait(false);
        if (write.Notification is { } message)
        {
            _dialect.Notify(connection, transaction, message);
        }
        return result;
    })
    { Statements = write });

    private Task<T> Enqueue<T>(Job<T> entry)
    {
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
                    await RunBatchAsync(batch).ConfigureAwait(false);
                }
            }
            if (_connection is not null)
            {
                _writer._dialect.WriterConnection(_connection, opened: false);
                await _connection.DisposeAsync().ConfigureAwait(false);
            }
        }

        private async Task RunBatchAsync(List<IJob> batch)
        {
            var committed = await WithRetryAsync(batch, () => RunTogetherAsync(batch)).ConfigureAwait(false);
            if (committed is false)
            {
                // A job failed (a unique name taken, say): its writes must not ride along with the others',
                // so the batch runs again one job per transaction, and only that job fails.
                foreach (var job in batch)
                {
                    await WithRetryAsync([job], () => RunAloneAsync(job)).ConfigureAwait(false);
                }
            }
        }

        /// <summary>Runs the batch in one transaction: true when committed, false when a job failed (all rolled back).</summary>
        private async Task<bool> RunTogetherAsync(List<IJob> batch)
        {
            var connection = await ConnectionAsync().ConfigureAwait(false);
            // SQLite's provider begins IMMEDIATE: the write lock is taken up front, never upgraded mid-batch.
            await using var transaction = await connection.BeginTransactionAsync().ConfigureAwait(false);
            var sent = _writer._dialect.BatchesStatements && connection.CanCreateBatch
                ? await RunStatementsAsync(batch, connection, transaction).ConfigureAwait(false)
                : 0;
            if (sent < 0)
            {
                await transaction.RollbackAsync().ConfigureAwait(false);
                return false;
            }
            foreach (var job in batch)
            {
                var ran = job.Statements is not null && sent > 0
                    ? await job.FinishAsync(connection, transaction).ConfigureAwait(false)
                    : await job.RunAsync(connection, transaction).ConfigureAwait(false);
                if (!ran)
                {
                    ThrowIfTransient(job);
                    await transaction.RollbackAsync().ConfigureAwait(false);
                    return false;
                }
            }
            // Checkpoint: nothing below is reported to a caller before this commit is durable.
            await _writer._dialect.BeforeCommitAsync(connection, transaction).ConfigureAwait(false);
            await transaction.CommitAsync().ConfigureAwait(false);
            foreach (var job in batch)
            {
                job.Publish();
            }
            return true;
        }

        /// <summary>
        /// Sends the statements of every statement write of the batch in one round trip (a DbBatch),
        /// and hands each write the row its last statement returned. Returns how many writes were
        /// sent (0: fewer than two, nothing to gain, they run one by one), or -1 when a statement
        /// failed: the transaction is then lost, and the batch runs again one write per transaction
        /// so that only the failing one fails.
        /// </summary>
        private async Task<int> RunStatementsAsync(List<IJob> batch, DbConnection connection, DbTransaction transaction)
        {
            var writes = batch.Count(j => j.Statements is not null);
            if (writes < 2)
            {
                return 0;
            }
            await using var dbBatch = connection.CreateBatch();
            dbBatch.Transaction = transaction;
            HashSet<string>? messages = null;
            foreach (var job in batch)
            {
                if (job.Statements?.Notification is { } message)
                {
                    (messages ??= new(StringComparer.Ordinal)).Add(message);
                }
                if (job.Statements is { } statements)
                {
                    foreach (var (sql, args) in statements.Commands())
                    {
                        var command = dbBatch.CreateBatchCommand();
                        command.CommandText = sql;
                        foreach (var (name, value) in args)
                        {
                            var p = command.CreateParameter();
                            p.ParameterName = name;
                            p.Value = value ?? DBNull.Value;
                            command.Parameters.Add(p);
                        }
                        dbBatch.BatchCommands.Add(command);
                    }
                }
            }
            if (messages is not null)
            {
                // What these writes tell the other processes rides in the same round trip, last.
                _writer._dialect.NotifyInBatch(dbBatch, messages);
            }
            try
            {
                await using var reader = await dbBatch.ExecuteReaderAsync().ConfigureAwait(false);
                // Only the writes' reading statements (a SELECT last) return columns, in the order
                // they were added; statements that return none are skipped, whether or not the
                // provider shows them as results of their own.
                var current = true;
                foreach (var job in batch)
                {
                    if (job.Statements is not { } statements)
                    {
                        continue;
                    }
                    if (!statements.Reads)
                    {
                        job.Read(null);
                        continue;
                    }
                    while (current && reader.FieldCount == 0)
                    {
                        current = await reader.NextResultAsync().ConfigureAwait(false);
                    }
                    if (!current)
                    {
                        throw new InvalidOperationException("The batch returned fewer results than it has reading statements.");
                    }
                    job.Read(await reader.ReadAsync().ConfigureAwait(false) ? reader : null);
                    current = await reader.NextResultAsync().ConfigureAwait(false);
                }
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                if (_writer._dialect.IsTransient(e))
                {
                    throw new TransientFailure(e);
                }
                return -1;
            }
            return writes;
        }

        private async Task<bool> RunAloneAsync(IJob job)
        {
            var connection = await ConnectionAsync().ConfigureAwait(false);
            await using var transaction = await connection.BeginTransactionAsync().ConfigureAwait(false);
            if (await job.RunAsync(connection, transaction).ConfigureAwait(false))
            {
                await _writer._dialect.BeforeCommitAsync(connection, transaction).ConfigureAwait(false);
                await transaction.CommitAsync().ConfigureAwait(false);
            }
            else
            {
                ThrowIfTransient(job);
                await transaction.RollbackAsync().ConfigureAwait(false);
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
        private async Task<bool?> WithRetryAsync(List<IJob> jobs, Func<Task<bool>> run)
        {
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            for (var attempt = 0; ; attempt++)
            {
                Exception error;
                try
                {
                    return await run().ConfigureAwait(false);
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
                await ResetConnectionAsync().ConfigureAwait(false);
                if (_writer._dialect.IsTransient(error) && System.Diagnostics.Stopwatch.GetElapsedTime(started) < RetryFor)
                {
                    _writer._dialect.ResetConnections();
                    await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(2_000, 50 << Math.Min(attempt, 6)))).ConfigureAwait(false);
                    continue;
                }
                foreach (var job in jobs)
                {
                    job.Abandon(error);
                }
                return null;
            }
        }

        private async ValueTask<DbConnection> ConnectionAsync()
        {
            if (_connection is null)
            {
                _connection = await _writer._open().ConfigureAwait(false);
                _connection.KeepStatementsPrepared();
                _writer._dialect.WriterConnection(_connection, opened: true);
            }
            return _connection;
        }

        private async ValueTask ResetConnectionAsync()
        {
            try
            {
                if (_connection is not null)
                {
                    _writer._dialect.WriterConnection(_connection, opened: false);
                    await _connection.DisposeAsync().ConfigureAwait(false);
                }
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
        ValueTask<bool> RunAsync(DbConnection connection, DbTransaction transaction);

        /// <summary>The statements of a statement write, to be sent with others'; null for other work.</summary>
        IStatementWrite? Statements { get; }

        /// <summary>A statement write's last statement returned this row (null: none), in a batch.</summary>
        void Read(DbDataReader? row);

        /// <summary>After its statements were sent in a batch: the rest of a statement write; false when it threw.</summary>
        ValueTask<bool> FinishAsync(DbConnection connection, DbTransaction transaction);
        Exception? Error { get; }
        void Abandon(Exception e);
        void Publish();
    }

    private sealed class Job<T>(Func<DbConnection, DbTransaction, ValueTask<T>> work) : IJob
    {
        private T? _result;
        private Exception? _error;

        public Exception? Error => _error;

        public TaskCompletionSource<T> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public StatementWrite<T>? Statements { get; init; }

        IStatementWrite? IJob.Statements => Statements;

        public void Read(DbDataReader? row) => Statements!.Read(row);

        public async ValueTask<bool> FinishAsync(DbConnection connection, DbTransaction transaction)
        {
            _error = null;
            try
            {
                _result = await Statements!.FinishAsync(connection, transaction).ConfigureAwait(false);
                return true;
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                _error = e;
                return false;
            }
        }

        public async ValueTask<bool> RunAsync(DbConnection connection, DbTransaction transaction)
        {
            _error = null;
            try
            {
                _result = await work(connection, transaction).ConfigureAwait(false);
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

/// <summary>The statements of a write, known before it runs.</summary>
internal interface IStatementWrite
{
    /// <summary>Each statement with the arguments it names.</summary>
    IEnumerable<(string Sql, IEnumerable<(string Name, object? Value)> Args)> Commands();

    /// <summary>How many statements <see cref="Commands"/> has.</summary>
    int Count { get; }

    /// <summary>True when the last statement is a SELECT whose first row the write takes.</summary>
    bool Reads { get; }

    /// <summary>What the write tells the other processes when its transaction commits (a <see cref="StoreNotifications"/> message), if anything.</summary>
    string? Notification { get; }

    void Read(DbDataReader? row);
}

/// <summary>
/// A write made of statements known before it runs, so that a server database can receive those of
/// many writes in one round trip: the statements (and the same joined in one command, as they run
/// alone), their arguments, what to take from the first row of the last one, and what to do after
/// on the transaction (usually nothing: <paramref name="finish"/> decides from that row).
/// </summary>
internal sealed class StatementWrite<T>(
    string[] statements,
    string joined,
    (string Name, object? Value)[] args,
    Func<DbDataReader, object?>? read,
    Func<DbConnection, DbTransaction, object?, ValueTask<T>> finish,
    string? notification = null) : IStatementWrite
{
    private object? _row;

    public string? Notification => notification;

    public int Count => statements.Length;

    public bool Reads => read is not null;

    public IEnumerable<(string Sql, IEnumerable<(string Name, object? Value)> Args)> Commands() =>
        statements.Select(sql => (sql, args.Where(a => Names(sql, a.Name))));

    /// <summary>True when <paramref name="sql"/> uses the parameter <paramref name="name"/> (not merely one it prefixes).</summary>
    private static bool Names(string sql, string name)
    {
        for (var at = sql.IndexOf(name, StringComparison.Ordinal); at >= 0; at = sql.IndexOf(name, at + 1, StringComparison.Ordinal))
        {
            var end = at + name.Length;
            if (end == sql.Length || !(char.IsLetterOrDigit(sql[end]) || sql[end] == '_'))
            {
                return true;
            }
        }
        return false;
    }

    public void Read(DbDataReader? row) => _row = row is null || read is null ? null : read(row);

    public ValueTask<T> FinishAsync(DbConnection connection, DbTransaction transaction) => finish(connection, transaction, _row);

    /// <summary>The statements in one command on the transaction, then the rest.</summary>
    public async ValueTask<T> RunAsync(DbConnection connection, DbTransaction transaction)
    {
        if (read is null)
        {
            await connection.ExecuteAsync(transaction, joined, args).ConfigureAwait(false);
            _row = null;
        }
        else
        {
            _row = (await connection.QueryLastAsync(transaction, joined, r => new Row(read(r)), args).ConfigureAwait(false))?.Value;
        }
        return await finish(connection, transaction, _row).ConfigureAwait(false);
    }

    private readonly record struct Row(object? Value);
}
