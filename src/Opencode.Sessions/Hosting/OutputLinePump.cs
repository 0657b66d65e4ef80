namespace Opencode.Sessions.Hosting;

/// <summary>Drains a process's output stream line by line until it ends (or breaks because the process was killed).</summary>
internal static class OutputLinePump
{
    /// <summary>
    /// Reads <paramref name="stream"/> to its end and calls <paramref name="deliver"/> for every line (UTF-8, without the
    /// terminator; lines longer than <paramref name="maxLineBytes"/> are cut). A last line without a terminator is
    /// delivered too. A pipe that breaks under the reader ends the pump quietly.
    /// </summary>
    public static async Task PumpAsync(Stream stream, Action<string> deliver, int maxLineBytes = 256 * 1024)
    {
        var assembler = new LineAssembler(maxLineBytes);
        var lines = new List<FollowedLine>();
        var buffer = new byte[16 * 1024];
        try
        {
            int read;
            while ((read = await stream.ReadAsync(buffer).ConfigureAwait(false)) > 0)
            {
                assembler.Append(buffer.AsSpan(0, read), lines);
                Deliver(lines, deliver);
            }

            if (assembler.Pending > 0)
            {
                assembler.Append("\n"u8, lines);
                Deliver(lines, deliver);
            }
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException)
        {
            // The pipe closed under us (process killed); nothing more to drain.
        }
    }

    private static void Deliver(List<FollowedLine> lines, Action<string> deliver)
    {
        foreach (var line in lines)
        {
            deliver(line.Text);
        }

        lines.Clear();
    }
}
