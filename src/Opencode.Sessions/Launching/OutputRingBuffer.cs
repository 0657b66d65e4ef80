namespace Opencode.Sessions.Launching;

/// <summary>A thread-safe, bounded buffer of the last output lines of a process.</summary>
internal sealed class OutputRingBuffer
{
    private readonly string[] _lines;
    private readonly object _gate = new();
    private int _next;
    private int _count;

    /// <summary>Initializes a new instance that keeps at most <paramref name="capacity"/> lines.</summary>
    public OutputRingBuffer(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _lines = new string[capacity];
    }

    /// <summary>Gets the maximum number of lines kept.</summary>
    public int Capacity => _lines.Length;

    /// <summary>Adds a line, dropping the oldest when full.</summary>
    public void Add(string line)
    {
        lock (_gate)
        {
            _lines[_next] = line;
            _next = (_next + 1) % _lines.Length;
            _count = Math.Min(_count + 1, _lines.Length);
        }
    }

    /// <summary>Returns up to the last <paramref name="lines"/> lines, oldest first.</summary>
    public IReadOnlyList<string> Tail(int lines)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(lines);
        lock (_gate)
        {
            var take = Math.Min(lines, _count);
            var result = new string[take];
            var start = (_next - take + _lines.Length) % _lines.Length;
            for (var i = 0; i < take; i++)
            {
                result[i] = _lines[(start + i) % _lines.Length];
            }

            return result;
        }
    }
}
