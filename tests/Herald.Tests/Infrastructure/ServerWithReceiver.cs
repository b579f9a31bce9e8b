namespace Herald.Tests.Infrastructure;

/// <summary>A Herald server and a loopback receiver, fresh for each test of the class.</summary>
public abstract class ServerWithReceiver : IAsyncLifetime
{
    protected HeraldTestServer Server { get; private set; } = null!;

    protected TestReceiver Receiver { get; private set; } = null!;

    /// <summary>Starts the server; a class overrides it to shorten timings or inject a clock or resolver.</summary>
    protected virtual Task<HeraldTestServer> StartServerAsync() => HeraldTestServer.StartAsync();

    public virtual async Task InitializeAsync()
    {
        Server = await StartServerAsync();
        Receiver = await TestReceiver.StartAsync();
    }

    public virtual async Task DisposeAsync()
    {
        await Receiver.DisposeAsync();
        await Server.DisposeAsync();
    }
}
