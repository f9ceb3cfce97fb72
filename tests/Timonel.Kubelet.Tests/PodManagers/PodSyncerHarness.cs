using System.Net;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Timonel.Client.Events;
using Timonel.Kubelet.Cri;
using Timonel.Kubelet.Images;
using Timonel.Kubelet.Network;
using Timonel.Kubelet.Pods;
using Timonel.Kubelet.Runtime;
using Timonel.Kubelet.Volumes;

namespace Timonel.Kubelet.Tests.PodManagers;

/// <summary>
/// One pod's syncer over an <see cref="InMemoryContainerRuntime"/>, with a fake clock and a
/// status manager that records what it posts. The API keeps the Events the kubelet writes
/// (created and patched, as a server would) and answers every other request 404: the pods used
/// here (no volumes, no env sources, service links off) only look up default/kubernetes.
/// </summary>
internal sealed class PodSyncerHarness : IAsyncDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("timonel-syncer-").FullName;
    private readonly EventRecorder _events;
    private readonly EventsApiHandler _api = new();
    private readonly PodSyncer _syncer;

    private readonly SemaphoreSlim _wakes = new(0);

    /// <param name="imagePullPolicyOverride">The node's --image-pull-policy-override.</param>
    /// <param name="pinned">The node's pinned images (the pause image alone when null).</param>
    /// <param name="allocatable">The node's allocatable cpu and memory for resize fit checks (none when null).</param>
    /// <param name="ingests">The runtime's downloads, watched for the pull progress deadline (not watched when null).</param>
    public PodSyncerHarness(V1Pod pod, string? imagePullPolicyOverride = null, PinnedImages? pinned = null, NodeAllocatable? allocatable = null, IIngestStatuses? ingests = null)
    {
        Pod = pod;
        Runtime = new InMemoryContainerRuntime(Time);
        var client = new Kubernetes(new KubernetesClientConfiguration { Host = "http://127.0.0.1:1" }, _api);
        _events = new EventRecorder(client, "kubelet", "node-1", NullLogger.Instance, Time);
        var options = new KubeletOptions { DataDir = _dir, NodeName = "node-1", NodeIp = IPAddress.Loopback, ResolvConf = Path.Combine(_dir, "resolv.conf"), ImagePullPolicyOverride = imagePullPolicyOverride };
        File.WriteAllText(options.ResolvConf, "nameserver 127.0.0.1\n");
        Rt = new PodRuntime(Runtime, client, new Prober(Runtime, new NodeNetwork(null)), new EnvResolver(client), options, new CgroupLayout(CgroupVersion.V2, false, Path.Combine(_dir, "cgroup")), Time, "127.0.0.1", Path.Combine(_dir, "logs"))
        {
            Volumes = new VolumeManager(client, Path.Combine(_dir, "pods"), options.VolumeResyncInterval, Time, NullLogger.Instance),
            Events = _events,
            PinnedImages = pinned ?? new PinnedImages(null, PauseImage.Reference),
            Allocations = new ResourceAllocations(() => allocatable),
            Ingests = ingests,
            Status = new StatusManager((_, status, _) =>
            {
                Posted.Add(status);
                return Task.CompletedTask;
            }),
        };
        var state = new PodState(null);
        var records = new PodRecords(Runtime, pod.Metadata.Uid);
        _syncer = new PodSyncer(Rt, state, records, Rt.Volumes.ForPod(pod), new PodTerminator(Rt, NullLogger.Instance), () => _wakes.Release(), NullLogger.Instance);
    }

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    public InMemoryContainerRuntime Runtime { get; }

    public PodRuntime Rt { get; }

    public V1Pod Pod { get; set; }

    public List<V1PodStatus> Posted { get; } = [];

    /// <summary>Makes a Secret readable through the harness's API (imagePullSecrets).</summary>
    public void AddSecret(V1Secret secret) => _api.Secrets[secret.Metadata.Name] = KubernetesJson.Serialize(secret);

    public Task SyncAsync() => _syncer.SyncPodAsync(Pod, CancellationToken.None);

    /// <summary>Whether the pod worker was asked to sync again (a probe result flipped) within <paramref name="timeout"/> of real time.</summary>
    public Task<bool> WaitForWakeAsync(TimeSpan timeout) => _wakes.WaitAsync(timeout);

    /// <summary>The Events written so far (after the recorder's queue drained), in creation order.</summary>
    public async Task<IReadOnlyList<Corev1Event>> EventsAsync()
    {
        await _events.FlushAsync(CancellationToken.None);
        return _api.Events;
    }

    /// <summary>"Reason: message" of every Event written so far, in creation order.</summary>
    public async Task<IReadOnlyList<string>> EventTextsAsync() => [.. (await EventsAsync()).Select(e => $"{e.Reason}: {e.Message}")];

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
        _wakes.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    /// <summary>An API with nothing in it but the Events written to it, answered without a network.</summary>
    private sealed class EventsApiHandler : DelegatingHandler
    {
        private readonly Lock _lock = new();
        private readonly List<Corev1Event> _events = [];

        public System.Collections.Concurrent.ConcurrentDictionary<string, string> Secrets { get; } = new(StringComparer.Ordinal);

        public IReadOnlyList<Corev1Event> Events
        {
            get
            {
                lock (_lock)
                {
                    return [.. _events];
                }
            }
        }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            // The client reads the request back from the response (its errors quote it).
            var response = await AnswerAsync(request, cancellationToken);
            response.RequestMessage = request;
            return response;
        }

        private async Task<HttpResponseMessage> AnswerAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var path = request.RequestUri!.AbsolutePath;
            if (request.Method == HttpMethod.Get && path.Contains("/secrets/", StringComparison.Ordinal) && Secrets.TryGetValue(path[(path.LastIndexOf('/') + 1)..], out var secret))
            {
                return Json(HttpStatusCode.OK, secret);
            }

            if (path.Contains("/events", StringComparison.Ordinal) && request.Content is not null)
            {
                var body = await request.Content.ReadAsStringAsync(cancellationToken);
                lock (_lock)
                {
                    if (request.Method == HttpMethod.Post)
                    {
                        _events.Add(KubernetesJson.Deserialize<Corev1Event>(body));
                        return Json(HttpStatusCode.Created, body);
                    }

                    // A repeat: the merge patch of count, lastTimestamp and message.
                    var name = path[(path.LastIndexOf('/') + 1)..];
                    var existing = _events.Single(e => e.Metadata.Name == name);
                    var patch = KubernetesJson.Deserialize<Corev1Event>(body);
                    existing.Count = patch.Count;
                    existing.LastTimestamp = patch.LastTimestamp;
                    existing.Message = patch.Message;
                    return Json(HttpStatusCode.OK, KubernetesJson.Serialize(existing));
                }
            }

            return Json(HttpStatusCode.NotFound, """{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"NotFound","code":404}""");
        }

        private static HttpResponseMessage Json(HttpStatusCode code, string body) =>
            new(code) { Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json") };
    }
}
