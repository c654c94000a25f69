using System.CommandLine;

namespace Cameo.Cli.Commands;

/// <summary>
/// The Redis password of <c>silo</c>, <c>submit</c> and <c>status</c>: from a file
/// (<c>--redis-password-file</c>) or the environment (<see cref="EnvironmentVariable"/>), never
/// from the command line, where every user of the machine can read it (<c>ps</c>).
/// </summary>
internal static class RedisPassword
{
    public const string EnvironmentVariable = "CAMEO_REDIS_PASSWORD";

    public static readonly Option<FileInfo?> File = new("--redis-password-file")
    {
        Description = $"A file holding the Redis password (its first line). Or set {EnvironmentVariable}.",
    };

    /// <summary>The password, or null if none is given; null with <paramref name="problem"/> set if the file cannot be read.</summary>
    public static string? Read(ParseResult parse, out string? problem)
    {
        problem = null;
        if (parse.GetValue(ClusterConnection.Redis) is { } redis && redis.Contains("password=", StringComparison.OrdinalIgnoreCase))
            Console.Error.WriteLine($"warning: a password inside --redis is visible to every user of this machine; use --redis-password-file or {EnvironmentVariable}.");
        if (parse.GetValue(File) is { } file)
        {
            try
            {
                return System.IO.File.ReadLines(file.FullName).FirstOrDefault()?.TrimEnd('\r') ?? "";
            }
            catch (IOException ex)
            {
                problem = $"--redis-password-file: {ex.Message}";
                return null;
            }
            catch (UnauthorizedAccessException ex)
            {
                problem = $"--redis-password-file: {ex.Message}";
                return null;
            }
        }
        return Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } fromEnvironment ? fromEnvironment : null;
    }
}
