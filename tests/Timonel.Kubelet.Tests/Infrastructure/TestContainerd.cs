using Microsoft.Extensions.Logging.Abstractions;
using Timonel.Kubelet.Cri;
using Timonel.Kubelet.Cri.V1;
using Timonel.Kubelet.Images;
using Timonel.Kubelet.Network;
using Timonel.Kubelet.Runtime;

namespace Timonel.Kubelet.Tests.Infrastructure;

/// <summary>
/// A containerd with the agent's config in a temporary data dir and its own network namespace,
/// for tests that drive CRI directly. Its pods go under their own cgroup parent. Disposing removes
/// every sandbox (their containers, mounts and pod network namespaces with them), stops
/// containerd, and deletes the directory, the namespace and the cgroups.
/// </summary>
internal sealed class TestContainerd : IAsyncDisposable
{
    private readonly NetworkNamespace _netns;
    private readonly ContainerdSupervisor _supervisor;
    private readonly CgroupLayout _cgroups;

    private TestContainerd(NetworkNamespace netns, string dir, ContainerdPaths paths, CgroupLayout cgroups, ContainerdSupervisor supervisor)
    {
        _netns = netns;
        Dir = dir;
        Paths = paths;
        _cgroups = cgroups;
        _supervisor = supervisor;
        Cri = new CriClient(paths.Socket);
    }

    public string Dir { get; }

    public ContainerdPaths Paths { get; }

    public CriClient Cri { get; }

    /// <summary>Without its own parent runc uses /k8s.io, which containerd never removes.</summary>
    public string CgroupParent { get; } = $"/timonel-test-{Environment.ProcessId}-{Random.Shared.Next(10000, 99999)}";

    /// <param name="name">Prefix of the network namespace and the temporary directory.</param>
    /// <param name="podCidr">The node's pod CIDR (the bridge's host-local range).</param>
    /// <param name="bridge">The pod bridge's name (at most 15 characters).</param>
    public static async Task<TestContainerd> StartAsync(string name, string podCidr, string bridge)
    {
        var netns = NetworkNamespace.Create(name);
        var dir = Directory.CreateTempSubdirectory($"timonel-{name}-").FullName;
        var paths = new ContainerdPaths(System.IO.Path.Combine(dir, "agent"));
        var cgroups = CgroupLayout.Detect();
        CniConfig.Write(paths.CniConfDir, podCidr, bridge, paths.CniDataDir);
        var supervisor = new ContainerdSupervisor(paths, ContainerdConfig.Render(paths, cgroups, PauseImage.Reference, "/usr/lib/cni"), netns.Path, NullLogger.Instance);
        var containerd = new TestContainerd(netns, dir, paths, cgroups, supervisor);
        try
        {
            await supervisor.StartAsync(CancellationToken.None);
            return containerd;
        }
        catch
        {
            await containerd.DisposeAsync();
            throw;
        }
    }

    /// <summary>A sandbox config with a fresh UID, its log directory under the pod logs and this containerd's cgroup parent.</summary>
    public PodSandboxConfig SandboxConfig(string name) => new()
    {
        Metadata = new PodSandboxMetadata { Name = name, Namespace = "default", Uid = Guid.NewGuid().ToString(), Attempt = 0 },
        Hostname = name,
        LogDirectory = System.IO.Path.Combine(Paths.PodLogs, name),
        Linux = new LinuxPodSandboxConfig { CgroupParent = CgroupParent },
    };

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (File.Exists(Paths.Socket))
            {
                foreach (var sandbox in await Cri.ListPodSandboxAsync(null, CancellationToken.None))
                {
                    await Cri.RemovePodSandboxAsync(sandbox.Id, CancellationToken.None);
                }
            }
        }
        finally
        {
            Cri.Dispose();
            await _supervisor.DisposeAsync();
            _netns.Dispose();
            Directory.Delete(Dir, recursive: true);
            foreach (var cgroup in _cgroups.PodDirectories(CgroupParent).Where(Directory.Exists))
            {
                Directory.Delete(cgroup);
            }
        }
    }
}
