using System.Text;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Timonel.Controllers;
using Timonel.Kubelet.Cri.V1;
using Timonel.Kubelet.Tests.Infrastructure;
using Timonel.Testing;

namespace Timonel.Kubelet.Tests.Volumes;

/// <summary>Pod volumes through containerd: shared emptyDir, live ConfigMap updates, secrets, local-path PVCs, failures.</summary>
public sealed class AgentVolumeTests : IClassFixture<AgentFixture>
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);
    private readonly AgentFixture _f;

    public AgentVolumeTests(AgentFixture fixture)
    {
        _f = fixture;
    }

    [RootFact]
    public async Task EmptyDir_TwoContainers_ReaderSeesWritersFileAndMemoryIsTmpfs()
    {
        var pod = AgentPodTests.Pod(
            "share",
            WithMounts(AgentPodTests.Container("writer", "echo from-writer > /shared/msg && exec sleep 1000"), ("shared", "/shared"), ("mem", "/mem")),
            WithMounts(AgentPodTests.Container("reader", "exec sleep 1000"), ("shared", "/data"), ("mem", "/mem")));
        pod.Spec.Volumes =
        [
            new V1Volume { Name = "shared", EmptyDir = new V1EmptyDirVolumeSource() },
            new V1Volume { Name = "mem", EmptyDir = new V1EmptyDirVolumeSource { Medium = "Memory", SizeLimit = new ResourceQuantity("16Mi") } },
        ];
        pod = await _f.CreatePodAsync(pod);
        pod = await _f.WaitForPodAsync(pod, p => p.Status?.Phase == "Running", "pod Running", Wait);

        var read = await Eventually.WaitAsync(async _ => (await ExecAsync(pod, "reader", "cat /data/msg")) is { Length: > 0 } s ? s : null, Wait, "reader sees file");
        Assert.Equal("from-writer\n", read);
        var mounts = await ExecAsync(pod, "reader", "grep ' /mem ' /proc/mounts");
        Assert.StartsWith("tmpfs /mem tmpfs", mounts, StringComparison.Ordinal);
        Assert.Contains("size=16384k", mounts, StringComparison.Ordinal);

        // Deleting the pod unmounts the tmpfs and removes the pod's volume directory.
        var podDir = Path.Combine(_f.Options.PodsDir, pod.Metadata.Uid);
        Assert.True(Directory.Exists(podDir));
        await _f.Client.CoreV1.DeleteNamespacedPodAsync(pod.Metadata.Name, pod.Metadata.NamespaceProperty, new V1DeleteOptions { GracePeriodSeconds = 0 });
        await Eventually.WaitAsync(_ => Task.FromResult(!Directory.Exists(podDir)), Wait, "pod volume dir removed");
        Assert.DoesNotContain(podDir, File.ReadAllText("/proc/self/mountinfo"), StringComparison.Ordinal);
    }

    [RootFact]
    public async Task ConfigMap_Edited_MountedFileFollowsAndDownwardApiShowsLabels()
    {
        var ns = await _f.Cluster.CreateNamespaceAsync("kubelet");
        await _f.Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "app" }, Data = new Dictionary<string, string> { ["greeting"] = "v1", ["other"] = "x" } }, ns);
        var pod = AgentPodTests.Pod("cfg", WithMounts(AgentPodTests.Container("main", "exec sleep 1000"), ("cfg", "/etc/app"), ("info", "/etc/info")));
        pod.Metadata.Labels = new Dictionary<string, string> { ["app"] = "cfg" };
        pod.Spec.Volumes =
        [
            new V1Volume { Name = "cfg", ConfigMap = new V1ConfigMapVolumeSource { Name = "app", Items = [new V1KeyToPath { Key = "greeting", Path = "greeting.txt" }] } },
            new V1Volume
            {
                Name = "info",
                DownwardAPI = new V1DownwardAPIVolumeSource { Items = [new V1DownwardAPIVolumeFile { Path = "labels", FieldRef = new V1ObjectFieldSelector { FieldPath = "metadata.labels" } }] },
            },
        ];
        pod = await CreateInAsync(pod, ns);
        pod = await _f.WaitForPodAsync(pod, p => p.Status?.Phase == "Running", "pod Running", Wait);
        Assert.Equal("v1", await ExecAsync(pod, "main", "cat /etc/app/greeting.txt"));
        Assert.Equal("app=\"cfg\"", await ExecAsync(pod, "main", "cat /etc/info/labels"));
        Assert.Equal(string.Empty, await ExecAsync(pod, "main", "ls /etc/app/other 2>/dev/null; true"));

        await _f.Client.CoreV1.PatchNamespacedConfigMapAsync(new V1Patch("{\"data\":{\"greeting\":\"v2\"}}", V1Patch.PatchType.MergePatch), "app", ns);

        await Eventually.WaitAsync(async _ => await ExecAsync(pod, "main", "cat /etc/app/greeting.txt") == "v2", Wait, "mounted file updated");
        Assert.Equal("..data/greeting.txt", (await ExecAsync(pod, "main", "readlink /etc/app/greeting.txt")).Trim());
    }

    [RootFact]
    public async Task Secret_AsEnvAndFile_ValuesAndModeApplied()
    {
        var ns = await _f.Cluster.CreateNamespaceAsync("kubelet");
        await _f.Client.CoreV1.CreateNamespacedSecretAsync(new V1Secret { Metadata = new V1ObjectMeta { Name = "creds" }, Data = new Dictionary<string, byte[]> { ["password"] = Encoding.UTF8.GetBytes("s3cret") } }, ns);
        var container = WithMounts(AgentPodTests.Container("main", "exec sleep 1000"), ("creds", "/etc/creds"));
        container.Env = [new V1EnvVar { Name = "PASSWORD", ValueFrom = new V1EnvVarSource { SecretKeyRef = new V1SecretKeySelector { Name = "creds", Key = "password" } } }];
        var pod = AgentPodTests.Pod("sec", container);
        pod.Spec.Volumes = [new V1Volume { Name = "creds", Secret = new V1SecretVolumeSource { SecretName = "creds", DefaultMode = 0x100 } }];
        pod = await CreateInAsync(pod, ns);
        pod = await _f.WaitForPodAsync(pod, p => p.Status?.Phase == "Running", "pod Running", Wait);

        Assert.Equal("s3cret|s3cret|400", await ExecAsync(pod, "main", "printf '%s|%s|%s' \"$PASSWORD\" \"$(cat /etc/creds/password)\" \"$(stat -L -c %a /etc/creds/password)\""));
        // Content volumes are read-only in the container.
        Assert.NotEqual(0, (await ExecRawAsync(pod, "main", "echo x > /etc/creds/new")).ExitCode);
    }

    [RootFact]
    public async Task LocalPathClaim_PodDeleted_NextPodReadsSameData()
    {
        var storage = Path.Combine(_f.Options.DataDir, "storage");
        using var stop = new CancellationTokenSource();
        var manager = new ControllerManager(
            new ControllerManagerOptions { Controllers = ["persistentvolume-binder", "local-path-provisioner", "pvc-protection", "pv-protection"], LocalPathStorageDir = storage },
            NullLoggerFactory.Instance);
        var running = Task.Run(() => manager.RunAsync(_f.Cluster.NewClient(), stop.Token));
        try
        {
            var ns = await _f.Cluster.CreateNamespaceAsync("kubelet");
            await Eventually.WaitAsync(async ct => (await _f.Client.StorageV1.ListStorageClassAsync(cancellationToken: ct)).Items.Any(c => c.Metadata.Name == "local-path"), Wait, "local-path class");
            await _f.Client.CoreV1.CreateNamespacedPersistentVolumeClaimAsync(new V1PersistentVolumeClaim
            {
                Metadata = new V1ObjectMeta { Name = "data" },
                Spec = new V1PersistentVolumeClaimSpec
                {
                    AccessModes = ["ReadWriteOnce"],
                    StorageClassName = "local-path",
                    Resources = new V1VolumeResourceRequirements { Requests = new Dictionary<string, ResourceQuantity> { ["storage"] = new("64Mi") } },
                },
            }, ns);

            var writer = ClaimPod("writer", "echo kept > /data/file", "Never");
            writer = await CreateInAsync(writer, ns);
            writer = await _f.WaitForPodAsync(writer, p => p.Status?.Phase is "Succeeded" or "Failed", "writer finished", Wait);
            Assert.Equal("Succeeded", writer.Status.Phase);
            var claim = await _f.Client.CoreV1.ReadNamespacedPersistentVolumeClaimAsync("data", ns);
            Assert.Equal("Bound", claim.Status.Phase);
            Assert.Equal("kept\n", File.ReadAllText(Path.Combine(storage, claim.Spec.VolumeName, "file")));
            await _f.Client.CoreV1.DeleteNamespacedPodAsync("writer", ns, new V1DeleteOptions { GracePeriodSeconds = 0 });
            await Eventually.WaitAsync(async ct => (await _f.Client.CoreV1.ListNamespacedPodAsync(ns, cancellationToken: ct)).Items.Count == 0, Wait, "writer gone");

            var reader = await CreateInAsync(ClaimPod("reader", "exec sleep 1000", "Always"), ns);
            reader = await _f.WaitForPodAsync(reader, p => p.Status?.Phase == "Running", "reader Running", Wait);
            Assert.Equal("kept\n", await ExecAsync(reader, "main", "cat /data/file"));

            // Reclaim policy Delete: once pod and claim are gone, the node removes the directory and the volume.
            await _f.Client.CoreV1.DeleteNamespacedPodAsync("reader", ns, new V1DeleteOptions { GracePeriodSeconds = 0 });
            await Eventually.WaitAsync(async ct => (await _f.Client.CoreV1.ListNamespacedPodAsync(ns, cancellationToken: ct)).Items.Count == 0, Wait, "reader gone");
            await _f.Client.CoreV1.DeleteNamespacedPersistentVolumeClaimAsync("data", ns);
            await Eventually.WaitAsync(async ct => (await _f.Client.CoreV1.ListPersistentVolumeAsync(cancellationToken: ct)).Items.All(v => v.Metadata.Name != claim.Spec.VolumeName), Wait, "volume deleted");
            Assert.False(Directory.Exists(Path.Combine(storage, claim.Spec.VolumeName)));
        }
        finally
        {
            await stop.CancelAsync();
            try
            {
                await running;
            }
            catch (OperationCanceledException)
            {
            }
        }
    }

    [RootFact]
    public async Task HostPath_TypeCheckFails_ContainerCreatingWithFailedMountEvent()
    {
        var missing = Path.Combine(_f.Options.DataDir, "no-such-dir");
        var pod = AgentPodTests.Pod("hp", WithMounts(AgentPodTests.Container("main", "exec sleep 1000"), ("host", "/host")));
        pod.Spec.Volumes = [new V1Volume { Name = "host", HostPath = new V1HostPathVolumeSource { Path = missing, Type = "Directory" } }];
        pod = await _f.CreatePodAsync(pod);

        var message = await WaitForEventAsync(pod, "FailedMount");

        Assert.Equal($"MountVolume.SetUp failed for volume \"host\" : hostPath type check failed: {missing} is not a directory", message);
        pod = await _f.WaitForPodAsync(pod, p => p.Status?.ContainerStatuses?.FirstOrDefault()?.State?.Waiting?.Reason == "ContainerCreating", "ContainerCreating", Wait);
        Assert.Equal("Pending", pod.Status.Phase);
        Assert.False(Directory.Exists(missing));
    }

    [RootFact]
    public async Task ConfigMap_MissingThenCreated_FailedMountThenRunning()
    {
        var ns = await _f.Cluster.CreateNamespaceAsync("kubelet");
        var pod = AgentPodTests.Pod("late", WithMounts(AgentPodTests.Container("main", "exec sleep 1000"), ("cfg", "/cfg")));
        pod.Spec.Volumes = [new V1Volume { Name = "cfg", ConfigMap = new V1ConfigMapVolumeSource { Name = "later" } }];
        pod = await CreateInAsync(pod, ns);

        var message = await WaitForEventAsync(pod, "FailedMount");
        Assert.Equal("MountVolume.SetUp failed for volume \"cfg\" : configmap \"later\" not found", message);
        pod = await _f.ReadAsync(pod);
        Assert.Equal("ContainerCreating", pod.Status?.ContainerStatuses?.FirstOrDefault()?.State?.Waiting?.Reason);

        await _f.Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "later" }, Data = new Dictionary<string, string> { ["k"] = "here" } }, ns);
        pod = await _f.WaitForPodAsync(pod, p => p.Status?.Phase == "Running", "pod Running once the ConfigMap exists", Wait);
        Assert.Equal("here", await ExecAsync(pod, "main", "cat /cfg/k"));
    }

    private V1Pod ClaimPod(string name, string script, string restartPolicy)
    {
        var pod = AgentPodTests.Pod(name, WithMounts(AgentPodTests.Container("main", script), ("data", "/data")));
        pod.Spec.RestartPolicy = restartPolicy;
        pod.Spec.NodeName = _f.Options.NodeName;
        pod.Spec.Volumes = [new V1Volume { Name = "data", PersistentVolumeClaim = new V1PersistentVolumeClaimVolumeSource { ClaimName = "data" } }];
        return pod;
    }

    private async Task<V1Pod> CreateInAsync(V1Pod pod, string ns)
    {
        pod.Metadata.NamespaceProperty = ns;
        pod.Spec.NodeName = _f.Options.NodeName;
        return await _f.Client.CoreV1.CreateNamespacedPodAsync(pod, ns);
    }

    private async Task<string> WaitForEventAsync(V1Pod pod, string reason) =>
        await Eventually.WaitAsync(async ct =>
        {
            var events = await _f.Client.CoreV1.ListNamespacedEventAsync(pod.Metadata.NamespaceProperty, cancellationToken: ct);
            return events.Items.FirstOrDefault(e => e.InvolvedObject.Name == pod.Metadata.Name && e.Reason == reason)?.Message;
        }, Wait, $"{reason} event");

    private async Task<string> ExecAsync(V1Pod pod, string container, string script)
    {
        var result = await ExecRawAsync(pod, container, script);
        return result.Stdout.ToStringUtf8();
    }

    private async Task<ExecSyncResponse> ExecRawAsync(V1Pod pod, string container, string script)
    {
        var current = await _f.ReadAsync(pod);
        var id = current.Status.ContainerStatuses.Single(c => c.Name == container).ContainerID["containerd://".Length..];
        return await _f.Agent.Cri.Runtime.ExecSyncAsync(new ExecSyncRequest { ContainerId = id, Cmd = { "sh", "-c", script }, Timeout = 10 });
    }

    private static V1Container WithMounts(V1Container container, params (string Volume, string Path)[] mounts)
    {
        container.VolumeMounts = [.. mounts.Select(m => new V1VolumeMount { Name = m.Volume, MountPath = m.Path })];
        return container;
    }
}
