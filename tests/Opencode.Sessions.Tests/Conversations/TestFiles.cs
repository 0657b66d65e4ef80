using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Opencode.Sessions.Tests.Conversations;

/// <summary>Temp directories and the special files .NET cannot create (FIFOs, hard links, sockets).</summary>
internal sealed class TestFiles : IDisposable
{
    private readonly List<Socket> _sockets = [];

    public TestFiles()
    {
        Root = Directory.CreateTempSubdirectory("ocs-sandbox-").FullName;
    }

    public string Root { get; }

    public string Dir(string name) => Directory.CreateDirectory(Path.Combine(Root, name)).FullName;

    public static void Fifo(string path)
    {
        if (mkfifo(path, Convert.ToUInt32("600", 8)) != 0)
        {
            throw new IOException($"mkfifo failed: {Marshal.GetLastPInvokeError()}");
        }
    }

    public static void HardLink(string existing, string path)
    {
        if (link(existing, path) != 0)
        {
            throw new IOException($"link failed: {Marshal.GetLastPInvokeError()}");
        }
    }

    public void UnixSocket(string path)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(path));
        _sockets.Add(socket);
    }

    /// <summary>Replaces <paramref name="path"/> atomically with what <paramref name="create"/> makes at a side name.</summary>
    public static void Swap(string path, Action<string> create)
    {
        var side = path + ".swap";
        create(side);
        File.Move(side, path, overwrite: true);
    }

    public void Dispose()
    {
        foreach (var socket in _sockets)
        {
            socket.Dispose();
        }

        Directory.Delete(Root, recursive: true);
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int mkfifo([MarshalAs(UnmanagedType.LPUTF8Str)] string path, uint mode);

    [DllImport("libc", SetLastError = true)]
    private static extern int link([MarshalAs(UnmanagedType.LPUTF8Str)] string existing, [MarshalAs(UnmanagedType.LPUTF8Str)] string path);
}
