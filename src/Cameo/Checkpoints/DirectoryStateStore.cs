namespace Cameo.Checkpoints;

/// <summary>
/// Keeps checkpoints in a local directory, the embedded default: <c>DIR/query/checkpointId/instance.state</c>
/// and a <c>_complete</c> file that makes the checkpoint exist. Every file is written to a temporary
/// name, flushed to disk and renamed into place, and sealed with a checksum (<see cref="StateSeal"/>),
/// so a crash leaves either the old file or the new one and corruption is detected on read.
/// </summary>
/// <param name="directory">The root directory (created if missing).</param>
public sealed class DirectoryStateStore(string directory) : IStateStore
{
    private const string CompleteFile = "_complete";

    /// <summary>The root directory.</summary>
    public string Directory { get; } = Path.GetFullPath(directory);

    public async Task WriteAsync(string query, long checkpointId, int instance, ReadOnlyMemory<byte> state, CancellationToken cancellationToken) =>
        await WriteFileAsync(Path.Combine(CheckpointDirectory(query, checkpointId), $"{instance}.state"), state, cancellationToken).ConfigureAwait(false);

    public async Task CompleteAsync(string query, long checkpointId, ReadOnlyMemory<byte> metadata, int keep, CancellationToken cancellationToken)
    {
        await WriteFileAsync(Path.Combine(CheckpointDirectory(query, checkpointId), CompleteFile), metadata, cancellationToken).ConfigureAwait(false);
        var completed = Completed(query);
        long oldestKept = completed.Count <= keep ? long.MinValue : completed[keep - 1];
        foreach (var (id, path) in Checkpoints(query))
            if (id < oldestKept) System.IO.Directory.Delete(path, recursive: true);
    }

    public Task<IReadOnlyList<long>> CompletedAsync(string query, CancellationToken cancellationToken) => Task.FromResult(Completed(query));

    public Task<byte[]> ReadMetadataAsync(string query, long checkpointId, CancellationToken cancellationToken) =>
        ReadFileAsync(Path.Combine(CheckpointDirectory(query, checkpointId), CompleteFile), cancellationToken);

    public Task<byte[]> ReadAsync(string query, long checkpointId, int instance, CancellationToken cancellationToken) =>
        ReadFileAsync(Path.Combine(CheckpointDirectory(query, checkpointId), $"{instance}.state"), cancellationToken);

    /// <summary>The directory of one checkpoint of <paramref name="query"/> (the query's name escaped for the file system).</summary>
    public string CheckpointDirectory(string query, long checkpointId) => Path.Combine(QueryDirectory(query), checkpointId.ToString("D12"));

    private string QueryDirectory(string query) => Path.Combine(Directory, Uri.EscapeDataString(query));

    private IReadOnlyList<long> Completed(string query) =>
        [.. Checkpoints(query).Where(c => File.Exists(Path.Combine(c.Path, CompleteFile))).Select(c => c.Id).OrderDescending()];

    private IEnumerable<(long Id, string Path)> Checkpoints(string query)
    {
        string root = QueryDirectory(query);
        if (!System.IO.Directory.Exists(root)) yield break;
        foreach (string path in System.IO.Directory.GetDirectories(root))
            if (long.TryParse(Path.GetFileName(path), out long id)) yield return (id, path);
    }

    private static async Task WriteFileAsync(string path, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        string temporary = $"{path}.{Guid.NewGuid():N}.tmp";
        await using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
        {
            await file.WriteAsync(StateSeal.Seal(payload.Span), cancellationToken).ConfigureAwait(false);
            file.Flush(flushToDisk: true);
        }
        File.Move(temporary, path, overwrite: true);
    }

    private static async Task<byte[]> ReadFileAsync(string path, CancellationToken cancellationToken)
    {
        if (!File.Exists(path)) throw new CorruptCheckpointException($"Checkpoint file '{path}' is missing.");
        return StateSeal.Open(await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false), $"Checkpoint file '{path}'");
    }
}
