namespace Herald.Hosting;

/// <summary>
/// The data directory, held by one process for its lifetime: the SQLite database, the key files and
/// the leases in them assume a single owner (DESIGN §2).
/// </summary>
public sealed class DataDirectory : IDisposable
{
    private readonly FileStream _lock;

    private DataDirectory(string path, FileStream lockFile)
    {
        Path = path;
        _lock = lockFile;
    }

    public string Path { get; }

    public static DataDirectory Acquire(string path)
    {
        var full = System.IO.Path.GetFullPath(path);
        try
        {
            Directory.CreateDirectory(full);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new StartupException($"Cannot create the data directory {full}: {e.Message}");
        }
        var lockPath = System.IO.Path.Combine(full, "herald.lock");
        try
        {
            // FileShare.None takes an exclusive advisory lock (flock) on Unix; the OS drops it when the
            // process dies, even by kill -9, so a crash never leaves the directory locked.
            var stream = new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            return new DataDirectory(full, stream);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new StartupException($"The data directory {full} is not writable: {e.Message}");
        }
        catch (IOException e) when (Directory.Exists(full) && File.Exists(lockPath) && IsLockConflict(e))
        {
            throw new StartupException($"The data directory {full} is in use by another Herald process (it is locked).");
        }
        catch (IOException e)
        {
            throw new StartupException($"Cannot use the data directory {full}: {e.Message}");
        }
    }

    private static bool IsLockConflict(IOException e) =>
        e.HResult == 11 || e.Message.Contains("being used by another process", StringComparison.OrdinalIgnoreCase) || e.Message.Contains("lock", StringComparison.OrdinalIgnoreCase);

    /// <summary>Writes a file readable by its owner only (mode 0600): key material.</summary>
    public static void WritePrivateFile(string path, string content)
    {
        var options = new FileStreamOptions
        {
            Mode = FileMode.Create,
            Access = FileAccess.Write,
            Share = FileShare.None,
        };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }
        using (var stream = new FileStream(path, options))
        using (var writer = new StreamWriter(stream))
        {
            writer.Write(content);
        }
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }

    public void Dispose() => _lock.Dispose();
}
