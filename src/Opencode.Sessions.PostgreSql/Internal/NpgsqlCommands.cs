using Npgsql;
using NpgsqlTypes;

namespace Opencode.Sessions.PostgreSql.Internal;

/// <summary>Small helpers for the store's parameterised commands.</summary>
internal static class NpgsqlCommands
{
    /// <summary>Creates a command on a connection (and transaction) with positional parameters (<c>$1</c>, <c>$2</c> …).</summary>
    public static NpgsqlCommand Create(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql, params NpgsqlParameter[] parameters)
    {
        var command = new NpgsqlCommand(sql, connection, transaction);
        command.Parameters.AddRange(parameters);
        return command;
    }

    /// <summary>A strongly typed positional parameter.</summary>
    public static NpgsqlParameter<T> Parameter<T>(T value, NpgsqlDbType type) => new() { NpgsqlDbType = type, TypedValue = value };

    /// <summary>Runs a command that returns one boolean.</summary>
    public static async Task<bool> ScalarBooleanAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = Create(connection, transaction, sql);
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is true;
    }

    /// <summary>Runs a command without results.</summary>
    public static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql, NpgsqlParameter[] parameters, CancellationToken cancellationToken)
    {
        await using var command = Create(connection, transaction, sql, parameters);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
