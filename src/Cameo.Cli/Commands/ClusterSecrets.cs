using System.CommandLine;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Cameo.Orleans;

namespace Cameo.Cli.Commands;

/// <summary>
/// The secrets of <c>silo</c>, <c>submit</c> and <c>status</c>: the Redis password and the cluster's
/// TLS certificate. Passwords come from a file or the environment, never from the command line,
/// where every user of the machine can read them (<c>ps</c>).
/// </summary>
internal static class ClusterSecrets
{
    public const string RedisPasswordVariable = "CAMEO_REDIS_PASSWORD";
    public const string TlsPasswordVariable = "CAMEO_TLS_PASSWORD";

    public static readonly Option<FileInfo?> RedisPasswordFile = new("--redis-password-file")
    {
        Description = $"A file holding the Redis password (its first line). Or set {RedisPasswordVariable}.",
    };

    public static readonly Option<FileInfo?> TlsCertificate = new("--tls-cert")
    {
        Description = "The cluster's certificate with its key (.pfx): TLS with mutual authentication between silos and clients; every silo and client uses the same.",
    };

    public static readonly Option<FileInfo?> TlsPasswordFile = new("--tls-password-file")
    {
        Description = $"A file holding the --tls-cert password (its first line). Or set {TlsPasswordVariable}.",
    };

    /// <summary>The options, for a command's option list.</summary>
    public static IEnumerable<Option> All => [RedisPasswordFile, TlsCertificate, TlsPasswordFile];

    /// <summary>The Redis password and TLS certificate asked for, or a problem to print (exit code 2).</summary>
    public static (string? RedisPassword, X509Certificate2? Tls, string? Problem) Read(ParseResult parse)
    {
        if (parse.GetValue(ClusterConnection.Redis) is { } redis && redis.Contains("password=", StringComparison.OrdinalIgnoreCase))
            Console.Error.WriteLine($"warning: a password inside --redis is visible to every user of this machine; use --redis-password-file or {RedisPasswordVariable}.");
        try
        {
            string? redisPassword = Secret(parse.GetValue(RedisPasswordFile), RedisPasswordVariable);
            var tls = parse.GetValue(TlsCertificate) is { } certificate
                ? ClusterTls.Load(certificate.FullName, Secret(parse.GetValue(TlsPasswordFile), TlsPasswordVariable))
                : null;
            return (redisPassword, tls, null);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException)
        {
            return (null, null, ex.Message);
        }
    }

    /// <summary>The first line of <paramref name="file"/>, else the environment variable, else null.</summary>
    private static string? Secret(FileInfo? file, string variable) =>
        file is not null ? File.ReadLines(file.FullName).FirstOrDefault()?.TrimEnd('\r') ?? ""
        : Environment.GetEnvironmentVariable(variable) is { Length: > 0 } value ? value : null;
}
