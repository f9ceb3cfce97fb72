using System.Net;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Timonel.Client.Events;
using Timonel.Kubelet.Cri;
using Timonel.Kubelet.Network;
using Timonel.Kubelet.Pods;
using Timonel.Kubelet.Runtime;
using Timonel.Kubelet.Volumes;

namespace Timonel.Kubelet.Tests.PodManagers;

/// <summary>
/// One pod's syncer over an <see cref="InMemoryContainerRuntime"/>, with a fake clock and a
/// status manager that records what it posts. The API answers every request 404: the pods used
/// here (no volumes, no env sources, service links off) only look up default/kubernetes.
/// </summary>
internal sealed class PodSyncerHarness : IAsyncDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("timonel-syncer-").FullName;
    private readonly EventRecorder _events;
    private readonly PodSyncer _syncer;

    public PodSyncerHarness(V1Pod pod)
    {
        Pod = pod;
        Runtime = new InMemoryContainerRuntime(Time);
        var client = new Kubernetes(new KubernetesClientConfiguration { Host = "http://127.0.0.1:1" }, new NotFoundHandler());
        _events = new EventRecorder(client, "kubelet", "node-1", NullLogger.Instance, Time);
        var options = new KubeletOptions { DataDir = _dir, NodeName = "node-1", NodeIp = IPAddress.Loopback, ResolvConf = Path.Combine(_dir, "resolv.conf") };
        File.WriteAllText(options.ResolvConf, "nameserver 127.0.0.1\n");
        Rt = new PodRuntime(Runtime, client, new Prober(Runtime, new NodeNetwork(null)), new EnvResolver(client), options, new CgroupLayout(CgroupVersion.V2, false, Path.Combine(_dir, "cgroup")), Time, "127.0.0.1", Path.Combine(_dir, "logs"))
        {
            Volumes = new VolumeManager(client, Path.Combine(_dir, "pods"), options.VolumeResyncInterval, Time, NullLogger.Instance),
            Events = _events,
            Status = new StatusManager((_, status, _) =>
            {
                Posted.Add(status);
                return Task.CompletedTask;
            }),
        };
        var state = new PodState(null);
        var records = new PodRecords(Runtime, pod.Metadata.Uid);
        _syncer = new PodSyncer(Rt, state, records, Rt.Volumes.ForPod(pod), new PodTerminator(Rt, NullLogger.Instance), () => { }, NullLogger.Instance);
    }

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    public InMemoryContainerRuntime Runtime { get; }

    public PodRuntime Rt { get; }

    public V1Pod Pod { get; set; }

    public List<V1PodStatus> Posted { get; } = [];

    public Task SyncAsync() => _syncer.SyncPodAsync(Pod, CancellationToken.None);

    /// <summary>The newest instance of a container.</summary>
    public Cri.V1.ContainerStatus Newest(string name) => Runtime.ContainersNamed(name)[^1];

    public static V1Pod NewPod(string restartPolicy = "Always", params string[] containers) => new()
    {
        Metadata = new V1ObjectMeta { Name = "web", NamespaceProperty = "default", Uid = "uid-1" },
        Spec = new V1PodSpec
        {
            RestartPolicy = restartPolicy,
            EnableServiceLinks = false,
            Containers = [.. (containers.Length == 0 ? ["app"] : containers).Select(n => new V1Container { Name = n, Image = "docker.io/library/busybox:1.36" })],
        },
    };

    public async ValueTask DisposeAsync()
    {
        await Rt.Probes.DisposeAsync();
        await _events.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    /// <summary>An API with nothing in it, answered without a network.</summary>
    private sealed class NotFoundHandler : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(new HttpResponseMessage(HttpStatusCode.NotFound)
            {
                Content = new StringContent("""{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"NotFound","code":404}""", System.Text.Encoding.UTF8, "application/json"),
            });
    }
}
