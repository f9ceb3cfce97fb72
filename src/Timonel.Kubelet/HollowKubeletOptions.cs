using System.Net;
using Timonel.Kubelet.Cri;
using Timonel.Kubelet.Pods;

namespace Timonel.Kubelet;

/// <summary>How a hollow kubelet runs; the node simulator keeps the runtime across kubelet restarts.</summary>
public sealed record HollowKubeletOptions
{
    public required string NodeName { get; init; }

    public required IPAddress NodeIp { get; init; }

    /// <summary>
    /// Where the pods' volume and log directories go (removed on dispose). Null keeps no files at
    /// all: no log directories, every volume counts as set up without content (no container reads
    /// it), httpGet/tcpSocket/grpc checks succeed without dialling the fake pod addresses, and
    /// containers get no Service variables (no Service list per container start).
    /// </summary>
    public string? DataDir { get; init; }

    /// <summary>The runtime the node's pods "run" in; a new one when null.</summary>
    public InMemoryContainerRuntime? Runtime { get; init; }

    /// <summary>The node's pods; the kubelet's own watch (fieldSelector spec.nodeName) when null.</summary>
    public IPodSource? Pods { get; init; }

    /// <summary>How often each pod worker relists its containers (the kubelet's PLEG relist).</summary>
    public TimeSpan RelistInterval { get; init; } = TimeSpan.FromSeconds(1);
}
