using System.Globalization;
using Timonel.Kubelet.Runtime;

namespace Timonel.Kubelet.Stats;

/// <summary>
/// The node's usage as cadvisor reads its root container. cgroup v1: cpuacct.usage, and
/// memory.usage_in_bytes less total_inactive_file (working set) with total_rss. cgroup v2, whose
/// root has no memory.current: cpu.stat usage_usec (else /proc/stat), and /proc/meminfo
/// (usage = MemTotal − MemFree, less Inactive(file); rss = AnonPages). Available is
/// MemTotal − working set, as upstream's node summary.
/// </summary>
public sealed class CgroupNodeUsage(CgroupLayout cgroups, TimeProvider time, string procRoot = "/proc") : INodeUsageSource
{
    /// <summary>USER_HZ: /proc/stat counts CPU time in ticks of 1/100 s on every Linux architecture Timonel runs on.</summary>
    private const ulong NanosecondsPerTick = 10_000_000;

    public NodeUsage Read()
    {
        var now = time.GetUtcNow();
        var meminfo = KeyValues(Path.Combine(procRoot, "meminfo"), kib: true);
        var total = meminfo.GetValueOrDefault("MemTotal");
        var cpu = cgroups.Version == CgroupVersion.V1 ? CpuV1() : CpuV2();
        var (usage, workingSet, rss) = cgroups.Version == CgroupVersion.V1 ? MemoryV1() : MemoryFromMeminfo(meminfo);
        var available = total > workingSet ? total - workingSet : 0;
        return new NodeUsage(BootTime(), new CpuReading(now, cpu), new MemoryReading(now, usage, workingSet, rss, available));
    }

    private ulong CpuV1() => ParseUlong(File.ReadAllText(Path.Combine(cgroups.Root, "cpuacct", "cpuacct.usage")).Trim());

    private ulong CpuV2()
    {
        var stat = Path.Combine(cgroups.Root, "cpu.stat");
        if (File.Exists(stat) && KeyValues(stat, kib: false).TryGetValue("usage_usec", out var usec))
        {
            return usec * 1000;
        }

        // The first line of /proc/stat: cpu user nice system idle iowait irq softirq steal ...; busy = all but idle and iowait.
        var fields = File.ReadLines(Path.Combine(procRoot, "stat")).First().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        ulong ticks = 0;
        for (var i = 1; i < Math.Min(fields.Length, 9); i++)
        {
            if (i is not 4 and not 5)
            {
                ticks += ParseUlong(fields[i]);
            }
        }

        return ticks * NanosecondsPerTick;
    }

    private (ulong Usage, ulong WorkingSet, ulong Rss) MemoryV1()
    {
        var dir = Path.Combine(cgroups.Root, "memory");
        var usage = ParseUlong(File.ReadAllText(Path.Combine(dir, "memory.usage_in_bytes")).Trim());
        var stat = KeyValues(Path.Combine(dir, "memory.stat"), kib: false);
        var inactive = stat.GetValueOrDefault("total_inactive_file");
        return (usage, usage > inactive ? usage - inactive : 0, stat.GetValueOrDefault("total_rss"));
    }

    private static (ulong Usage, ulong WorkingSet, ulong Rss) MemoryFromMeminfo(Dictionary<string, ulong> meminfo)
    {
        var total = meminfo.GetValueOrDefault("MemTotal");
        var free = meminfo.GetValueOrDefault("MemFree");
        var usage = total > free ? total - free : 0;
        var inactive = meminfo.GetValueOrDefault("Inactive(file)");
        return (usage, usage > inactive ? usage - inactive : 0, meminfo.GetValueOrDefault("AnonPages"));
    }

    private DateTimeOffset BootTime()
    {
        var line = File.ReadLines(Path.Combine(procRoot, "stat")).FirstOrDefault(l => l.StartsWith("btime ", StringComparison.Ordinal));
        return line is null ? DateTimeOffset.UnixEpoch : DateTimeOffset.FromUnixTimeSeconds((long)ParseUlong(line[6..].Trim()));
    }

    /// <summary>"key value" (memory.stat, cpu.stat) or "Key: value kB" (/proc/meminfo, times 1024 when <paramref name="kib"/>) lines.</summary>
    private static Dictionary<string, ulong> KeyValues(string path, bool kib)
    {
        var values = new Dictionary<string, ulong>(StringComparer.Ordinal);
        foreach (var line in File.ReadLines(path))
        {
            var parts = line.Split([' ', ':'], StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length >= 2 && ulong.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var value))
            {
                values[parts[0]] = kib && parts.Length > 2 ? value * 1024 : value;
            }
        }

        return values;
    }

    private static ulong ParseUlong(string text) =>
        ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : throw new InvalidDataException($"not a counter: \"{text}\"");
}
