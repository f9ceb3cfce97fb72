using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Timonel.Kubelet.Volumes;
using Timonel.Testing;

namespace Timonel.Kubelet.Tests.Volumes;

/// <summary>PodVolumes against an in-process API server (no root: no tmpfs, no containers).</summary>
public sealed class PodVolumesTests : IAsyncLifetime
{
    private readonly string _dir = Directory.CreateTempSubdirectory("timonel-podvolumes-").FullName;
    private TestCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await TestCluster.StartAsync();

    public async Task DisposeAsync()
    {
        await _cluster.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task SetUp_TokenForMissingServiceAccount_FailedMountAndNotReady()
    {
        var ns = await _cluster.CreateNamespaceAsync("vol");
        var pod = Pod(ns, new V1Volume
        {
            Name = "token",
            Projected = new V1ProjectedVolumeSource { Sources = [new V1VolumeProjection { ServiceAccountToken = new V1ServiceAccountTokenProjection { Path = "token", Audience = "api", ExpirationSeconds = 600 } }] },
        });
        pod.Spec.ServiceAccountName = "ghost";
        var volumes = Manager().ForPod(pod);

        var reports = await volumes.SetUpAsync(pod, CancellationToken.None);

        var report = Assert.Single(reports);
        Assert.StartsWith("MountVolume.SetUp failed for volume \"token\" : failed to fetch token:", report, StringComparison.Ordinal);
        Assert.False(volumes.AllReady(pod));
        // The same failure is not reported again at once (events would flood).
        Assert.Empty(await volumes.SetUpAsync(pod, CancellationToken.None));
    }

    [Fact]
    public async Task SetUp_ProjectedConfigMapSecretDownward_OneDirectory()
    {
        var ns = await _cluster.CreateNamespaceAsync("vol");
        await _cluster.Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "ca" }, Data = new Dictionary<string, string> { ["ca.crt"] = "CERT" } }, ns);
        await _cluster.Client.CoreV1.CreateNamespacedSecretAsync(new V1Secret { Metadata = new V1ObjectMeta { Name = "s" }, StringData = new Dictionary<string, string> { ["k"] = "v" } }, ns);
        var pod = Pod(ns, new V1Volume
        {
            Name = "all",
            Projected = new V1ProjectedVolumeSource
            {
                DefaultMode = 0x1A4,
                Sources =
                [
                    new V1VolumeProjection { ConfigMap = new V1ConfigMapProjection { Name = "ca" } },
                    new V1VolumeProjection { Secret = new V1SecretProjection { Name = "s", Items = [new V1KeyToPath { Key = "k", Path = "secret/k" }] } },
                    new V1VolumeProjection { DownwardAPI = new V1DownwardAPIProjection { Items = [new V1DownwardAPIVolumeFile { Path = "namespace", FieldRef = new V1ObjectFieldSelector { FieldPath = "metadata.namespace" } }] } },
                    new V1VolumeProjection { ConfigMap = new V1ConfigMapProjection { Name = "absent", Optional = true } },
                ],
            },
        });
        var volumes = Manager().ForPod(pod);

        Assert.Empty(await volumes.SetUpAsync(pod, CancellationToken.None));

        Assert.True(volumes.AllReady(pod));
        var dir = volumes.Ready["all"].HostPath;
        Assert.True(volumes.Ready["all"].ReadOnly);
        Assert.Equal("CERT", File.ReadAllText(Path.Combine(dir, "ca.crt")));
        Assert.Equal("v", File.ReadAllText(Path.Combine(dir, "secret", "k")));
        Assert.Equal(ns, File.ReadAllText(Path.Combine(dir, "namespace")));
        Assert.StartsWith(Path.Combine(_dir, pod.Metadata.Uid, "volumes", "kubernetes.io~projected"), dir, StringComparison.Ordinal);
    }

    private VolumeManager Manager() => new(_cluster.Client, _dir, TimeSpan.FromSeconds(5), TimeProvider.System, NullLogger.Instance);

    private static V1Pod Pod(string ns, V1Volume volume) => new()
    {
        Metadata = new V1ObjectMeta { Name = "p", NamespaceProperty = ns, Uid = Guid.NewGuid().ToString() },
        Spec = new V1PodSpec { Containers = [new V1Container { Name = "c", Image = "busybox" }], Volumes = [volume] },
    };
}
