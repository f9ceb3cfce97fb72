using Microsoft.Extensions.Time.Testing;
using Timonel.Kubelet.Runtime;
using Timonel.Kubelet.Stats;

namespace Timonel.Kubelet.Tests.Stats;

public sealed class CgroupNodeUsageTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("timonel-nodeusage-").FullName;
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));

    public CgroupNodeUsageTests()
    {
        Write("proc/meminfo", "MemTotal:        8000000 kB\nMemFree:         1000000 kB\nAnonPages:        500000 kB\nInactive(file):  2000000 kB\n");
        Write("proc/stat", "cpu  100 20 30 4000 50 6 7 8 0 0\ncpu0 1 2 3 4 5 6 7 8 0 0\nbtime 1767225600\n");
    }

    [Fact]
    public void Read_CgroupV1_WorkingSetIsUsageLessInactiveFile()
    {
        Write("cg/cpuacct/cpuacct.usage", "123456789012\n");
        Write("cg/memory/memory.usage_in_bytes", "3000000000\n");
        Write("cg/memory/memory.stat", "cache 1\nrss 2\ninactive_file 3\ntotal_rss 700000000\ntotal_inactive_file 1000000000\n");

        var usage = Usage(CgroupVersion.V1).Read();

        Assert.Equal(123_456_789_012UL, usage.Cpu.UsageCoreNanoSeconds);
        Assert.Equal((3_000_000_000UL, 2_000_000_000UL, 700_000_000UL), (usage.Memory.UsageBytes, usage.Memory.WorkingSetBytes, usage.Memory.RssBytes));
        Assert.Equal((8_000_000UL * 1024) - 2_000_000_000UL, usage.Memory.AvailableBytes);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1_767_225_600), usage.StartTime);
        Assert.Equal(_time.GetUtcNow(), usage.Cpu.Time);
    }

    [Fact]
    public void Read_CgroupV2WithoutCpuStat_ProcStatAndMeminfo()
    {
        Directory.CreateDirectory(Path.Combine(_root, "cg"));

        var usage = Usage(CgroupVersion.V2).Read();

        // user+nice+system+irq+softirq+steal = 100+20+30+6+7+8 ticks of 10 ms.
        Assert.Equal(171UL * 10_000_000, usage.Cpu.UsageCoreNanoSeconds);
        Assert.Equal(7_000_000UL * 1024, usage.Memory.UsageBytes);
        Assert.Equal(5_000_000UL * 1024, usage.Memory.WorkingSetBytes);
        Assert.Equal(500_000UL * 1024, usage.Memory.RssBytes);
    }

    [Fact]
    public void Read_CgroupV2CpuStat_UsageMicroseconds()
    {
        Write("cg/cpu.stat", "usage_usec 5000000\nuser_usec 4000000\nsystem_usec 1000000\n");

        Assert.Equal(5_000_000_000UL, Usage(CgroupVersion.V2).Read().Cpu.UsageCoreNanoSeconds);
    }

    [Fact]
    public void Read_GarbledCounter_InvalidData()
    {
        Write("cg/cpuacct/cpuacct.usage", "not-a-number\n");
        Write("cg/memory/memory.usage_in_bytes", "1\n");
        Write("cg/memory/memory.stat", "total_rss 1\n");

        Assert.Throws<InvalidDataException>(() => Usage(CgroupVersion.V1).Read());
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private CgroupNodeUsage Usage(CgroupVersion version) =>
        new(new CgroupLayout(version, Systemd: false, Root: Path.Combine(_root, "cg")), _time, Path.Combine(_root, "proc"));

    private void Write(string relative, string content)
    {
        var path = Path.Combine(_root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
    }
}
