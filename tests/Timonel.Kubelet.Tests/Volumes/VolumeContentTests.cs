using System.Text;
using k8s.Models;
using Timonel.Kubelet.Volumes;

namespace Timonel.Kubelet.Tests.Volumes;

public sealed class VolumeContentTests
{
    private static readonly Dictionary<string, byte[]> Values = new(StringComparer.Ordinal)
    {
        ["app.conf"] = Encoding.UTF8.GetBytes("debug=true"),
        ["other"] = Encoding.UTF8.GetBytes("x"),
    };

    [Fact]
    public void Select_NoItems_EveryKeyWithDefaultMode()
    {
        var files = ContentSources.Select(Values, null, optional: false, mode: 0x1A4, "missing");

        Assert.Equal(["app.conf", "other"], files.Keys.Order(StringComparer.Ordinal));
        Assert.All(files.Values, f => Assert.Equal(0x1A4, f.Mode));
    }

    [Fact]
    public void Select_Items_PathAndModePerItem()
    {
        var files = ContentSources.Select(Values, [new V1KeyToPath { Key = "app.conf", Path = "conf/app", Mode = 0x100 }], optional: false, mode: 0x1A4, "missing");

        var file = Assert.Single(files);
        Assert.Equal("conf/app", file.Key);
        Assert.Equal(0x100, file.Value.Mode);
        Assert.Equal("debug=true", Encoding.UTF8.GetString(file.Value.Data));
    }

    [Fact]
    public void Select_MissingKey_ErrorUnlessOptional()
    {
        V1KeyToPath[] items = [new() { Key = "nope", Path = "p" }];

        var e = Assert.Throws<VolumeException>(() => ContentSources.Select(Values, items, optional: false, mode: 0x1A4, "configmap references non-existent config key"));
        Assert.Equal("configmap references non-existent config key: nope", e.Message);
        Assert.Empty(ContentSources.Select(Values, items, optional: true, mode: 0x1A4, "x"));
    }

    [Fact]
    public void DownwardApi_MetadataFieldsAndResources_UpstreamFormat()
    {
        var pod = new V1Pod
        {
            Metadata = new V1ObjectMeta
            {
                Name = "web",
                NamespaceProperty = "shop",
                Uid = "u-1",
                Labels = new Dictionary<string, string> { ["tier"] = "front", ["app"] = "web" },
                Annotations = new Dictionary<string, string> { ["note"] = "say \"hi\"\n" },
            },
            Spec = new V1PodSpec
            {
                Containers =
                [
                    new V1Container
                    {
                        Name = "main",
                        Resources = new V1ResourceRequirements { Limits = new Dictionary<string, ResourceQuantity> { ["memory"] = new("64Mi") }, Requests = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("250m") } },
                    },
                ],
            },
        };
        V1DownwardAPIVolumeFile[] items =
        [
            new() { Path = "name", FieldRef = new V1ObjectFieldSelector { FieldPath = "metadata.name" } },
            new() { Path = "ns", FieldRef = new V1ObjectFieldSelector { FieldPath = "metadata.namespace" } },
            new() { Path = "uid", FieldRef = new V1ObjectFieldSelector { FieldPath = "metadata.uid" }, Mode = 0x180 },
            new() { Path = "labels", FieldRef = new V1ObjectFieldSelector { FieldPath = "metadata.labels" } },
            new() { Path = "annotations", FieldRef = new V1ObjectFieldSelector { FieldPath = "metadata.annotations" } },
            new() { Path = "tier", FieldRef = new V1ObjectFieldSelector { FieldPath = "metadata.labels['tier']" } },
            new() { Path = "mem", ResourceFieldRef = new V1ResourceFieldSelector { ContainerName = "main", Resource = "limits.memory", Divisor = new ResourceQuantity("1Mi") } },
            new() { Path = "cpu", ResourceFieldRef = new V1ResourceFieldSelector { ContainerName = "main", Resource = "requests.cpu", Divisor = new ResourceQuantity("1m") } },
        ];

        var files = DownwardApiFiles.Build(pod, items, 0x1A4).ToDictionary(f => f.Key, f => Encoding.UTF8.GetString(f.Value.Data), StringComparer.Ordinal);

        Assert.Equal("web", files["name"]);
        Assert.Equal("shop", files["ns"]);
        Assert.Equal("u-1", files["uid"]);
        Assert.Equal("app=\"web\"\ntier=\"front\"", files["labels"]);
        Assert.Equal("note=\"say \\\"hi\\\"\\n\"", files["annotations"]);
        Assert.Equal("front", files["tier"]);
        Assert.Equal("64", files["mem"]);
        Assert.Equal("250", files["cpu"]);
        Assert.Equal(0x180, DownwardApiFiles.Build(pod, items, 0x1A4)["uid"].Mode);
    }

    [Fact]
    public void DownwardApi_UnknownContainer_Error()
    {
        var pod = new V1Pod { Metadata = new V1ObjectMeta { Name = "p" }, Spec = new V1PodSpec { Containers = [new V1Container { Name = "a" }] } };

        var e = Assert.Throws<VolumeException>(() => DownwardApiFiles.Build(pod, [new V1DownwardAPIVolumeFile { Path = "x", ResourceFieldRef = new V1ResourceFieldSelector { ContainerName = "zzz", Resource = "limits.cpu" } }], 0x1A4));
        Assert.Contains("zzz", e.Message, StringComparison.Ordinal);
    }
}
