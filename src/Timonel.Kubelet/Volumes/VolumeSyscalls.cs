using System.Runtime.InteropServices;

namespace Timonel.Kubelet.Volumes;

/// <summary>The libc calls volumes need and .NET does not wrap: mount, umount2, rename of a symlink, and the file type.</summary>
internal static partial class VolumeSyscalls
{
    public const int MntDetach = 2;
    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const uint StatxType = 0x1;
    private const uint StatxBlocks = 0x400;
    private const int StatxModeOffset = 28;
    private const int StatxBlocksOffset = 48;

    /// <summary>File types as in st_mode &amp; S_IFMT.</summary>
    public enum FileType
    {
        Missing = 0,
        Fifo = 0x1000,
        CharDevice = 0x2000,
        Directory = 0x4000,
        BlockDevice = 0x6000,
        Regular = 0x8000,
        Symlink = 0xA000,
        Socket = 0xC000,
    }

    /// <summary>The type of what <paramref name="path"/> names, following symlinks (as Go's os.Stat).</summary>
    public static FileType TypeOf(string path)
    {
        // statx has one layout on every architecture, unlike struct stat.
        Span<byte> buffer = stackalloc byte[256];
        int result;
        unsafe
        {
            fixed (byte* p = buffer)
            {
                result = statx(AtFdCwd, path, 0, StatxType, p);
            }
        }

        if (result != 0)
        {
            return FileType.Missing;
        }

        var mode = BitConverter.ToUInt16(buffer[StatxModeOffset..]);
        return (FileType)(mode & 0xF000);
    }

    /// <summary>
    /// The disk space <paramref name="path"/> itself takes (st_blocks × 512, as du counts it), not
    /// following a symlink; 0 when it is gone.
    /// </summary>
    public static long AllocatedBytes(string path)
    {
        Span<byte> buffer = stackalloc byte[256];
        int result;
        unsafe
        {
            fixed (byte* p = buffer)
            {
                result = statx(AtFdCwd, path, AtSymlinkNoFollow, StatxBlocks, p);
            }
        }

        return result != 0 ? 0 : (long)BitConverter.ToUInt64(buffer[StatxBlocksOffset..]) * 512;
    }

    /// <summary>Sets the permission bits of a file or directory (volumes exist only on Linux nodes).</summary>
    public static void SetMode(string path, int mode)
    {
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, (UnixFileMode)(mode & 0xFFF));
        }
    }

    /// <summary>The permission bits of a file or directory.</summary>
    public static int GetMode(string path) => OperatingSystem.IsWindows() ? 0 : (int)File.GetUnixFileMode(path) & 0xFFF;

    /// <summary>Mounts a tmpfs of at most <paramref name="sizeBytes"/> (0: the kernel's default) on <paramref name="target"/>.</summary>
    public static void MountTmpfs(string target, long sizeBytes)
    {
        var data = sizeBytes > 0 ? $"mode=0777,size={sizeBytes}" : "mode=0777";
        if (mount("tmpfs", target, "tmpfs", 0, data) != 0)
        {
            throw new VolumeException($"mount of tmpfs on {target} failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    /// <summary>Detaches the mount at <paramref name="target"/>; false when nothing was mounted there.</summary>
    public static bool Unmount(string target) => umount2(target, MntDetach) == 0;

    /// <summary>rename(2): atomically replaces <paramref name="to"/>, which may be a symlink to a directory.</summary>
    public static void Rename(string from, string to)
    {
        if (rename(from, to) != 0)
        {
            throw new IOException($"rename {from} to {to} failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    /// <summary>Mount points at or below <paramref name="root"/>, deepest first (from /proc/self/mountinfo).</summary>
    public static IReadOnlyList<string> MountsUnder(string root)
    {
        if (!File.Exists("/proc/self/mountinfo"))
        {
            return [];
        }

        var prefix = root.TrimEnd('/') + "/";
        return [.. File.ReadLines("/proc/self/mountinfo")
            .Select(line => line.Split(' '))
            .Where(fields => fields.Length > 4)
            .Select(fields => fields[4].Replace("\\040", " ", StringComparison.Ordinal))
            .Where(point => point == root.TrimEnd('/') || point.StartsWith(prefix, StringComparison.Ordinal))
            .Distinct(StringComparer.Ordinal)
            .OrderByDescending(point => point.Length)];
    }

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int statx(int dirfd, string path, int flags, uint mask, byte* buffer);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int mount(string source, string target, string fstype, ulong flags, string data);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int umount2(string target, int flags);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int rename(string oldpath, string newpath);
}
