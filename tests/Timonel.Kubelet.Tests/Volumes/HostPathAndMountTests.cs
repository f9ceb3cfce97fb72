using k8s.Models;
using Timonel.Kubelet.Volumes;

namespace Timonel.Kubelet.Tests.Volumes;

public sealed class HostPathAndMountTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("timonel-hostpath-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void CheckType_DirectoryOrCreate_CreatesDirectory()
    {
        var path = Path.Combine(_dir, "made");

        HostPathVolumePlugin.CheckType(path, "DirectoryOrCreate");

        Assert.True(Directory.Exists(path));
    }

    [Fact]
    public void CheckType_FileOrCreate_CreatesFileButNotParent()
    {
        var path = Path.Combine(_dir, "f");
        HostPathVolumePlugin.CheckType(path, "FileOrCreate");
        Assert.True(File.Exists(path));

        var e = Assert.Throws<VolumeException>(() => HostPathVolumePlugin.CheckType(Path.Combine(_dir, "no", "f"), "FileOrCreate"));
        Assert.StartsWith("hostPath type check failed", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Directory", "file", "is not a directory")]
    [InlineData("Directory", "missing", "is not a directory")]
    [InlineData("File", "dir", "is not a file")]
    [InlineData("Socket", "file", "is not a socket file")]
    [InlineData("CharDevice", "file", "is not a character device")]
    [InlineData("BlockDevice", "dir", "is not a block device")]
    public void CheckType_WrongType_UpstreamMessage(string type, string what, string expected)
    {
        var file = Path.Combine(_dir, "file");
        File.WriteAllText(file, "x");
        var path = what switch { "file" => file, "dir" => _dir, _ => Path.Combine(_dir, "missing") };

        var e = Assert.Throws<VolumeException>(() => HostPathVolumePlugin.CheckType(path, type));

        Assert.Equal($"hostPath type check failed: {path} {expected}", e.Message);
    }

    [Fact]
    public void CheckType_CharDeviceAndEmptyType_Pass()
    {
        HostPathVolumePlugin.CheckType("/dev/null", "CharDevice");
        HostPathVolumePlugin.CheckType(Path.Combine(_dir, "anything"), null);
        Assert.Throws<VolumeException>(() => HostPathVolumePlugin.CheckType(_dir, "Bogus"));
    }

    [Fact]
    public void Build_SubPathReadOnlyAndSharedVolume_CriMounts()
    {
        var volumes = new Dictionary<string, MountedVolume>(StringComparer.Ordinal)
        {
            ["data"] = new(_dir, false),
            ["cfg"] = new(Path.Combine(_dir, "cfg"), true),
        };
        Directory.CreateDirectory(Path.Combine(_dir, "cfg"));
        var container = new V1Container
        {
            Name = "c",
            VolumeMounts =
            [
                new V1VolumeMount { Name = "data", MountPath = "/data" },
                new V1VolumeMount { Name = "data", MountPath = "/logs", SubPathExpr = "logs/$(POD)", ReadOnlyProperty = true },
                new V1VolumeMount { Name = "cfg", MountPath = "/etc/cfg" },
            ],
        };

        var mounts = ContainerMounts.Build(container, volumes, new Dictionary<string, string>(StringComparer.Ordinal) { ["POD"] = "web-1" });

        Assert.Equal(3, mounts.Count);
        Assert.Equal((_dir, false), (mounts[0].HostPath, mounts[0].Readonly));
        Assert.Equal((Path.Combine(_dir, "logs", "web-1"), true), (mounts[1].HostPath, mounts[1].Readonly));
        Assert.True(Directory.Exists(Path.Combine(_dir, "logs", "web-1")));
        Assert.True(mounts[2].Readonly);
    }

    [Fact]
    public void Build_SubPathEscapingBySymlinkOrDots_Refused()
    {
        Directory.CreateSymbolicLink(Path.Combine(_dir, "out"), "/etc");
        var volumes = new Dictionary<string, MountedVolume>(StringComparer.Ordinal) { ["data"] = new(_dir, false) };
        var empty = new Dictionary<string, string>(StringComparer.Ordinal);

        Assert.Throws<InvalidOperationException>(() => ContainerMounts.Build(new V1Container { Name = "c", VolumeMounts = [new V1VolumeMount { Name = "data", MountPath = "/x", SubPath = "out" }] }, volumes, empty));
        Assert.Throws<InvalidOperationException>(() => ContainerMounts.Build(new V1Container { Name = "c", VolumeMounts = [new V1VolumeMount { Name = "data", MountPath = "/x", SubPath = "../x" }] }, volumes, empty));
        var e = Assert.Throws<InvalidOperationException>(() => ContainerMounts.Build(new V1Container { Name = "c", VolumeMounts = [new V1VolumeMount { Name = "nope", MountPath = "/x" }] }, volumes, empty));
        Assert.Contains("cannot find volume \"nope\"", e.Message, StringComparison.Ordinal);
    }
}

public sealed class LocalPathReclaimerTests
{
    [Theory]
    [InlineData("node-a", "Released", "Delete", "/var/lib/timonel/storage/pvc-1", true)]
    [InlineData("node-b", "Released", "Delete", "/var/lib/timonel/storage/pvc-1", false)]
    [InlineData("node-a", "Bound", "Delete", "/var/lib/timonel/storage/pvc-1", false)]
    [InlineData("node-a", "Released", "Retain", "/var/lib/timonel/storage/pvc-1", false)]
    [InlineData("node-a", "Released", "Delete", "/etc", false)]
    public void ShouldReclaim_OnlyReleasedDeleteVolumesOfThisNodeInTheirOwnDirectory(string node, string phase, string policy, string path, bool expected)
    {
        var pv = new k8s.Models.V1PersistentVolume
        {
            Metadata = new k8s.Models.V1ObjectMeta { Name = "pvc-1", Annotations = new Dictionary<string, string> { ["pv.kubernetes.io/provisioned-by"] = "timonel.dev/local-path" } },
            Spec = new k8s.Models.V1PersistentVolumeSpec
            {
                PersistentVolumeReclaimPolicy = policy,
                HostPath = new k8s.Models.V1HostPathVolumeSource { Path = path },
                NodeAffinity = new k8s.Models.V1VolumeNodeAffinity
                {
                    Required = new k8s.Models.V1NodeSelector { NodeSelectorTerms = [new k8s.Models.V1NodeSelectorTerm { MatchExpressions = [new k8s.Models.V1NodeSelectorRequirement { Key = "kubernetes.io/hostname", OperatorProperty = "In", Values = ["node-a"] }] }] },
                },
            },
            Status = new k8s.Models.V1PersistentVolumeStatus { Phase = phase },
        };

        Assert.Equal(expected, LocalPathReclaimer.ShouldReclaim(pv, node));
    }
}
