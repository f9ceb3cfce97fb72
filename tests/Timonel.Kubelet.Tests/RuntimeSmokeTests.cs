using Microsoft.Extensions.Logging.Abstractions;
using Timonel.Kubelet.Cri;
using Timonel.Kubelet.Cri.V1;
using Timonel.Kubelet.Images;
using Timonel.Kubelet.Network;
using Timonel.Kubelet.Runtime;
using Timonel.Kubelet.Tests.Infrastructure;

namespace Timonel.Kubelet.Tests;

public sealed class RuntimeSmokeTests
{
    [RootFact]
    public async Task Containerd_InNetns_RunsSandboxAndContainer()
    {
        using var netns = NetworkNamespace.Create("tk-smoke");
        var dir = Directory.CreateTempSubdirectory("timonel-agent-").FullName;
        var paths = new ContainerdPaths(Path.Combine(dir, "agent"));
        var cgroups = CgroupLayout.Detect();
        var config = ContainerdConfig.Render(paths, cgroups, PauseImage.Reference, "/usr/lib/cni");
        CniConfig.Write(paths.CniConfDir, "10.42.7.0/24", "tmnl0", paths.CniDataDir);
        var supervisor = new ContainerdSupervisor(paths, config, netns.Path, NullLogger.Instance);
        // An own cgroup parent, removed below: without one runc uses /k8s.io, which containerd never removes.
        var cgroupParent = $"/timonel-smoke-{Environment.ProcessId}";
        try
        {
            await supervisor.StartAsync(CancellationToken.None);
            var importer = new ImageImporter(paths.Socket, Path.Combine(paths.AgentDir, "imported.json"), NullLogger.Instance);
            await importer.ImportAsync(await PauseImage.EnsureArchiveAsync(Path.Combine(dir, "pause"), CancellationToken.None), CancellationToken.None);
            var busybox = ImageBuilder.Busybox("busybox:smoke");
            busybox.WriteDockerArchive(Path.Combine(dir, "busybox.tar"));
            await importer.ImportAsync(Path.Combine(dir, "busybox.tar"), CancellationToken.None);

            using var cri = new CriClient(paths.Socket);
            var image = await cri.Images.ImageStatusAsync(new ImageStatusRequest { Image = new ImageSpec { Image = busybox.Reference } });
            Assert.NotNull(image.Image);
            var sandboxConfig = new PodSandboxConfig
            {
                Metadata = new PodSandboxMetadata { Name = "smoke", Namespace = "default", Uid = Guid.NewGuid().ToString(), Attempt = 0 },
                Hostname = "smoke",
                LogDirectory = Path.Combine(paths.PodLogs, "smoke"),
                Linux = new LinuxPodSandboxConfig { CgroupParent = cgroupParent },
            };
            var sandbox = await cri.Runtime.RunPodSandboxAsync(new RunPodSandboxRequest { Config = sandboxConfig });
            var status = await cri.Runtime.PodSandboxStatusAsync(new PodSandboxStatusRequest { PodSandboxId = sandbox.PodSandboxId });
            Assert.StartsWith("10.42.7.", status.Status.Network.Ip, StringComparison.Ordinal);
            var container = await cri.Runtime.CreateContainerAsync(new CreateContainerRequest
            {
                PodSandboxId = sandbox.PodSandboxId,
                SandboxConfig = sandboxConfig,
                Config = new ContainerConfig
                {
                    Metadata = new ContainerMetadata { Name = "c" },
                    Image = new ImageSpec { Image = busybox.Reference },
                    Command = { "sh", "-c", "echo hello; sleep 100" },
                    LogPath = "c.log",
                    Linux = new LinuxContainerConfig(),
                },
            });
            await cri.Runtime.StartContainerAsync(new StartContainerRequest { ContainerId = container.ContainerId });
            var exec = await cri.Runtime.ExecSyncAsync(new ExecSyncRequest { ContainerId = container.ContainerId, Cmd = { "echo", "hi" }, Timeout = 5 });
            Assert.Equal("hi\n", exec.Stdout.ToStringUtf8());
            await cri.Runtime.RemovePodSandboxAsync(new RemovePodSandboxRequest { PodSandboxId = sandbox.PodSandboxId });
        }
        finally
        {
            await supervisor.DisposeAsync();
            Directory.Delete(dir, recursive: true);
            foreach (var cgroup in cgroups.PodDirectories(cgroupParent).Where(Directory.Exists))
            {
                Directory.Delete(cgroup);
            }
        }
    }
}
