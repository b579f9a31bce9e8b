using Npgsql;

namespace Herald.Storage.Postgres;

/// <summary>
/// One dedicated connection that LISTENs for what other processes say, reconnecting when it drops.
/// What this process's own writers said (<paramref name="isOwn"/>, by server process id) is not passed on.
/// </summary>
internal sealed class PostgresListener(string connectionString, Func<int, bool> isOwn)
{
    private static readonly TimeSpan Reconnect = TimeSpan.FromSeconds(1);

    public async Task ListenAsync(Action<string> onMessage, CancellationToken cancellationToken)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false, KeepAlive = 30 };
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = new NpgsqlConnection(builder.ConnectionString);
                await connection.OpenAsync(cancellationToken);
                connection.Notification += (_, e) =>
                {
                    if (!isOwn(e.PID))
                    {
                        onMessage(e.Payload);
                    }
                };
                await using (var listen = new NpgsqlCommand($"LISTEN {StoreNotifications.Channel}", connection))
                {
                    await listen.ExecuteNonQueryAsync(cancellationToken);
                }
                // Whatever was said while this connection was down is lost: assume work is due.
                onMessage(StoreNotifications.Resynchronize);
                while (!cancellationToken.IsCancellationRequested)
                {
                    await connection.WaitAsync(cancellationToken);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is NpgsqlException or IOException or TimeoutException or InvalidOperationException)
            {
                // The server restarted or the network dropped: the dispatcher's once-a-second read
                // still finds due work meanwhile; listen again shortly.
                try
                {
                    await Task.Delay(Reconnect, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }
}
