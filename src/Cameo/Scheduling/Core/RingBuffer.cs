namespace Cameo.Scheduling.Core;

/// <summary>A growable double-ended queue over an array; no allocation once it has grown to its working size.</summary>
internal struct RingBuffer<T>
{
    private T[] _items;
    private int _head;
    private int _count;

    public RingBuffer(int capacity) => _items = new T[Math.Max(4, capacity)];

    public readonly int Count => _count;

    public void PushBack(T item)
    {
        if (_count == _items.Length) Grow();
        _items[(_head + _count) % _items.Length] = item;
        _count++;
    }

    public readonly ref T Front => ref _items[_head];

    public readonly ref T Back => ref _items[(_head + _count - 1) % _items.Length];

    public T PopFront()
    {
        T item = _items[_head];
        _items[_head] = default!;
        _head = (_head + 1) % _items.Length;
        _count--;
        return item;
    }

    public void PopBack()
    {
        int i = (_head + _count - 1) % _items.Length;
        _items[i] = default!;
        _count--;
    }

    private void Grow()
    {
        var bigger = new T[_items.Length * 2];
        for (int i = 0; i < _count; i++) bigger[i] = _items[(_head + i) % _items.Length];
        _items = bigger;
        _head = 0;
    }
}
