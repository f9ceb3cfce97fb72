using k8s.Models;
using Timonel.Kubelet.Volumes;

namespace Timonel.Kubelet.Tests.Volumes;

public sealed class EmptyDirLimitsTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("emptydir-limits-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void DiskUsage_FilesInSubdirectories_CountsAllocatedBytesAndSkipsSymlinkTargets()
    {
        var dir = Directory.CreateDirectory(Path.Combine(_root, "data", "nested")).Parent!.FullName;
        WriteBytes(Path.Combine(dir, "nested", "a"), 2 * 1024 * 1024);
        var outside = Directory.CreateDirectory(Path.Combine(_root, "outside")).FullName;
        WriteBytes(Path.Combine(outside, "big"), 8 * 1024 * 1024);
        File.CreateSymbolicLink(Path.Combine(dir, "link"), outside);

        var usage = EmptyDirLimits.DiskUsage(dir);

        Assert.InRange(usage, 2 * 1024 * 1024, 3 * 1024 * 1024);
    }

    [Fact]
    public void DiskUsage_MissingDirectory_IsZero() =>
        Assert.Equal(0, EmptyDirLimits.DiskUsage(Path.Combine(_root, "missing")));

    [Fact]
    public void Violation_DiskEmptyDirOverLimit_GivesUpstreamMessage()
    {
        var pod = Pod(
            new V1Volume { Name = "small", EmptyDir = new V1EmptyDirVolumeSource { SizeLimit = new ResourceQuantity("1Mi") } },
            new V1Volume { Name = "roomy", EmptyDir = new V1EmptyDirVolumeSource { SizeLimit = new ResourceQuantity("1Gi") } });
        WriteBytes(Path.Combine(Dir("small"), "f"), 2 * 1024 * 1024);
        WriteBytes(Path.Combine(Dir("roomy"), "f"), 2 * 1024 * 1024);

        var message = EmptyDirLimits.Violation(pod, v => Dir(v.Name));

        Assert.Equal("Usage of EmptyDir volume \"small\" exceeds the limit \"1Mi\". ", message);
    }

    [Fact]
    public void Violation_UnderLimitNoLimitOrMemory_IsNull()
    {
        var pod = Pod(
            new V1Volume { Name = "fits", EmptyDir = new V1EmptyDirVolumeSource { SizeLimit = new ResourceQuantity("4Mi") } },
            new V1Volume { Name = "unlimited", EmptyDir = new V1EmptyDirVolumeSource() },
            new V1Volume { Name = "memory", EmptyDir = new V1EmptyDirVolumeSource { Medium = "Memory", SizeLimit = new ResourceQuantity("1Mi") } },
            new V1Volume { Name = "cfg", ConfigMap = new V1ConfigMapVolumeSource { Name = "x" } });
        WriteBytes(Path.Combine(Dir("fits"), "f"), 1024 * 1024);
        WriteBytes(Path.Combine(Dir("unlimited"), "f"), 2 * 1024 * 1024);
        WriteBytes(Path.Combine(Dir("memory"), "f"), 2 * 1024 * 1024);

        Assert.Null(EmptyDirLimits.Violation(pod, v => Dir(v.Name)));
    }

    private string Dir(string volume) => Directory.CreateDirectory(Path.Combine(_root, "volumes", volume)).FullName;

    private static V1Pod Pod(params V1Volume[] volumes) => new()
    {
        Metadata = new V1ObjectMeta { Name = "p", NamespaceProperty = "ns" },
        Spec = new V1PodSpec { Volumes = volumes, Containers = [] },
    };

    private static void WriteBytes(string path, int count)
    {
        // Random bytes: a filesystem that compresses or dedups zeros would hide the usage.
        var data = new byte[count];
        Random.Shared.NextBytes(data);
        File.WriteAllBytes(path, data);
    }
}
