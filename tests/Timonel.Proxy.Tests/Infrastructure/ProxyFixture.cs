using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Timonel.Proxy.Nft;
using Timonel.Testing;

namespace Timonel.Proxy.Tests.Infrastructure;

/// <summary>An in-process API server, a <see cref="ProxyTopology"/> and helpers that write Services and EndpointSlices.</summary>
public class ProxyFixture : IAsyncLifetime
{
    public const string NodeName = "node-a";

    private readonly SemaphoreSlim _lock = new(1, 1);
    private ServiceProxy? _proxy;

    internal ProxyTopology Topology { get; private set; } = null!;

    public TestCluster Cluster { get; private set; } = null!;

    public string Namespace { get; private set; } = "";

    protected virtual int EndpointCount => 3;

    public ProxyOptions Options => new() { NodeName = NodeName, NetworkNamespace = Topology.Node.Path, MinSyncPeriod = TimeSpan.FromMilliseconds(100) };

    public async Task InitializeAsync()
    {
        Cluster = await TestCluster.StartAsync();
        Namespace = await Cluster.CreateNamespaceAsync("px");
        Topology = ProxyTopology.Create(EndpointCount);
    }

    public async Task DisposeAsync()
    {
        if (_proxy is not null)
        {
            await _proxy.DisposeAsync();
            await ServiceProxy.CleanupAsync(Options, CancellationToken.None);
        }

        _lock.Dispose();
        Topology?.Dispose();
        if (Cluster is not null)
        {
            await Cluster.DisposeAsync();
        }

    }

    /// <summary>The class's shared proxy, started on first use; stopped (and its table deleted) with the fixture.</summary>
    public async Task<ServiceProxy> ProxyAsync()
    {
        await _lock.WaitAsync();
        try
        {
            _proxy ??= await StartProxyAsync();
            await _proxy.WaitForFirstSyncAsync(CancellationToken.None);
            return _proxy;
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>A new proxy the caller disposes.</summary>
    public Task<ServiceProxy> StartProxyAsync() =>
        ServiceProxy.StartAsync(Options, Cluster.NewClient(), NullLoggerFactory.Instance, CancellationToken.None);

    /// <summary>A Service with ports http 80 → 8080 and stream 9000 → 9000; <paramref name="configure"/> edits the spec first.</summary>
    public async Task<V1Service> CreateServiceAsync(string name, Action<V1ServiceSpec>? configure = null)
    {
        var spec = new V1ServiceSpec
        {
            Type = "ClusterIP",
            Ports =
            [
                new V1ServicePort { Name = "http", Port = 80, TargetPort = 8080, Protocol = "TCP" },
                new V1ServicePort { Name = "stream", Port = 9000, TargetPort = 9000, Protocol = "TCP" },
            ],
        };
        configure?.Invoke(spec);
        var service = new V1Service { Metadata = new V1ObjectMeta { Name = name }, Spec = spec };
        return await Cluster.Client.CoreV1.CreateNamespacedServiceAsync(service, Namespace);
    }

    /// <summary>Creates or replaces the Service's one EndpointSlice with these endpoints (all on this node).</summary>
    public async Task WriteSliceAsync(string service, params (string Ip, bool Ready)[] endpoints)
    {
        var slice = new V1EndpointSlice
        {
            Metadata = new V1ObjectMeta
            {
                Name = $"{service}-slice",
                Labels = new Dictionary<string, string> { ["kubernetes.io/service-name"] = service },
            },
            AddressType = "IPv4",
            Ports =
            [
                new Discoveryv1EndpointPort { Name = "http", Port = 8080, Protocol = "TCP" },
                new Discoveryv1EndpointPort { Name = "stream", Port = 9000, Protocol = "TCP" },
            ],
            Endpoints = [.. endpoints.Select(e => new V1Endpoint { Addresses = [e.Ip], NodeName = NodeName, Conditions = new V1EndpointConditions { Ready = e.Ready } })],
        };
        try
        {
            var existing = await Cluster.Client.DiscoveryV1.ReadNamespacedEndpointSliceAsync(slice.Metadata.Name, Namespace);
            slice.Metadata.ResourceVersion = existing.Metadata.ResourceVersion;
            await Cluster.Client.DiscoveryV1.ReplaceNamespacedEndpointSliceAsync(slice, slice.Metadata.Name, Namespace);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            await Cluster.Client.DiscoveryV1.CreateNamespacedEndpointSliceAsync(slice, Namespace);
        }
    }

    /// <summary>Waits until the proxy has applied a ruleset for which <paramref name="condition"/> holds.</summary>
    public static Task WaitForRulesAsync(ServiceProxy proxy, Func<DesiredRuleset, bool> condition) =>
        Eventually.WaitAsync(_ => Task.FromResult(proxy.Applied is { } applied && condition(applied)), TimeSpan.FromSeconds(30), "the proxy to apply the expected rules");

    public static bool HasEndpoint(DesiredRuleset ruleset, string ip) =>
        ruleset.Chains.Keys.Any(k => k.StartsWith("endpoint-", StringComparison.Ordinal) && k.Contains($"__{ip}/", StringComparison.Ordinal));
}
