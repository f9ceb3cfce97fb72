using System.Net;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Timonel.Kubelet.Images;
using Timonel.Kubelet.Network;
using Timonel.Testing;

namespace Timonel.Kubelet.Tests.Infrastructure;

/// <summary>
/// An in-process API server plus one node agent whose containerd (and so every pod network)
/// lives in a network namespace this fixture creates. Torn down completely: pods, containerd,
/// netns, data dir.
/// </summary>
public sealed class AgentFixture : IAsyncLifetime
{
    public const string BusyboxImage = "docker.io/library/busybox:timonel-test";

    private readonly bool _enabled = OperatingSystem.IsLinux() && Environment.UserName == "root" && Runtime.MachineRequirements.Missing("/usr/lib/cni").Count == 0;
    private string _dataDir = string.Empty;

    public TestCluster Cluster { get; private set; } = null!;

    public NetworkNamespace Netns { get; private set; } = null!;

    public KubeletAgent Agent { get; private set; } = null!;

    public KubeletOptions Options { get; private set; } = null!;

    /// <summary>The node's DNS server, run beside the kubelet as a node agent runs it (it survives <see cref="RestartAgentAsync"/>).</summary>
    public Timonel.Dns.Hosting.NodeDnsService? Dns { get; private set; }

    public NodeNetwork Network => new(Netns.Path);

    public IKubernetes Client => Cluster.Client;

    public async Task InitializeAsync()
    {
        if (!_enabled)
        {
            return;
        }

        Cluster = await TestCluster.StartAsync();
        Cluster.SeedsServiceAccounts = true;
        Netns = NetworkNamespace.Create("tk-agent");
        _dataDir = Directory.CreateTempSubdirectory("timonel-kubelet-").FullName;
        Options = new KubeletOptions
        {
            DataDir = _dataDir,
            NodeName = "node-a",
            NodeIp = IPAddress.Parse("10.77.0.1"),
            NetworkNamespace = Netns.Path,
            BridgeName = "tmnl0",
            LeaseRenewInterval = TimeSpan.FromSeconds(2),
            PodCidrWait = TimeSpan.Zero,
        };
        var images = Path.Combine(Options.AgentDir, "images");
        Directory.CreateDirectory(images);
        ImageBuilder.Busybox(BusyboxImage).WriteDockerArchive(Path.Combine(images, "busybox.tar"));
        Agent = await StartAgentAsync();
        Dns = KubeletDns.Start(Options, Cluster.NewClient(), NullLoggerFactory.Instance);
    }

    public Task<KubeletAgent> StartAgentAsync() =>
        KubeletAgent.StartAsync(Options, Cluster.NewClient(), NullLoggerFactory.Instance, CancellationToken.None);

    /// <summary>Stops the agent and starts a new one over the same data dir (containers keep running).</summary>
    public async Task RestartAgentAsync()
    {
        await Agent.DisposeAsync();
        Agent = await StartAgentAsync();
    }

    public async Task DisposeAsync()
    {
        if (!_enabled)
        {
            return;
        }

        try
        {
            // Remove every pod's runtime objects before containerd stops, so no shim outlives the test.
            var pods = await Client.CoreV1.ListPodForAllNamespacesAsync();
            foreach (var pod in pods.Items)
            {
                await Client.CoreV1.DeleteNamespacedPodAsync(pod.Metadata.Name, pod.Metadata.NamespaceProperty, new V1DeleteOptions { GracePeriodSeconds = 0 });
            }

            await Eventually.WaitAsync(async _ => (await Agent.Cri.Runtime.ListPodSandboxAsync(new Cri.V1.ListPodSandboxRequest())).Items.Count == 0, TimeSpan.FromSeconds(60), "all sandboxes removed");
        }
        finally
        {
            // Whatever failed above, containerd, the netns and the data dir must not outlive the class.
            if (Dns is not null)
            {
                await Dns.DisposeAsync();
            }

            await Agent.DisposeAsync();
            await Cluster.DisposeAsync();
            Netns.Dispose();
            foreach (var hierarchy in Directory.Exists("/sys/fs/cgroup") ? Directory.GetDirectories("/sys/fs/cgroup") : [])
            {
                RemoveCgroupTree(Path.Combine(hierarchy, "kubepods"));
            }

            Directory.Delete(_dataDir, recursive: true);
        }
    }

    /// <summary>Creates a pod bound to the fixture's node in a fresh namespace.</summary>
    public async Task<V1Pod> CreatePodAsync(V1Pod pod)
    {
        var ns = await Cluster.CreateNamespaceAsync("kubelet");
        pod.Metadata.NamespaceProperty = ns;
        pod.Spec.NodeName = Options.NodeName;
        return await Client.CoreV1.CreateNamespacedPodAsync(pod, ns);
    }

    public Task<V1Pod> ReadAsync(V1Pod pod) =>
        Client.CoreV1.ReadNamespacedPodAsync(pod.Metadata.Name, pod.Metadata.NamespaceProperty);

    public async Task<V1Pod> WaitForPodAsync(V1Pod pod, Func<V1Pod, bool> condition, string what, TimeSpan? timeout = null)
    {
        var current = pod;
        await Eventually.WaitAsync(async ct =>
        {
            current = await Client.CoreV1.ReadNamespacedPodAsync(pod.Metadata.Name, pod.Metadata.NamespaceProperty, cancellationToken: ct);
            return condition(current);
        }, timeout ?? TimeSpan.FromSeconds(30), what);
        return current;
    }

    private static void RemoveCgroupTree(string dir)
    {
        if (!Directory.Exists(dir))
        {
            return;
        }

        foreach (var child in Directory.GetDirectories(dir))
        {
            RemoveCgroupTree(child);
        }

        try
        {
            Directory.Delete(dir);
        }
        catch (IOException)
        {
        }
    }
}
