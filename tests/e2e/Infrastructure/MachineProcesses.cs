namespace Timonel.E2E.Tests.Infrastructure;

/// <summary>What runs on the machine, read from /proc: to check that a stop or a cleanup left nothing behind.</summary>
internal static class MachineProcesses
{
    /// <summary>Whether a process runs (a zombie waiting for its parent does not).</summary>
    public static bool IsAlive(int pid)
    {
        try
        {
            return !File.ReadAllText($"/proc/{pid}/stat").Contains(") Z ", StringComparison.Ordinal);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>"PID: command line" of every process whose command line names <paramref name="path"/> (a data dir: its containerd and shims), but a cleanup run.</summary>
    public static List<string> Mentioning(string path)
    {
        var found = new List<string>();
        foreach (var dir in Directory.EnumerateDirectories("/proc").Where(d => int.TryParse(Path.GetFileName(d), out _)))
        {
            try
            {
                var cmdline = File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ');
                if (cmdline.Contains(path, StringComparison.Ordinal) && !cmdline.Contains("--cleanup", StringComparison.Ordinal))
                {
                    found.Add($"{Path.GetFileName(dir)}: {cmdline}");
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Exited while listed.
            }
        }

        return found;
    }

    /// <summary>Mount points under <paramref name="dir"/>.</summary>
    public static List<string> MountsUnder(string dir) =>
        [.. File.ReadAllLines("/proc/self/mounts").Select(l => l.Split(' ')).Where(f => f.Length > 1 && f[1].StartsWith(dir.TrimEnd('/') + "/", StringComparison.Ordinal)).Select(f => f[1])];
}
