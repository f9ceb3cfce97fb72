using System.Diagnostics;
using System.Globalization;

namespace Timonel.Cli.Bench;

/// <summary>
/// CPU and memory from /proc: the server's (by PID), the benchmark client's own, and the whole
/// machine's, so a phase can say who used the cores (the client shares them with the server,
/// and other work on the machine shows up as "other").
/// </summary>
internal static class ProcessStats
{
    // USER_HZ: 100 on every Linux architecture .NET runs on.
    private const double TicksPerSecond = 100;

    /// <summary>VmRSS (resident memory now) of <paramref name="pid"/> in bytes, or null when unreadable.</summary>
    public static long? RssBytes(int pid) => StatusKilobytes(pid, "VmRSS:");

    /// <summary>VmHWM (the peak resident memory) of <paramref name="pid"/> in bytes, or null when unreadable.</summary>
    public static long? PeakRssBytes(int pid) => StatusKilobytes(pid, "VmHWM:");

    private static long? StatusKilobytes(int pid, string field)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith(field, StringComparison.Ordinal))
                {
                    var kb = line[field.Length..].Trim().Split(' ')[0];
                    return long.Parse(kb, CultureInfo.InvariantCulture) * 1024;
                }
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        return null;
    }

    /// <summary>User + system CPU seconds used so far by <paramref name="pid"/>, or null when unreadable.</summary>
    public static double? CpuSeconds(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            // Fields after the parenthesised command name: state is field 3, utime 14, stime 15.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / TicksPerSecond;
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>
    /// CPU ticks so far of each of <paramref name="pid"/>'s runtime tier-up threads (".NET Tiered
    /// Compilation Worker": background JIT of hot methods) by thread id, or null when unreadable.
    /// The runtime ends an idle worker and starts a new one later, so compare per thread id.
    /// </summary>
    public static Dictionary<int, long>? JitWorkerTicks(int pid)
    {
        try
        {
            var result = new Dictionary<int, long>();
            foreach (var task in Directory.EnumerateDirectories($"/proc/{pid}/task"))
            {
                string stat;
                try
                {
                    stat = File.ReadAllText(Path.Combine(task, "stat"));
                }
                catch (IOException)
                {
                    continue;
                }

                var open = stat.IndexOf('(', StringComparison.Ordinal);
                var close = stat.LastIndexOf(')');
                if (open < 0 || close < open || !stat.AsSpan(open + 1, close - open - 1).StartsWith(".NET Tiered Com", StringComparison.Ordinal))
                {
                    continue;
                }

                var fields = stat[(close + 2)..].Split(' ');
                result[int.Parse(Path.GetFileName(task), CultureInfo.InvariantCulture)] =
                    long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
            }

            return result;
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>
    /// Tier-up CPU seconds between two <see cref="JitWorkerTicks"/> readings; a worker that ended
    /// in between is missed, so this can undercount.
    /// </summary>
    public static double? JitWorkerSecondsBetween(Dictionary<int, long>? before, Dictionary<int, long>? after)
    {
        if (before is null || after is null)
        {
            return null;
        }

        long ticks = 0;
        foreach (var (tid, now) in after)
        {
            ticks += now - before.GetValueOrDefault(tid);
        }

        return ticks / TicksPerSecond;
    }

    public static double OwnCpuSeconds()
    {
        using var self = Process.GetCurrentProcess();
        return self.TotalProcessorTime.TotalSeconds;
    }

    /// <summary>Busy CPU seconds of the whole machine (all cores), from the first line of /proc/stat.</summary>
    public static double? MachineBusySeconds()
    {
        try
        {
            var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries);
            // cpu user nice system idle iowait irq softirq steal ...: busy is all but idle and iowait.
            long busy = 0;
            for (var i = 1; i < fields.Length && i <= 8; i++)
            {
                if (i is not (4 or 5))
                {
                    busy += long.Parse(fields[i], CultureInfo.InvariantCulture);
                }
            }

            return busy / TicksPerSecond;
        }
        catch (IOException)
        {
            return null;
        }
    }
}
