namespace Cameo.Operators;

/// <summary>
/// Two record-at-a-time operators run as one: every record <paramref name="first"/> emits goes
/// straight into <paramref name="second"/>, with no message, queue or scheduling decision between
/// them (operator chaining, as in Flink). Chains of any length nest.
/// </summary>
/// <remarks>
/// If <paramref name="second"/> throws, the exception is marked with <paramref name="secondName"/>
/// (see <see cref="OperatorFailure"/>) on its way out, so a failure still names the operator that
/// threw rather than the chain's first.
/// </remarks>
public sealed class ChainedOperator<TIn, TMid, TOut>(Operator<TIn, TMid> first, Operator<TMid, TOut> second, string secondName)
    : Operator<TIn, TOut>, ICheckpointedOperator
{
    private readonly Link _link = new(second, secondName);

    public override void OnRecords(ReadOnlySpan<TIn> items, ReadOnlySpan<long> timestamps, IOutput<TOut> output)
    {
        _link.Output = output;
        first.OnRecords(items, timestamps, _link);
        LateRecords = first.LateRecords + second.LateRecords;
    }

    public override void OnWatermark(long watermark, IOutput<TOut> output)
    {
        _link.Output = output;
        first.OnWatermark(watermark, _link);
        try
        {
            second.OnWatermark(watermark, output);
        }
        catch (Exception error) when (OperatorFailure.Mark(error, secondName))
        {
            throw; // never reached: the filter only marks
        }
    }

    /// <summary>Saves both operators' states, each length-prefixed (-1 if that operator keeps none).</summary>
    public byte[] Snapshot(System.Text.Json.JsonSerializerOptions serializer) => Capture(serializer)();

    /// <summary>Captures both operators' states; the returned function serializes them as <see cref="Snapshot"/> lays them out.</summary>
    public Func<byte[]> Capture(System.Text.Json.JsonSerializerOptions serializer)
    {
        var parts = new[] { (first as ICheckpointedOperator)?.Capture(serializer), (second as ICheckpointedOperator)?.Capture(serializer) };
        return () =>
        {
            using var buffer = new MemoryStream();
            using (var writer = new BinaryWriter(buffer))
                foreach (var capture in parts)
                {
                    byte[]? part = capture?.Invoke();
                    writer.Write(part?.Length ?? -1);
                    if (part is not null) writer.Write(part);
                }
            return buffer.ToArray();
        };
    }

    public void Restore(byte[] state, System.Text.Json.JsonSerializerOptions serializer)
    {
        using var reader = new BinaryReader(new MemoryStream(state));
        foreach (var op in (object[])[first, second])
        {
            int length = reader.ReadInt32();
            if (length >= 0) ((ICheckpointedOperator)op).Restore(reader.ReadBytes(length), serializer);
        }
        LateRecords = first.LateRecords + second.LateRecords;
    }

    /// <summary>The first operator's output: hands each record to the second.</summary>
    private sealed class Link(Operator<TMid, TOut> second, string name) : IOutput<TMid>
    {
        public IOutput<TOut> Output = null!;

        public void Emit(TMid item, long timestamp)
        {
            try
            {
                second.OnRecords(new ReadOnlySpan<TMid>(in item), new ReadOnlySpan<long>(in timestamp), Output);
            }
            catch (Exception error) when (OperatorFailure.Mark(error, name))
            {
                throw; // never reached: the filter only marks
            }
        }
    }
}

/// <summary>Which operator of a chain an exception came from.</summary>
public static class OperatorFailure
{
    private const string Key = "Cameo.Operator";

    /// <summary>
    /// Marks <paramref name="error"/> as thrown by <paramref name="operatorName"/>, unless an operator
    /// further down the chain marked it first. Returns false, so that an exception filter calling it
    /// lets the exception fly on untouched.
    /// </summary>
    public static bool Mark(Exception error, string operatorName)
    {
        try
        {
            if (!error.Data.Contains(Key)) error.Data[Key] = operatorName;
        }
        catch (ArgumentException)
        {
            // an exception type whose Data refuses entries: the failure names the chain's first operator
        }
        return false;
    }

    /// <summary>The operator marked on <paramref name="error"/>, or null.</summary>
    public static string? OperatorOf(Exception error) => error.Data[Key] as string;
}
