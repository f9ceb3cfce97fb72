using Timonel.Kubelet.Cri;
using Timonel.Kubelet.Cri.V1;
using Timonel.Kubelet.Pods;
using Timonel.Kubelet.Stats;

namespace Timonel.Kubelet.Tests.Stats;

/// <summary>Pods started straight in an <see cref="InMemoryContainerRuntime"/>, labelled as the kubelet labels them.</summary>
internal static class FakeRuntimePods
{
    /// <summary>Runs a sandbox and starts one container per name; returns the container ids in order.</summary>
    public static async Task<IReadOnlyList<string>> RunAsync(InMemoryContainerRuntime runtime, string ns, string pod, params string[] containers)
    {
        var sandbox = new PodSandboxConfig
        {
            Metadata = new PodSandboxMetadata { Name = pod, Namespace = ns, Uid = $"uid-{ns}-{pod}" },
            Labels = { [CriLabels.PodName] = pod, [CriLabels.PodNamespace] = ns, [CriLabels.PodUid] = $"uid-{ns}-{pod}" },
        };
        var sandboxId = await runtime.RunPodSandboxAsync(sandbox, CancellationToken.None);
        var ids = new List<string>();
        foreach (var name in containers)
        {
            var config = new ContainerConfig
            {
                Metadata = new ContainerMetadata { Name = name },
                Image = new ImageSpec { Image = "docker.io/library/busybox:test" },
                Labels = { [CriLabels.ContainerName] = name, [CriLabels.PodName] = pod, [CriLabels.PodNamespace] = ns },
            };
            var id = await runtime.CreateContainerAsync(sandboxId, config, sandbox, CancellationToken.None);
            await runtime.StartContainerAsync(id, CancellationToken.None);
            ids.Add(id);
        }

        return ids;
    }
}

/// <summary>A node whose usage the test sets.</summary>
internal sealed class FakeNodeUsage(TimeProvider time) : INodeUsageSource
{
    public static readonly DateTimeOffset Boot = new(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);

    public ulong CpuCoreNanoSeconds { get; set; } = 1_000_000_000;

    public ulong WorkingSetBytes { get; set; } = 512UL * 1024 * 1024;

    /// <summary>When set, reading the node fails with it.</summary>
    public Exception? Failure { get; set; }

    public NodeUsage Read()
    {
        if (Failure is not null)
        {
            throw Failure;
        }

        var now = time.GetUtcNow();
        return new NodeUsage(Boot, new CpuReading(now, CpuCoreNanoSeconds), new MemoryReading(now, WorkingSetBytes + 1000, WorkingSetBytes, WorkingSetBytes / 2, 1UL << 33));
    }
}
