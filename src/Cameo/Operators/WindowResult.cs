namespace Cameo.Operators;

/// <summary>The result of one window for one key. The record's event time is <c>End - 1</c>.</summary>
/// <param name="Key">The group key.</param>
/// <param name="Start">Window start, Unix ms (inclusive).</param>
/// <param name="End">Window end, Unix ms (exclusive).</param>
/// <param name="Value">The aggregate.</param>
public readonly record struct WindowResult<TKey, TValue>(TKey Key, long Start, long End, TValue Value);
