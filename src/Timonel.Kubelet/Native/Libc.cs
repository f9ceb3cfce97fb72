using System.Runtime.InteropServices;

namespace Timonel.Kubelet.Native;

/// <summary>The few libc calls .NET does not wrap: signals by PID, entering a network namespace, detaching a mount.</summary>
internal static partial class Libc
{
    public const int SIGKILL = 9;
    public const int SIGTERM = 15;
    public const int CLONE_NEWNET = 0x40000000;
    public const int MNT_DETACH = 2;

    [LibraryImport("libc", SetLastError = true)]
    public static partial int kill(int pid, int sig);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int umount2(string target, int flags);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int setns(int fd, int nstype);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int unshare(int flags);

    /// <summary>True when a process with this PID exists (signal 0 probes without sending).</summary>
    public static bool IsAlive(int pid) => pid > 0 && kill(pid, 0) == 0;
}
