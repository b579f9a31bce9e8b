namespace Herald.Hosting;

/// <summary>
/// The data directory, held by one process for its lifetime: the SQLite database, the key files and
/// the leases in them assume a single owner.
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
        CreateDirectory(full, "data directory");
        return new DataDirectory(full, Lock(System.IO.Path.Combine(full, "herald.lock"), $"The data directory {full}"));
    }

    /// <summary>Creates a directory, saying clearly when a file stands in the way.</summary>
    public static void CreateDirectory(string full, string what)
    {
        for (var parent = full; !string.IsNullOrEmpty(parent); parent = System.IO.Path.GetDirectoryName(parent))
        {
            if (File.Exists(parent))
            {
                throw new StartupException($"Cannot create the {what} {full}: {parent} is a file, not a directory.");
            }
        }
        try
        {
            Directory.CreateDirectory(full);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new StartupException($"Cannot create the {what} {full}: {e.Message}");
        }
    }

    /// <summary>
    /// Takes an exclusive lock on <paramref name="lockPath"/> for the life of the process. FileShare.None
    /// is an advisory lock (flock) on Unix that the OS drops when the process dies, even by kill -9,
    /// so a crash never leaves anything locked.
    /// </summary>
    /// <remarks>
    /// The file is owner-only (0600) like everything else in the data directory: another user who
    /// could open it could take the lock and keep Herald from starting. A lock file left wider by an
    /// older version is narrowed when it is taken.
    /// </remarks>
    public static FileStream Lock(string lockPath, string what)
    {
        try
        {
            var options = new FileStreamOptions { Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, Share = FileShare.None };
            if (OperatingSystem.IsWindows())
            {
                return new FileStream(lockPath, options);
            }
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            var stream = new FileStream(lockPath, options);
            File.SetUnixFileMode(stream.SafeFileHandle, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            return stream;
        }
        catch (UnauthorizedAccessException e)
        {
            throw new StartupException($"{what} is not writable: {e.Message}");
        }
        catch (IOException e) when (File.Exists(lockPath) && IsLockConflict(e))
        {
            throw new StartupException($"{what} is in use by another Herald process (it is locked).");
        }
        catch (IOException e)
        {
            throw new StartupException($"Cannot use {what}: {e.Message}");
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
