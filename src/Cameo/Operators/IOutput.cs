namespace Cameo.Operators;

/// <summary>Where an operator puts its results. The runtime decides where they go next.</summary>
public interface IOutput<in T>
{
    /// <summary>Emits one record stamped with event time <paramref name="timestamp"/> (Unix ms).</summary>
    void Emit(T item, long timestamp);
}
