namespace Herald.Bench;

/// <summary>
/// What <c>herald bench</c> needs from the executable that runs it, and nothing of Herald's
/// insides: the version it reports, where that executable is (the <c>--processes</c> topology
/// starts it as <c>herald serve</c>), and how to start a Herald inside this process for the
/// <c>in-process</c> topology.
/// </summary>
public sealed class BenchHost
{
    /// <summary>The <c>herald_version</c> of the JSON lines.</summary>
    public required string HeraldVersion { get; init; }

    /// <summary>The herald assembly: its apphost beside it, or <c>dotnet</c> with it, runs <c>herald serve</c>.</summary>
    public required string HeraldAssembly { get; init; }

    /// <summary>
    /// Starts Herald in this process as <c>herald serve</c> would with <see cref="InProcessHerald"/>'s
    /// settings, listening on a free loopback port, logging warnings and errors only (to standard
    /// error). A refused configuration is a <see cref="BenchException"/>.
    /// </summary>
    public required Func<InProcessHerald, CancellationToken, Task<StartedHerald>> StartInProcessAsync { get; init; }
}

/// <summary>
/// The settings of an in-process Herald, those of <c>herald serve</c>'s options of the same names:
/// <paramref name="Database"/> null for a SQLite file in <paramref name="DataDir"/>; private targets
/// are allowed (the receiver is on loopback).
/// </summary>
public sealed record InProcessHerald(string DataDir, string? Database, string AdminKey, int Workers, string SecretKey);

/// <summary>A Herald started for a scenario: where its API listens, and what stops it.</summary>
public sealed record StartedHerald(Uri BaseAddress, IAsyncDisposable Stop);
