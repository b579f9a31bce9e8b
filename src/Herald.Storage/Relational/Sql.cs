using System.Data.Common;
using System.Runtime.CompilerServices;
using System.Text;

namespace Herald.Storage.Relational;

/// <summary>Thin ADO.NET helpers: the SQL stays visible at the call site.</summary>
internal static class Sql
{
    // Statements of connections that keep them prepared (the writer's): the same few statements run
    // thousands of times a second there, and preparing each anew would cost the writer's thread more
    // than running it.
    private const int MaxPrepared = 256;

    private static readonly ConditionalWeakTable<DbConnection, Dictionary<string, DbCommand>> Prepared = new();

    /// <summary>Keeps the statements run on <paramref name="connection"/> by the helpers below prepared for its lifetime.</summary>
    public static void KeepStatementsPrepared(this DbConnection connection) => Prepared.AddOrUpdate(connection, new Dictionary<string, DbCommand>(StringComparer.Ordinal));

    public static DbCommand Command(this DbConnection connection, DbTransaction? transaction, string sql, params (string Name, object? Value)[] args)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        foreach (var (name, value) in args)
        {
            var p = command.CreateParameter();
            p.ParameterName = name;
            SetValue(p, value);
            command.Parameters.Add(p);
        }
        return command;
    }

    private static void SetValue(DbParameter parameter, object? value)
    {
        parameter.ResetDbType();
        parameter.Value = value ?? DBNull.Value;
    }

    /// <summary>A command for one use: the kept one of a connection that keeps its statements prepared (not to be disposed), or a new one (to be disposed).</summary>
    private static DbCommand Use(DbConnection connection, DbTransaction? transaction, string sql, (string Name, object? Value)[] args, out bool kept)
    {
        if (!Prepared.TryGetValue(connection, out var statements))
        {
            kept = false;
            return connection.Command(transaction, sql, args);
        }
        if (!statements.TryGetValue(sql, out var command) && statements.Count >= MaxPrepared)
        {
            // Statements built for one size of an IN list: past the cap, run them unkept.
            kept = false;
            return connection.Command(transaction, sql, args);
        }
        kept = true;
        if (command is null || !SameParameters(command, args))
        {
            command?.Dispose();
            command = connection.Command(transaction, sql, args);
            statements[sql] = command;
            return command;
        }
        command.Transaction = transaction;
        for (var i = 0; i < args.Length; i++)
        {
            SetValue(command.Parameters[i], args[i].Value);
        }
        return command;
    }

    private static bool SameParameters(DbCommand command, (string Name, object? Value)[] args)
    {
        if (command.Parameters.Count != args.Length)
        {
            return false;
        }
        for (var i = 0; i < args.Length; i++)
        {
            if (command.Parameters[i].ParameterName != args[i].Name)
            {
                return false;
            }
        }
        return true;
    }

    // Connections whose async methods are synchronous underneath (Microsoft.Data.Sqlite's): the
    // helpers below call their synchronous methods and hand back completed tasks, which spares each
    // statement the async machinery that would buy nothing there.
    private static volatile Type[] s_synchronous = [];

    /// <summary>Says that connections of <typeparamref name="TConnection"/> do their I/O synchronously whatever the method called.</summary>
    public static void RegisterSynchronous<TConnection>()
        where TConnection : DbConnection
    {
        if (!IsSynchronous(typeof(TConnection)))
        {
            s_synchronous = [.. s_synchronous, typeof(TConnection)];
        }
    }

    public static bool IsSynchronous(this DbConnection connection) => IsSynchronous(connection.GetType());

    private static bool IsSynchronous(Type type)
    {
        foreach (var known in s_synchronous)
        {
            if (known == type)
            {
                return true;
            }
        }
        return false;
    }

    public static ValueTask<int> ExecuteAsync(this DbConnection connection, DbTransaction? transaction, string sql, params (string, object?)[] args)
    {
        var command = Use(connection, transaction, sql, args, out var kept);
        if (!connection.IsSynchronous())
        {
            return Awaited(command, kept);
        }
        try
        {
            return new(command.ExecuteNonQuery());
        }
        finally
        {
            Release(command, kept);
        }

        static async ValueTask<int> Awaited(DbCommand command, bool kept)
        {
            try
            {
                return await command.ExecuteNonQueryAsync().ConfigureAwait(false);
            }
            finally
            {
                Release(command, kept);
            }
        }
    }

    public static ValueTask<object?> ScalarAsync(this DbConnection connection, DbTransaction? transaction, string sql, params (string, object?)[] args)
    {
        var command = Use(connection, transaction, sql, args, out var kept);
        if (!connection.IsSynchronous())
        {
            return Awaited(command, kept);
        }
        try
        {
            return new(Value(command.ExecuteScalar()));
        }
        finally
        {
            Release(command, kept);
        }

        static async ValueTask<object?> Awaited(DbCommand command, bool kept)
        {
            try
            {
                return Value(await command.ExecuteScalarAsync().ConfigureAwait(false));
            }
            finally
            {
                Release(command, kept);
            }
        }

        static object? Value(object? value) => value is DBNull ? null : value;
    }

    public static ValueTask<List<T>> QueryAsync<T>(this DbConnection connection, DbTransaction? transaction, string sql, Func<DbDataReader, T> map, params (string, object?)[] args)
    {
        var command = Use(connection, transaction, sql, args, out var kept);
        if (!connection.IsSynchronous())
        {
            return Awaited(command, kept, map);
        }
        try
        {
            using var reader = command.ExecuteReader();
            var result = new List<T>();
            while (reader.Read())
            {
                result.Add(map(reader));
            }
            return new(result);
        }
        finally
        {
            Release(command, kept);
        }

        static async ValueTask<List<T>> Awaited(DbCommand command, bool kept, Func<DbDataReader, T> map)
        {
            try
            {
                await using var reader = await command.ExecuteReaderAsync().ConfigureAwait(false);
                var result = new List<T>();
                while (await reader.ReadAsync().ConfigureAwait(false))
                {
                    result.Add(map(reader));
                }
                return result;
            }
            finally
            {
                Release(command, kept);
            }
        }
    }

    /// <summary>
    /// Runs several statements in one command (one round trip to a server) and returns the first row
    /// of the last one that returns rows, or null.
    /// </summary>
    public static ValueTask<T?> QueryLastAsync<T>(this DbConnection connection, DbTransaction? transaction, string sql, Func<DbDataReader, T> map, params (string, object?)[] args)
        where T : struct
    {
        var command = Use(connection, transaction, sql, args, out var kept);
        if (!connection.IsSynchronous())
        {
            return Awaited(command, kept, map);
        }
        try
        {
            using var reader = command.ExecuteReader();
            T? last = null;
            // SQLite's reader starts at the first statement with columns; PostgreSQL's at the first statement.
            do
            {
                if (reader.FieldCount > 0)
                {
                    last = reader.Read() ? map(reader) : null;
                }
            }
            while (reader.NextResult());
            return new(last);
        }
        finally
        {
            Release(command, kept);
        }

        static async ValueTask<T?> Awaited(DbCommand command, bool kept, Func<DbDataReader, T> map)
        {
            try
            {
                await using var reader = await command.ExecuteReaderAsync().ConfigureAwait(false);
                T? last = null;
                do
                {
                    if (reader.FieldCount > 0)
                    {
                        last = await reader.ReadAsync().ConfigureAwait(false) ? map(reader) : null;
                    }
                }
                while (await reader.NextResultAsync().ConfigureAwait(false));
                return last;
            }
            finally
            {
                Release(command, kept);
            }
        }
    }

    public static async ValueTask<T?> OneAsync<T>(this DbConnection connection, DbTransaction? transaction, string sql, Func<DbDataReader, T> map, params (string, object?)[] args)
        where T : class
    {
        var rows = await connection.QueryAsync(transaction, sql, map, args);
        return rows.Count > 0 ? rows[0] : null;
    }

    /// <summary>Disposes a command unless its connection keeps it.</summary>
    private static void Release(DbCommand command, bool kept)
    {
        if (!kept)
        {
            command.Dispose();
        }
    }

    /// <summary>Parameters @p0…@pN for <paramref name="values"/>, and their names joined for an <c>IN (…)</c> list.</summary>
    public static (string Names, (string, object?)[] Args) InList(IReadOnlyList<string> values)
    {
        var args = new (string, object?)[values.Count];
        var names = new StringBuilder();
        for (var i = 0; i < values.Count; i++)
        {
            args[i] = ($"@p{i}", values[i]);
            names.Append(i == 0 ? "" : ", ").Append("@p").Append(i);
        }
        return (names.ToString(), args);
    }

    public static string? NullableString(this DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    public static long? NullableInt64(this DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetInt64(ordinal);

    public static byte[] Bytes(this DbDataReader reader, int ordinal) => (byte[])reader.GetValue(ordinal);
}
