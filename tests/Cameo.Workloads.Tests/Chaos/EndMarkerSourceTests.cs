using Cameo.Operators;
using Cameo.Workloads.Chaos;

namespace Cameo.Workloads.Tests.Chaos;

/// <summary><see cref="EndMarkerSource{T}"/> over an in-memory sequence: where it ends, and after a restore.</summary>
public sealed class EndMarkerSourceTests
{
    private static readonly int[] Input = [1, 2, 3, -1, 4];

    private static SourceReader<int> Open() =>
        new EndMarkerSource<int>(Source.From(Input), x => x < 0).Open(0, 1, new SourceContext(_ => { }));

    private static async Task<(List<int> Records, bool Ended)> ReadAsync(SourceReader<int> reader, int batch)
    {
        var records = new List<int>();
        var items = new int[batch];
        var arrivals = new long[batch];
        for (int i = 0; i < 20; i++)
        {
            var read = await reader.ReadAsync(items, arrivals, 0, CancellationToken.None);
            records.AddRange(items.Take(read.Count));
            if (read.Completed) return (records, true);
        }
        return (records, false);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(16)]
    public async Task Ends_at_the_marker_without_passing_it_on(int batch)
    {
        var (records, ended) = await ReadAsync(Open(), batch);
        Assert.True(ended);
        Assert.Equal([1, 2, 3], records);
    }

    [Fact]
    public async Task A_reader_restored_after_the_marker_ends_at_once_and_one_restored_before_it_reads_on()
    {
        var first = Open();
        var items = new int[2];
        await first.ReadAsync(items, new long[2], 0, CancellationToken.None);
        byte[] beforeMarker = ((ICheckpointedReader)first).Position;
        await ReadAsync(first, 16);
        byte[] afterMarker = ((ICheckpointedReader)first).Position;

        var resumed = Open();
        await ((ICheckpointedReader)resumed).RestoreAsync(beforeMarker, CancellationToken.None);
        var (rest, restEnded) = await ReadAsync(resumed, 16);
        Assert.True(restEnded);
        Assert.Equal([3], rest);

        var ended = Open();
        await ((ICheckpointedReader)ended).RestoreAsync(afterMarker, CancellationToken.None);
        var (records, done) = await ReadAsync(ended, 16);
        Assert.True(done);
        Assert.Empty(records);
    }
}
