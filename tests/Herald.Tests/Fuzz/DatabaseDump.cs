using System.Globalization;
using System.Text;
using Microsoft.Data.Sqlite;

namespace Herald.Tests.Fuzz;

/// <summary>One row: its primary key and every column as text, in table order.</summary>
public sealed record DumpRow(string Key, IReadOnlyDictionary<string, string> Columns)
{
    public string Value(string column) => Columns.TryGetValue(column, out var value) ? value : "NULL";

    public override string ToString() => string.Join(", ", Columns.Select(c => $"{c.Key}={Shorten(c.Value)}"));

    private static string Shorten(string value) => value.Length <= 80 ? value : value[..80] + "…";
}

/// <summary>
/// Every table of a SQLite database, rows sorted by primary key, read straight from the file (read-only,
/// not through Herald), so the comparison does not trust the code under test.
/// </summary>
public sealed class DatabaseDump
{
    private DatabaseDump(IReadOnlyDictionary<string, IReadOnlyList<DumpRow>> tables) => Tables = tables;

    public IReadOnlyDictionary<string, IReadOnlyList<DumpRow>> Tables { get; }

    public IReadOnlyList<DumpRow> Rows(string table) => Tables.TryGetValue(table, out var rows) ? rows : [];

    public static DatabaseDump Read(string path)
    {
        var connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadOnly,
            Pooling = false,
        }.ToString();
        using var connection = new SqliteConnection(connectionString);
        connection.Open();
        // One read transaction: every table is seen at the same instant.
        using var transaction = connection.BeginTransaction(deferred: true);
        var names = new List<string>();
        using (var command = connection.CreateCommand())
        {
            command.Transaction = transaction;
            command.CommandText = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name";
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                names.Add(reader.GetString(0));
            }
        }
        var tables = new SortedDictionary<string, IReadOnlyList<DumpRow>>(StringComparer.Ordinal);
        foreach (var name in names)
        {
            var keyColumns = new List<(int Order, string Name)>();
            using (var info = connection.CreateCommand())
            {
                info.Transaction = transaction;
                info.CommandText = $"PRAGMA table_info(\"{name}\")";
                using var reader = info.ExecuteReader();
                while (reader.Read())
                {
                    var pk = reader.GetInt32(reader.GetOrdinal("pk"));
                    if (pk > 0)
                    {
                        keyColumns.Add((pk, reader.GetString(reader.GetOrdinal("name"))));
                    }
                }
            }
            var keys = keyColumns.OrderBy(k => k.Order).Select(k => k.Name).ToList();
            var orderBy = keys.Count > 0 ? string.Join(", ", keys.Select(k => $"\"{k}\"")) : "rowid";
            var rows = new List<DumpRow>();
            using (var select = connection.CreateCommand())
            {
                select.Transaction = transaction;
                select.CommandText = keys.Count > 0 ? $"SELECT * FROM \"{name}\" ORDER BY {orderBy}" : $"SELECT rowid AS __rowid, * FROM \"{name}\" ORDER BY rowid";
                using var reader = select.ExecuteReader();
                while (reader.Read())
                {
                    var columns = new Dictionary<string, string>(StringComparer.Ordinal);
                    for (var i = 0; i < reader.FieldCount; i++)
                    {
                        columns[reader.GetName(i)] = Text(reader.GetValue(i));
                    }
                    var key = keys.Count > 0 ? string.Join("|", keys.Select(k => columns[k])) : columns["__rowid"];
                    rows.Add(new DumpRow(key, columns));
                }
            }
            tables[name] = rows;
        }
        return new DatabaseDump(tables);
    }

    private static string Text(object value) => value switch
    {
        DBNull => "NULL",
        byte[] bytes => "x'" + Convert.ToHexString(bytes) + "'",
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "NULL",
    };

    /// <summary>
    /// Differences between <paramref name="before"/> and <paramref name="after"/>, leaving out rows
    /// <paramref name="excluded"/> says legitimate requests made (asked per table and row of either dump) and
    /// the columns <paramref name="ignoredColumns"/> lists per table. Empty when they are the same.
    /// </summary>
    public static List<string> Compare(
        DatabaseDump before, DatabaseDump after, Func<string, DumpRow, bool> excluded,
        IReadOnlyDictionary<string, string[]> ignoredColumns)
    {
        var differences = new List<string>();
        foreach (var table in before.Tables.Keys.Union(after.Tables.Keys).Order(StringComparer.Ordinal))
        {
            var ignored = ignoredColumns.TryGetValue(table, out var list) ? list : [];
            var old = before.Rows(table).Where(r => !excluded(table, r)).ToDictionary(r => r.Key, StringComparer.Ordinal);
            var now = after.Rows(table).Where(r => !excluded(table, r)).ToDictionary(r => r.Key, StringComparer.Ordinal);
            foreach (var (key, row) in old)
            {
                if (!now.TryGetValue(key, out var current))
                {
                    differences.Add($"{table}[{key}] disappeared: {row}");
                    continue;
                }
                var changed = new StringBuilder();
                foreach (var column in row.Columns.Keys.Union(current.Columns.Keys).Where(c => !ignored.Contains(c)))
                {
                    if (row.Value(column) != current.Value(column))
                    {
                        changed.Append(CultureInfo.InvariantCulture, $" {column}: {Clip(row.Value(column))} → {Clip(current.Value(column))};");
                    }
                }
                if (changed.Length > 0)
                {
                    differences.Add($"{table}[{key}] changed:{changed}");
                }
            }
            foreach (var (key, row) in now)
            {
                if (!old.ContainsKey(key))
                {
                    differences.Add($"{table}[{key}] appeared: {row}");
                }
            }
        }
        return differences;
    }

    private static string Clip(string value) => value.Length <= 120 ? value : value[..120] + "…";
}
