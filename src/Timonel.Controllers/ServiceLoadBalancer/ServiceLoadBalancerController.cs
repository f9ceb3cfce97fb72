using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Timonel.Client.Controllers;
using Timonel.Client.Informers;
using Timonel.Client.WorkQueues;

namespace Timonel.Controllers.ServiceLoadBalancer;

/// <summary>
/// Upstream's service-lb-controller: gives every Service of type LoadBalancer a load balancer
/// from the cloud provider and publishes it in status.loadBalancer.ingress; a Service that
/// stops being a LoadBalancer loses it. Services with a spec.loadBalancerClass belong to
/// another implementation and are left alone.
/// </summary>
public sealed class ServiceLoadBalancerController : Controller, IController
{
    /// <summary>Nodes with this label never front load balancers (upstream's well-known label).</summary>
    public const string ExcludeLabel = "node.kubernetes.io/exclude-from-external-load-balancers";

    private const string Component = "service-lb-controller";
    private readonly ControllerContext _context;
    private readonly ICloudProvider _cloud;
    private readonly SharedInformer<V1Service> _services;
    private readonly SharedInformer<V1Node> _nodes;

    public ServiceLoadBalancerController(ControllerContext context, ICloudProvider cloud)
        : base(Component, context.Loggers.CreateLogger(Component), context.Time)
    {
        _context = context;
        _cloud = cloud;
        _services = context.Informers.Get(ResourceKinds.Services);
        _nodes = context.Informers.Get(ResourceKinds.Nodes);
        _services.AddEventHandler(onAdd: Enqueue, onUpdate: (_, s) => Enqueue(s));
        _nodes.AddEventHandler(onAdd: _ => EnqueueLoadBalancers(), onUpdate: (o, n) => OnNodeUpdate(o, n), onDelete: _ => EnqueueLoadBalancers());
    }

    string IController.Name => "service-lb-controller";

    public Task RunAsync(CancellationToken cancellationToken) => RunAsync(1, [_services, _nodes], cancellationToken);

    /// <summary>The nodes a load balancer sends traffic to: Ready and not excluded by label.</summary>
    public static bool IsEligible(V1Node node) =>
        node.Metadata?.Labels?.ContainsKey(ExcludeLabel) != true
        && node.Metadata?.DeletionTimestamp is null
        && node.Status?.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true;

    protected override async Task SyncAsync(string key, CancellationToken cancellationToken)
    {
        var service = _services.Cache.Get(key);
        if (service is null || _cloud.LoadBalancer is not { } balancer)
        {
            return;
        }

        var current = service.Status?.LoadBalancer?.Ingress ?? [];
        if (service.Spec?.Type != "LoadBalancer")
        {
            if (current.Count > 0)
            {
                await balancer.EnsureLoadBalancerDeletedAsync(service, cancellationToken).ConfigureAwait(false);
                await PatchIngressAsync(service, [], cancellationToken).ConfigureAwait(false);
                _context.Events.Normal(Component, service, "DeletedLoadBalancer", "Deleted load balancer");
            }

            return;
        }

        if (!string.IsNullOrEmpty(service.Spec.LoadBalancerClass))
        {
            return;
        }

        var nodes = _nodes.Cache.List().Where(IsEligible).OrderBy(n => n.Metadata.Name, StringComparer.Ordinal).ToList();
        var status = await balancer.EnsureLoadBalancerAsync(service, nodes, cancellationToken).ConfigureAwait(false);
        var wanted = status.Ingress ?? [];
        if (SameIngress(current, wanted))
        {
            return;
        }

        _context.Events.Normal(Component, service, "EnsuringLoadBalancer", "Ensuring load balancer");
        await PatchIngressAsync(service, wanted, cancellationToken).ConfigureAwait(false);
        _context.Events.Normal(Component, service, "EnsuredLoadBalancer", "Ensured load balancer");
    }

    private async Task PatchIngressAsync(V1Service service, IList<V1LoadBalancerIngress> ingress, CancellationToken cancellationToken)
    {
        var list = new JsonArray();
        foreach (var item in ingress)
        {
            list.Add(JsonNode.Parse(KubernetesJson.Serialize(item)));
        }

        var body = new JsonObject { ["status"] = new JsonObject { ["loadBalancer"] = new JsonObject { ["ingress"] = ingress.Count == 0 ? null : list } } };
        try
        {
            await _context.Client.CoreV1.PatchNamespacedServiceStatusAsync(
                new V1Patch(body.ToJsonString(), V1Patch.PatchType.MergePatch),
                service.Metadata.Name,
                service.Metadata.NamespaceProperty,
                cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (HttpOperationException e) when (ApiErrors.IsNotFound(e))
        {
            // Deleted meanwhile: nothing to publish.
        }
    }

    private static bool SameIngress(IList<V1LoadBalancerIngress> a, IList<V1LoadBalancerIngress> b) =>
        a.Count == b.Count && a.Zip(b).All(p => p.First.Ip == p.Second.Ip && p.First.Hostname == p.Second.Hostname && (p.First.IpMode ?? "VIP") == (p.Second.IpMode ?? "VIP"));

    private void OnNodeUpdate(V1Node old, V1Node now)
    {
        // Heartbeats change the node every few seconds; only eligibility and addresses matter here.
        var oldIps = string.Join(',', (old.Status?.Addresses ?? []).Select(a => $"{a.Type}={a.Address}"));
        var newIps = string.Join(',', (now.Status?.Addresses ?? []).Select(a => $"{a.Type}={a.Address}"));
        if (IsEligible(old) != IsEligible(now) || oldIps != newIps)
        {
            EnqueueLoadBalancers();
        }
    }

    private void EnqueueLoadBalancers()
    {
        foreach (var service in _services.Cache.List())
        {
            if (service.Spec?.Type == "LoadBalancer" || service.Status?.LoadBalancer?.Ingress?.Count > 0)
            {
                Enqueue(service);
            }
        }
    }
}
