using System.Data.Common;

namespace Herald.Storage.Relational;

/// <summary>Thin ADO.NET helpers: the SQL stays visible at the call site.</summary>
internal static class Sql
{
    public static DbCommand Command(this DbConnection connection, DbTransaction? transaction, string sql, params (string Name, object? Value)[] args)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        foreach (var (name, value) in args)
        {
            var p = command.CreateParameter();
            p.ParameterName = name;
            p.Value = value ?? DBNull.Value;
            if (value is null && p is Npgsql.NpgsqlParameter untyped)
            {
                // A null says nothing of its type: PostgreSQL infers it from where it is used.
                untyped.NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Unknown;
            }
            command.Parameters.Add(p);
        }
        return command;
    }

    public static int Execute(this DbConnection connection, DbTransaction? transaction, string sql, params (string, object?)[] args)
    {
        using var command = connection.Command(transaction, sql, args);
        return command.ExecuteNonQuery();
    }

    public static object? Scalar(this DbConnection connection, DbTransaction? transaction, string sql, params (string, object?)[] args)
    {
        using var command = connection.Command(transaction, sql, args);
        var value = command.ExecuteScalar();
        return value is DBNull ? null : value;
    }

    public static List<T> Query<T>(this DbConnection connection, DbTransaction? transaction, string sql, Func<DbDataReader, T> map, params (string, object?)[] args)
    {
        using var command = connection.Command(transaction, sql, args);
        using var reader = command.ExecuteReader();
        var result = new List<T>();
        while (reader.Read())
        {
            result.Add(map(reader));
        }
        return result;
    }

    public static T? One<T>(this DbConnection connection, DbTransaction? transaction, string sql, Func<DbDataReader, T> map, params (string, object?)[] args)
        where T : class
    {
        var rows = connection.Query(transaction, sql, map, args);
        return rows.Count > 0 ? rows[0] : null;
    }

    public static string? NullableString(this DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    public static long? NullableInt64(this DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetInt64(ordinal);

    public static byte[] Bytes(this DbDataReader reader, int ordinal) => (byte[])reader.GetValue(ordinal);
}
