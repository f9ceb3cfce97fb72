using System.Runtime.InteropServices;

namespace Timonel.E2E.Tests.Infrastructure;

/// <summary>Sends a signal to one process by its PID (.NET only offers SIGKILL through Process.Kill).</summary>
internal static partial class PosixSignals
{
    public const int SigTerm = 15;

    public static void Send(int pid, int signal)
    {
        if (Kill(pid, signal) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            const int NoSuchProcess = 3;
            if (errno != NoSuchProcess)
            {
                throw new InvalidOperationException($"kill({pid}, {signal}) failed with errno {errno}");
            }
        }
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
