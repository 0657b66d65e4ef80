using System.Globalization;
using System.Text;

namespace Opencode.Sessions.Hosting.Ssh;

/// <summary>
/// The remote half of <see cref="IHost.OpenWorkdirFileAsync"/> and <see cref="IHost.WriteWorkdirFileAsync"/> on an SSH
/// host: a perl program (POSIX sh cannot hold a directory open) that walks the path one component at a time —
/// <c>lstat</c>, refuse symlinks and non-directories, <c>chdir</c>, then check that the directory entered has the
/// device and inode <c>lstat</c> saw (a swap in between is refused) — and opens the file relative to the directory it
/// stands in with <c>O_NOFOLLOW | O_NONBLOCK</c>, checks it with <c>fstat</c> (regular, one link) and streams that
/// descriptor. The program travels in the script (a here-document on descriptor 3), never in argv; paths are
/// embedded hex-encoded, so no quoting is involved.
/// </summary>
/// <remarks>
/// Reads answer with one header byte on standard output: <c>Y</c> then the content, or a refusal letter
/// (<see cref="ReasonOf(char)"/>). Writes read the content from standard input in frames (4-byte big-endian length, then
/// the bytes; a zero length ends it), so a dropped channel is told from a complete upload and the temporary file is
/// removed; a refusal is exit code 10–14.
/// </remarks>
internal static class SshWorkdirScript
{
    /// <summary>The exit code when perl is missing.</summary>
    public const int PerlMissingExitCode = 127;

    /// <summary>The exit code when the upload ended before its final frame.</summary>
    public const int TruncatedExitCode = 15;

    private const string Refusals = "ELTHM"; // in UnsafeWorkdirPathReason order, exit codes 10..14

    private const string Program = """
        use strict; use warnings;
        use Fcntl qw(O_RDONLY O_WRONLY O_CREAT O_EXCL O_NOFOLLOW O_NONBLOCK :mode);
        use Errno;
        binmode STDIN; binmode STDOUT;
        my %code = (E => 10, L => 11, T => 12, H => 13, M => 14);
        sub refuse { my ($r) = @_; if ($Op eq 'r') { syswrite(STDOUT, $r); exit 0; } exit $code{$r}; }
        sub why { return $!{ELOOP} ? 'L' : ($!{ENOENT} ? 'M' : (($!{ENOTDIR} || $!{ENXIO} || $!{EISDIR}) ? 'T' : undef)); }
        sub enter {
            my ($name, $create) = @_;
            if ($create && !lstat($name)) { mkdir($name, 0700) or $!{EEXIST} or die "mkdir: $!\n"; }
            my @l = lstat($name) or refuse(why() // die "lstat: $!\n");
            refuse('L') if S_ISLNK($l[2]);
            refuse('T') unless S_ISDIR($l[2]);
            chdir($name) or refuse(why() // die "chdir: $!\n");
            my @s = stat('.') or die "stat: $!\n";
            refuse('L') unless $s[0] == $l[0] && $s[1] == $l[1];
        }
        my @names = split m{/}, $Rel;
        my $last = pop @names;
        enter($Workdir, 0);
        enter($_, $Op eq 'w') for @names;
        if ($Op eq 'r') {
            sysopen(my $fh, $last, O_RDONLY | O_NOFOLLOW | O_NONBLOCK) or refuse(why() // die "open: $!\n");
            my @s = stat($fh) or die "fstat: $!\n";
            refuse('T') unless S_ISREG($s[2]);
            refuse('H') if $s[3] > 1;
            syswrite(STDOUT, 'Y') // die "write: $!\n";
            my $buf;
            while (1) {
                my $r = sysread($fh, $buf, 131072) // die "read: $!\n";
                last if $r == 0;
                my $o = 0;
                while ($o < $r) { my $w = syswrite(STDOUT, $buf, $r - $o, $o) // die "write: $!\n"; $o += $w; }
            }
            exit 0;
        }
        my $tmp = sprintf('.ocs-%d-%08x.tmp', $$, int(rand(0xffffffff)));
        sysopen(my $out, $tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0600) or die "create: $!\n";
        binmode $out;
        sub take {
            my ($n) = @_; my $b = '';
            while (length($b) < $n) {
                my $r = sysread(STDIN, $b, $n - length($b), length($b));
                if (!defined $r) { unlink $tmp; die "read: $!\n"; }
                if ($r == 0) { unlink $tmp; exit 15; }
            }
            return $b;
        }
        while (1) {
            my $n = unpack('N', take(4));
            last if $n == 0;
            my $chunk = take($n);
            my $o = 0;
            while ($o < $n) { my $w = syswrite($out, $chunk, $n - $o, $o); if (!defined $w) { unlink $tmp; die "write: $!\n"; } $o += $w; }
        }
        chmod($Mode, $out) or do { unlink $tmp; die "chmod: $!\n"; };
        close($out) or do { unlink $tmp; die "close: $!\n"; };
        rename($tmp, $last) or do { my $r = why(); unlink $tmp; refuse($r) if defined $r; die "rename: $!\n"; };
        exit 0;
        """;

    /// <summary>The shell script that reads <paramref name="names"/> (already split and checked) beneath <paramref name="workDirectory"/>.</summary>
    public static string Read(string workDirectory, string[] names, string marker) => Build("r", workDirectory, names, 0, marker);

    /// <summary>The shell script that writes <paramref name="names"/> beneath <paramref name="workDirectory"/> from framed standard input.</summary>
    public static string Write(string workDirectory, string[] names, UnixFileMode mode, string marker) => Build("w", workDirectory, names, (int)mode, marker);

    /// <summary>The reason a read's header byte or a write's exit code stands for, if it is a refusal.</summary>
    public static UnsafeWorkdirPathReason? ReasonOf(char header)
    {
        var index = Refusals.IndexOf(header, StringComparison.Ordinal);
        return index < 0 ? null : (UnsafeWorkdirPathReason)index;
    }

    /// <summary>The reason a write's exit code stands for, if it is a refusal.</summary>
    public static UnsafeWorkdirPathReason? ReasonOf(int exitCode) =>
        exitCode is >= 10 and <= 14 ? (UnsafeWorkdirPathReason)(exitCode - 10) : null;

    /// <summary>Copies <paramref name="source"/> to <paramref name="channel"/> in frames, ending with a zero-length frame.</summary>
    public static async Task CopyFramedAsync(Stream source, Stream channel, CancellationToken cancellationToken)
    {
        var buffer = new byte[4 + (128 * 1024)];
        int read;
        while ((read = await source.ReadAsync(buffer.AsMemory(4), cancellationToken).ConfigureAwait(false)) > 0)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(buffer, read);
            await channel.WriteAsync(buffer.AsMemory(0, 4 + read), cancellationToken).ConfigureAwait(false);
        }

        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(buffer, 0);
        await channel.WriteAsync(buffer.AsMemory(0, 4), cancellationToken).ConfigureAwait(false);
    }

    private static string Build(string op, string workDirectory, string[] names, int mode, string marker)
    {
        var delimiter = "__OCS_PERL_" + marker.Trim('_') + "__";
        var body = new StringBuilder()
            .Append("command -v perl >/dev/null 2>&1 || { echo 'perl is not installed on this host; it is needed to read and write work-directory files safely (install perl, e.g. apt-get install perl-base)' >&2; (exit ")
            .Append(PerlMissingExitCode.ToString(CultureInfo.InvariantCulture)).Append("); }  && ")
            .Append("perl /dev/fd/3 3<<'").Append(delimiter).Append("'\n")
            .Append("our ($Op, $Workdir, $Rel, $Mode) = ('").Append(op).Append("', pack('H*', '").Append(Hex(workDirectory))
            .Append("'), pack('H*', '").Append(Hex(string.Join('/', names))).Append("'), ").Append(mode.ToString(CultureInfo.InvariantCulture)).Append(");\n")
            .Append(Program).Append('\n')
            .Append(delimiter);
        return SshRemoteScript.Plain(body.ToString(), marker);
    }

    private static string Hex(string value) => Convert.ToHexString(Encoding.UTF8.GetBytes(value));
}
