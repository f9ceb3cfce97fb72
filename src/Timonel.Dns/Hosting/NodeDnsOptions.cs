using System.Net;
using Timonel.Dns.Server;

namespace Timonel.Dns.Hosting;

/// <summary>Settings of the DNS server a node agent runs.</summary>
public sealed record NodeDnsOptions
{
    /// <summary>The node's name: the EndpointSlice is kube-dns-NODE.</summary>
    public required string NodeName { get; init; }

    /// <summary>The address to listen on: the node's IP (--node-ip), which the node's pods reach.</summary>
    public required IPAddress ListenAddress { get; init; }

    /// <summary>The port, UDP and TCP; 53 by default (0 picks a free one, for tests).</summary>
    public int Port { get; init; } = 53;

    public ClusterDnsOptions Cluster { get; init; } = new();

    /// <summary>Where the node's resolvers are read from when <see cref="Upstreams"/> is null.</summary>
    public string ResolvConfPath { get; init; } = "/etc/resolv.conf";

    /// <summary>Resolvers for names outside the cluster; null reads <see cref="ResolvConfPath"/>.</summary>
    public IReadOnlyList<IPEndPoint>? Upstreams { get; init; }

    /// <summary>Creates sockets in the node's network (a namespace in tests); null: the process's own.</summary>
    public SocketFactory? Sockets { get; init; }

    /// <summary>Publish the EndpointSlice kube-system/kube-dns-NODE so the kube-dns Service reaches this server.</summary>
    public bool PublishEndpointSlice { get; init; } = true;

    /// <summary>How often a failed bind is retried (the node's address may appear after the agent starts).</summary>
    public TimeSpan BindRetryInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How often the EndpointSlice is checked and restored if someone changed or deleted it.</summary>
    public TimeSpan EndpointSliceResync { get; init; } = TimeSpan.FromSeconds(60);
}
