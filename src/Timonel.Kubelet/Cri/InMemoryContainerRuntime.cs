using Google.Protobuf;
using Grpc.Core;
using Timonel.Kubelet.Cri.V1;

namespace Timonel.Kubelet.Cri;

/// <summary>
/// A container runtime that only keeps books (kubemark's hollow runtime): sandboxes get an IP,
/// containers move Created → Running → Exited, nothing executes. Tests drive it through
/// <see cref="ExitContainer"/> and <see cref="KillSandbox"/>; simulated nodes through
/// <see cref="Exits"/>, <see cref="SandboxIps"/> and <see cref="ExecAnswers"/>. Every image pulls
/// unless listed in <see cref="MissingImages"/>. Thread-safe.
/// </summary>
public sealed class InMemoryContainerRuntime : IContainerRuntime
{
    /// <summary>The exit code a stopped container reports: killed by a signal, as runc reports SIGKILL.</summary>
    public const int KilledExitCode = 137;

    private readonly Lock _lock = new();
    private readonly Dictionary<string, Sandbox> _sandboxes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Entry> _containers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, bool> _images = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private readonly Func<int, string> _podIp;
    private long _sequence;

    /// <param name="podIp">The IP of the n-th sandbox (from 1); 10.88.x.y when not given.</param>
    public InMemoryContainerRuntime(TimeProvider? time = null, Func<int, string>? podIp = null)
    {
        _time = time ?? TimeProvider.System;
        _podIp = podIp ?? (n => $"10.88.{(n >> 8) & 0xff}.{n & 0xff}");
    }

    /// <summary>
    /// The address of a new sandbox, when the caller hands them out (the node simulator's per-node
    /// IPAM); an <see cref="InvalidOperationException"/> fails RunPodSandbox as a CNI failure does.
    /// </summary>
    public Func<PodSandboxConfig, string>? SandboxIps { get; init; }

    /// <summary>Told of each removed sandbox, so an address given by <see cref="SandboxIps"/> can be freed.</summary>
    public Action<PodSandboxConfig>? SandboxRemoved { get; init; }

    /// <summary>When a container starts: whether and when it exits by itself (null: it runs until stopped).</summary>
    public Func<PodSandboxConfig, ContainerConfig, ContainerExit?>? Exits { get; init; }

    /// <summary>Told (with the pod's UID) after a container exited by <see cref="Exits"/>, so the kubelet looks at once.</summary>
    public Action<string>? ContainerExited { get; init; }

    /// <summary>What an exec of a command answers when <see cref="ExecResults"/> does not list it (null: exit 0, no output).</summary>
    public Func<IReadOnlyList<string>, (int ExitCode, string Output)?>? ExecAnswers { get; init; }

    /// <summary>Images whose pull fails with NotFound, as a registry without them answers.</summary>
    public ISet<string> MissingImages { get; } = new HashSet<string>(StringComparer.Ordinal);

    /// <summary>Images whose registry wants a user name and password: a pull without them fails as containerd's does on a 401.</summary>
    public IDictionary<string, (string User, string Password)> ProtectedImages { get; } = new Dictionary<string, (string, string)>(StringComparer.Ordinal);

    /// <summary>Images whose pull never ends until cancelled (a registry that stopped mid-layer); then it fails as gRPC reports a cancelled call.</summary>
    public ISet<string> StalledImages { get; } = new HashSet<string>(StringComparer.Ordinal);

    /// <summary>Images whose pull waits for the task before it succeeds (a pull that takes a while).</summary>
    public IDictionary<string, Task> SlowImages { get; } = new Dictionary<string, Task>(StringComparer.Ordinal);

    /// <summary>The user name each pull sent, in order ("" for none).</summary>
    public IList<string> PullUsers { get; } = [];

    /// <summary>When set, RunPodSandbox fails with this detail (code Unknown), as a CNI failure does.</summary>
    public string? SandboxFailure { get; set; }

    /// <summary>What an exec of a command (its words joined by spaces) answers; any other command exits 0 with no output.</summary>
    public IDictionary<string, (int ExitCode, string Output)> ExecResults { get; } = new Dictionary<string, (int, string)>(StringComparer.Ordinal);

    /// <summary>The size every image reports (ImageStatus.size), in bytes.</summary>
    public const ulong ImageSize = 4_269_694;

    /// <summary>Makes an image present without a pull, as an import does; a pinned one reports pinned as containerd 1.7+ does for its sandbox image.</summary>
    public void AddImage(string image, bool pinned = false)
    {
        lock (_lock)
        {
            _images[image] = pinned;
        }
    }

    /// <summary>
    /// Sets what a container reports to ListContainerStats from now on (a container never set
    /// reports zero usage); the stats carry the runtime clock's time, as containerd stamps its reads.
    /// </summary>
    public void SetContainerUsage(string containerId, SimulatedUsage usage)
    {
        lock (_lock)
        {
            ContainerOf(containerId).Usage = usage;
        }
    }

    /// <summary>Every mutating call, in order ("RunPodSandbox", "CreateContainer app", "StopContainer c3", ...), for tests.</summary>
    public List<string> Calls { get; } = [];

    /// <summary>The container ends by itself with <paramref name="exitCode"/> (a crash or a completed job).</summary>
    public void ExitContainer(string containerId, int exitCode)
    {
        lock (_lock)
        {
            if (_containers.TryGetValue(containerId, out var c) && c.State == ContainerState.ContainerRunning)
            {
                Finish(c, exitCode);
            }
        }
    }

    /// <summary>The sandbox dies under the kubelet (its pause process gone): NotReady, its containers exited.</summary>
    public void KillSandbox(string podSandboxId)
    {
        lock (_lock)
        {
            StopSandbox(podSandboxId);
        }
    }

    /// <summary>The containers with this name (label io.kubernetes.container.name or metadata name), oldest first.</summary>
    public IReadOnlyList<ContainerStatus> ContainersNamed(string name)
    {
        lock (_lock)
        {
            return [.. _containers.Values.Where(c => c.Config.Metadata.Name == name).OrderBy(c => c.CreatedAt).Select(Status)];
        }
    }

    public Task<IReadOnlyList<PodSandbox>> ListPodSandboxAsync(PodSandboxFilter? filter, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            IReadOnlyList<PodSandbox> list = [.. _sandboxes.Values
                .Where(s => filter is null || ((filter.Id.Length == 0 || filter.Id == s.Id) && (filter.State is null || filter.State.State == s.State) && Matches(filter.LabelSelector, s.Config.Labels)))
                .Select(s => new PodSandbox { Id = s.Id, Metadata = s.Config.Metadata, State = s.State, CreatedAt = s.CreatedAt, Labels = { s.Config.Labels }, Annotations = { s.Config.Annotations } })];
            return Task.FromResult(list);
        }
    }

    public Task<PodSandboxStatus> PodSandboxStatusAsync(string podSandboxId, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            var s = SandboxOf(podSandboxId);
            return Task.FromResult(new PodSandboxStatus
            {
                Id = s.Id,
                Metadata = s.Config.Metadata,
                State = s.State,
                CreatedAt = s.CreatedAt,
                Network = new PodSandboxNetworkStatus { Ip = s.Ip },
                Labels = { s.Config.Labels },
                Annotations = { s.Config.Annotations },
            });
        }
    }

    public Task<string> RunPodSandboxAsync(PodSandboxConfig config, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (SandboxFailure is { } failure)
            {
                throw new RpcException(new Status(StatusCode.Unknown, failure));
            }

            var n = _sandboxes.Count + 1;
            var id = NextId("s");
            var ip = config.Linux?.SecurityContext?.NamespaceOptions?.Network == NamespaceMode.Node ? string.Empty : SandboxIp(config, n);
            _sandboxes[id] = new Sandbox(id, config.Clone(), Now(), ip);
            Calls.Add($"RunPodSandbox {config.Metadata.Name}/{config.Metadata.Attempt}");
            return Task.FromResult(id);
        }
    }

    public Task StopPodSandboxAsync(string podSandboxId, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            Calls.Add($"StopPodSandbox {podSandboxId}");
            StopSandbox(podSandboxId);
            return Task.CompletedTask;
        }
    }

    public Task RemovePodSandboxAsync(string podSandboxId, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            Calls.Add($"RemovePodSandbox {podSandboxId}");
            StopSandbox(podSandboxId);
            if (_sandboxes.Remove(podSandboxId, out var removed))
            {
                SandboxRemoved?.Invoke(removed.Config);
            }

            foreach (var c in _containers.Values.Where(c => c.SandboxId == podSandboxId).ToList())
            {
                _containers.Remove(c.Id);
                c.ExitTimer?.Dispose();
            }

            return Task.CompletedTask;
        }
    }

    public Task<IReadOnlyList<Container>> ListContainersAsync(ContainerFilter? filter, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            IReadOnlyList<Container> list = [.. _containers.Values
                .Where(c => filter is null || ((filter.Id.Length == 0 || filter.Id == c.Id) && (filter.PodSandboxId.Length == 0 || filter.PodSandboxId == c.SandboxId)
                    && (filter.State is null || filter.State.State == c.State) && Matches(filter.LabelSelector, c.Config.Labels)))
                .Select(c => new Container
                {
                    Id = c.Id,
                    PodSandboxId = c.SandboxId,
                    Metadata = c.Config.Metadata,
                    Image = c.Config.Image,
                    ImageRef = c.Config.Image.Image,
                    State = c.State,
                    CreatedAt = c.CreatedAt,
                    Labels = { c.Config.Labels },
                    Annotations = { c.Config.Annotations },
                })];
            return Task.FromResult(list);
        }
    }

    public Task<ContainerStatus?> ContainerStatusAsync(string containerId, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return Task.FromResult(_containers.TryGetValue(containerId, out var c) ? Status(c) : null);
        }
    }

    public Task<string> CreateContainerAsync(string podSandboxId, ContainerConfig config, PodSandboxConfig sandboxConfig, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            var sandbox = SandboxOf(podSandboxId);
            if (sandbox.State != PodSandboxState.SandboxReady)
            {
                throw new RpcException(new Status(StatusCode.FailedPrecondition, $"sandbox {podSandboxId} is not ready"));
            }

            var id = NextId("c");
            _containers[id] = new Entry(id, podSandboxId, config.Clone(), Now());
            Calls.Add($"CreateContainer {config.Metadata.Name}/{config.Metadata.Attempt}");
            return Task.FromResult(id);
        }
    }

    public Task StartContainerAsync(string containerId, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            var c = ContainerOf(containerId);
            if (c.State != ContainerState.ContainerCreated)
            {
                throw new RpcException(new Status(StatusCode.FailedPrecondition, $"container {containerId} is not in created state"));
            }

            c.State = ContainerState.ContainerRunning;
            c.StartedAt = Now();
            if (Exits?.Invoke(SandboxOf(c.SandboxId).Config, c.Config) is { } exit)
            {
                // Kept on the entry: an unreferenced timer may be collected before it fires.
                c.ExitTimer = _time.CreateTimer(_ => ExitByItself(c, exit.ExitCode), null, exit.After, Timeout.InfiniteTimeSpan);
            }

            Calls.Add($"StartContainer {c.Config.Metadata.Name}/{c.Config.Metadata.Attempt}");
            return Task.CompletedTask;
        }
    }

    /// <summary>Records the call and keeps the new resources on the container (see <see cref="ResourcesOf"/>); a stopped or unknown container is an error, as in containerd.</summary>
    public Task UpdateContainerResourcesAsync(string containerId, LinuxContainerResources resources, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (UpdateResourcesFailure is { } failure)
            {
                throw new RpcException(new Status(StatusCode.Unknown, failure));
            }

            if (!_containers.TryGetValue(containerId, out var c) || c.State != ContainerState.ContainerRunning)
            {
                throw new RpcException(new Status(StatusCode.NotFound, $"container {containerId} is not running"));
            }

            c.Config.Linux ??= new LinuxContainerConfig();
            c.Config.Linux.Resources = resources.Clone();
            Calls.Add($"UpdateContainerResources {c.Config.Metadata.Name}/{c.Config.Metadata.Attempt}");
            return Task.CompletedTask;
        }
    }

    /// <summary>When set, UpdateContainerResources fails with this message (a runtime refusing a resize).</summary>
    public string? UpdateResourcesFailure { get; set; }

    /// <summary>The Linux resources a container was created or last updated with.</summary>
    public LinuxContainerResources? ResourcesOf(string containerId)
    {
        lock (_lock)
        {
            return _containers.TryGetValue(containerId, out var c) ? c.Config.Linux?.Resources?.Clone() : null;
        }
    }

    public Task StopContainerAsync(string containerId, long timeoutSeconds, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (_containers.TryGetValue(containerId, out var c))
            {
                Calls.Add($"StopContainer {c.Config.Metadata.Name}/{c.Config.Metadata.Attempt}");
                if (c.State == ContainerState.ContainerRunning)
                {
                    Finish(c, KilledExitCode);
                }
            }

            return Task.CompletedTask;
        }
    }

    public Task RemoveContainerAsync(string containerId, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (_containers.Remove(containerId, out var c))
            {
                c.ExitTimer?.Dispose();
                Calls.Add($"RemoveContainer {c.Config.Metadata.Name}/{c.Config.Metadata.Attempt}");
            }

            return Task.CompletedTask;
        }
    }

    public Task<ExecSyncResponse> ExecSyncAsync(string containerId, IReadOnlyList<string> command, TimeSpan timeout, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            var c = ContainerOf(containerId);
            var (exitCode, output) = ExecResults.TryGetValue(string.Join(' ', command), out var result) ? result : ExecAnswers?.Invoke(command) ?? (0, string.Empty);
            return Task.FromResult(c.State == ContainerState.ContainerRunning
                ? new ExecSyncResponse { ExitCode = exitCode, Stdout = ByteString.CopyFromUtf8(output), Stderr = ByteString.Empty }
                : throw new RpcException(new Status(StatusCode.FailedPrecondition, $"container {containerId} is not running")));
        }
    }

    public Task<IReadOnlyList<ContainerStats>> ListContainerStatsAsync(ContainerStatsFilter? filter, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            var now = (_time.GetUtcNow() - DateTimeOffset.UnixEpoch).Ticks * 100;
            IReadOnlyList<ContainerStats> list = [.. _containers.Values
                .Where(c => c.State == ContainerState.ContainerRunning)
                .Where(c => filter is null || ((filter.Id.Length == 0 || filter.Id == c.Id) && (filter.PodSandboxId.Length == 0 || filter.PodSandboxId == c.SandboxId) && Matches(filter.LabelSelector, c.Config.Labels)))
                .Select(c => new ContainerStats
                {
                    Attributes = new ContainerAttributes { Id = c.Id, Metadata = c.Config.Metadata, Labels = { c.Config.Labels }, Annotations = { c.Config.Annotations } },
                    Cpu = new CpuUsage { Timestamp = now, UsageCoreNanoSeconds = new UInt64Value { Value = c.Usage.CpuCoreNanoSeconds } },
                    Memory = new MemoryUsage
                    {
                        Timestamp = now,
                        WorkingSetBytes = new UInt64Value { Value = c.Usage.WorkingSetBytes },
                        UsageBytes = new UInt64Value { Value = c.Usage.UsageBytes },
                        RssBytes = new UInt64Value { Value = c.Usage.RssBytes },
                    },
                })];
            return Task.FromResult(list);
        }
    }

    public Task<Image?> ImageStatusAsync(string image, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return Task.FromResult(_images.TryGetValue(image, out var pinned) ? new Image { Id = "sha256:" + image, RepoTags = { image }, Size = ImageSize, Pinned = pinned } : null);
        }
    }

    public Task PullImageAsync(string image, AuthConfig? auth, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            PullUsers.Add(auth?.Username ?? string.Empty);
            if (StalledImages.Contains(image))
            {
                return StallAsync(cancellationToken);
            }

            if (MissingImages.Contains(image))
            {
                throw new RpcException(new Status(StatusCode.NotFound, $"failed to resolve reference \"{image}\": not found"));
            }

            if (ProtectedImages.TryGetValue(image, out var wanted) && (auth?.Username != wanted.User || auth?.Password != wanted.Password))
            {
                throw new RpcException(new Status(StatusCode.Unknown, $"failed to pull and unpack image \"{image}\": failed to resolve reference \"{image}\": pulling from host {image.Split('/')[0]} failed with status code [manifests]: 401 Unauthorized"));
            }

            if (SlowImages.TryGetValue(image, out var done))
            {
                return CompleteWhenAsync(image, done, cancellationToken);
            }

            _images.TryAdd(image, false);
            Calls.Add($"PullImage {image}");
            return Task.CompletedTask;
        }
    }

    private async Task CompleteWhenAsync(string image, Task done, CancellationToken cancellationToken)
    {
        await done.WaitAsync(cancellationToken).ConfigureAwait(false);
        lock (_lock)
        {
            _images.TryAdd(image, false);
            Calls.Add($"PullImage {image}");
        }
    }

    private static async Task StallAsync(CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            throw new RpcException(new Status(StatusCode.Cancelled, "context canceled"));
        }
    }

    private string SandboxIp(PodSandboxConfig config, int n)
    {
        if (SandboxIps is null)
        {
            return _podIp(n);
        }

        try
        {
            return SandboxIps(config);
        }
        catch (InvalidOperationException e)
        {
            throw new RpcException(new Status(StatusCode.Unknown, $"failed to setup network for sandbox: {e.Message}"));
        }
    }

    private void ExitByItself(Entry c, int exitCode)
    {
        string uid;
        lock (_lock)
        {
            if (!_containers.ContainsKey(c.Id) || c.State != ContainerState.ContainerRunning)
            {
                return;
            }

            Finish(c, exitCode);
            uid = _sandboxes.TryGetValue(c.SandboxId, out var s) ? s.Config.Metadata.Uid : string.Empty;
        }

        ContainerExited?.Invoke(uid);
    }

    private static bool Matches(Google.Protobuf.Collections.MapField<string, string> selector, Google.Protobuf.Collections.MapField<string, string> labels) =>
        selector.All(kv => labels.TryGetValue(kv.Key, out var v) && v == kv.Value);

    private static ContainerStatus Status(Entry c) => new()
    {
        Id = c.Id,
        Metadata = c.Config.Metadata,
        State = c.State,
        CreatedAt = c.CreatedAt,
        StartedAt = c.StartedAt,
        FinishedAt = c.FinishedAt,
        ExitCode = c.ExitCode,
        Image = c.Config.Image,
        ImageRef = "sha256:" + c.Config.Image.Image,
        Reason = c.State == ContainerState.ContainerExited ? (c.ExitCode == 0 ? "Completed" : "Error") : string.Empty,
        Labels = { c.Config.Labels },
        Annotations = { c.Config.Annotations },
    };

    private void StopSandbox(string podSandboxId)
    {
        if (!_sandboxes.TryGetValue(podSandboxId, out var s))
        {
            return;
        }

        s.State = PodSandboxState.SandboxNotready;
        foreach (var c in _containers.Values.Where(c => c.SandboxId == podSandboxId && c.State == ContainerState.ContainerRunning))
        {
            Finish(c, KilledExitCode);
        }
    }

    private void Finish(Entry c, int exitCode)
    {
        c.ExitTimer?.Dispose();
        c.ExitTimer = null;
        c.State = ContainerState.ContainerExited;
        c.ExitCode = exitCode;
        c.FinishedAt = Now();
    }

    private Sandbox SandboxOf(string id) =>
        _sandboxes.TryGetValue(id, out var s) ? s : throw new RpcException(new Status(StatusCode.NotFound, $"an error occurred when try to find sandbox \"{id}\": not found"));

    private Entry ContainerOf(string id) =>
        _containers.TryGetValue(id, out var c) ? c : throw new RpcException(new Status(StatusCode.NotFound, $"an error occurred when try to find container \"{id}\": not found"));

    private string NextId(string prefix) => $"{prefix}{++_sequence}";

    /// <summary>Nanoseconds since the epoch, strictly increasing even under a frozen clock, so "newest" is well defined.</summary>
    private long Now() => ((_time.GetUtcNow() - DateTimeOffset.UnixEpoch).Ticks * 100) + Interlocked.Increment(ref _sequence);

    private sealed class Sandbox(string id, PodSandboxConfig config, long createdAt, string ip)
    {
        public string Id { get; } = id;

        public PodSandboxConfig Config { get; } = config;

        public long CreatedAt { get; } = createdAt;

        public string Ip { get; } = ip;

        public PodSandboxState State { get; set; } = PodSandboxState.SandboxReady;
    }

    private sealed class Entry(string id, string sandboxId, ContainerConfig config, long createdAt)
    {
        public string Id { get; } = id;

        public string SandboxId { get; } = sandboxId;

        public ContainerConfig Config { get; } = config;

        public long CreatedAt { get; } = createdAt;

        public ContainerState State { get; set; } = ContainerState.ContainerCreated;

        public long StartedAt { get; set; }

        public long FinishedAt { get; set; }

        public int ExitCode { get; set; }

        public ITimer? ExitTimer { get; set; }

        public SimulatedUsage Usage { get; set; }
    }
}

/// <summary>A container that ends by itself <see cref="After"/> its start, with <see cref="ExitCode"/>.</summary>
public readonly record struct ContainerExit(TimeSpan After, int ExitCode);

/// <summary>What a container of <see cref="InMemoryContainerRuntime"/> reports as its usage: CPU cumulative, memory as read now.</summary>
public readonly record struct SimulatedUsage(ulong CpuCoreNanoSeconds, ulong WorkingSetBytes, ulong UsageBytes = 0, ulong RssBytes = 0);
