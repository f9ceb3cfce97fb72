using Microsoft.Extensions.Logging.Abstractions;
using Timonel.Kubelet.Cri.V1;
using Timonel.Kubelet.Images;
using Timonel.Kubelet.Tests.Infrastructure;

namespace Timonel.Kubelet.Tests;

public sealed class RuntimeSmokeTests
{
    [RootFact]
    public async Task Containerd_InNetns_RunsSandboxAndContainer()
    {
        await using var containerd = await TestContainerd.StartAsync("tk-smoke", "10.42.7.0/24", "tmnl0");
        var paths = containerd.Paths;
        var importer = new ImageImporter(paths.Socket, Path.Combine(paths.AgentDir, "imported.json"), NullLogger.Instance);
        await importer.ImportAsync(await PauseImage.EnsureArchiveAsync(Path.Combine(containerd.Dir, "pause"), CancellationToken.None), CancellationToken.None);
        var busybox = ImageBuilder.Busybox("busybox:smoke");
        busybox.WriteDockerArchive(Path.Combine(containerd.Dir, "busybox.tar"));
        await importer.ImportAsync(Path.Combine(containerd.Dir, "busybox.tar"), CancellationToken.None);

        var cri = containerd.Cri;
        var image = await cri.Images.ImageStatusAsync(new ImageStatusRequest { Image = new ImageSpec { Image = busybox.Reference } });
        Assert.NotNull(image.Image);
        var sandboxConfig = containerd.SandboxConfig("smoke");
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
}
