using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Timonel.Client.Controllers;
using Timonel.Client.Informers;
using Timonel.Client.WorkQueues;

namespace Timonel.Controllers.Endpoints;

/// <summary>
/// Upstream's endpoints controller: for every Service with a selector, an Endpoints object of the
/// same name listing the selected pods' addresses (ready ones, else notReadyAddresses unless the
/// service publishes not-ready addresses) with the ports each pod resolves, grouped into subsets.
/// </summary>
public sealed class EndpointsController : Controller, IController
{
    /// <summary>Upstream's cap on addresses in one Endpoints object; beyond it the object is truncated and annotated.</summary>
    public const int MaxAddresses = 1000;

    public const string OverCapacityAnnotation = "endpoints.kubernetes.io/over-capacity";
    public const string HeadlessLabel = "service.kubernetes.io/headless";

    private readonly ControllerContext _context;
    private readonly SharedInformer<V1Service> _services;
    private readonly SharedInformer<V1Pod> _pods;
    private readonly SharedInformer<V1Endpoints> _endpoints;

    public EndpointsController(ControllerContext context)
        : base("endpoint-controller", context.Loggers.CreateLogger("endpoint-controller"), context.Time)
    {
        _context = context;
        _services = context.Informers.Get(ResourceKinds.Services);
        _pods = context.Informers.Get(ResourceKinds.Pods);
        _endpoints = context.Informers.Get(ResourceKinds.Endpoints);
        _services.AddEventHandler(onAdd: Enqueue, onUpdate: (_, s) => Enqueue(s), onDelete: Enqueue);
        _endpoints.AddEventHandler(onDelete: Enqueue);
        ServicePods.SubscribePods(_pods, _services, Enqueue);
    }

    string IController.Name => "endpoint";

    public Task RunAsync(CancellationToken cancellationToken) => RunAsync(_context.Options.Workers, [_services, _pods, _endpoints], cancellationToken);

    protected override async Task SyncAsync(string key, CancellationToken cancellationToken)
    {
        var (ns, name) = ObjectKeys.Split(key);
        var service = _services.Cache.Get(key);
        if (service is null)
        {
            // The service is gone: so are its endpoints.
            if (_endpoints.Cache.Get(key) is not null)
            {
                await IgnoreNotFoundAsync(() => _context.Client.CoreV1.DeleteNamespacedEndpointsAsync(name, ns, cancellationToken: cancellationToken)).ConfigureAwait(false);
            }

            return;
        }

        if (!ServicePods.HasSelector(service))
        {
            return;
        }

        var (subsets, truncated) = Subsets(service);
        var labels = Labels(service);
        var existing = _endpoints.Cache.Get(key);
        if (existing is null)
        {
            var created = new V1Endpoints
            {
                Metadata = new V1ObjectMeta { Name = name, Labels = labels, Annotations = truncated ? new Dictionary<string, string> { [OverCapacityAnnotation] = "truncated" } : null },
                Subsets = subsets,
            };
            try
            {
                await _context.Client.CoreV1.CreateNamespacedEndpointsAsync(created, ns, cancellationToken: cancellationToken).ConfigureAwait(false);
            }
            catch (HttpOperationException e) when (ApiErrors.IsAlreadyExists(e))
            {
                // The cache lags behind a create: look again once it has caught up.
                Queue.AddRateLimited(key);
            }
            catch (HttpOperationException e) when (ApiErrors.IsNamespaceTerminating(e))
            {
            }

            return;
        }

        var overCapacity = existing.Metadata.Annotations?.ContainsKey(OverCapacityAnnotation) == true;
        if (SameSubsets(existing.Subsets, subsets) && SameLabels(existing.Metadata.Labels, labels) && overCapacity == truncated)
        {
            return;
        }

        var updated = KubernetesJson.Deserialize<V1Endpoints>(KubernetesJson.Serialize(existing));
        updated.Subsets = subsets;
        updated.Metadata.Labels = labels;
        if (truncated)
        {
            updated.Metadata.Annotations ??= new Dictionary<string, string>();
            updated.Metadata.Annotations[OverCapacityAnnotation] = "truncated";
        }
        else
        {
            updated.Metadata.Annotations?.Remove(OverCapacityAnnotation);
        }

        await _context.Client.CoreV1.ReplaceNamespacedEndpointsAsync(updated, name, ns, cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The subsets for the service's selected pods: pods resolving the same ports share a subset; addresses sorted by IP.</summary>
    private (List<V1EndpointSubset> Subsets, bool Truncated) Subsets(V1Service service)
    {
        var publishNotReady = service.Spec.PublishNotReadyAddresses == true;
        var headless = service.Spec.ClusterIP == "None";
        var groups = new SortedDictionary<string, (List<Corev1EndpointPort> Ports, List<V1EndpointAddress> Ready, List<V1EndpointAddress> NotReady)>(StringComparer.Ordinal);
        var total = 0;
        foreach (var pod in ServicePods.For(service, _pods.Cache))
        {
            if (!ServicePods.ShouldBeInEndpoints(pod, includeTerminating: publishNotReady))
            {
                continue;
            }

            var address = new V1EndpointAddress
            {
                Ip = pod.Status.PodIP,
                Hostname = ServicePods.Hostname(pod, service),
                NodeName = string.IsNullOrEmpty(pod.Spec?.NodeName) ? null : pod.Spec.NodeName,
                TargetRef = ServicePods.TargetRef(pod),
            };
            var ports = new List<Corev1EndpointPort>();
            foreach (var servicePort in service.Spec.Ports ?? [])
            {
                if (ServicePods.FindPort(pod, servicePort) is { } number)
                {
                    ports.Add(new Corev1EndpointPort { Name = servicePort.Name, Port = number, Protocol = servicePort.Protocol ?? "TCP", AppProtocol = servicePort.AppProtocol });
                }
            }

            // A pod that resolves none of the ports serves nothing, except behind a headless service without ports.
            if (ports.Count == 0 && !(headless && (service.Spec.Ports?.Count ?? 0) == 0))
            {
                continue;
            }

            var portKey = string.Join(";", ports.OrderBy(p => p.Name, StringComparer.Ordinal).Select(p => $"{p.Name}/{p.Port}/{p.Protocol}/{p.AppProtocol}"));
            if (!groups.TryGetValue(portKey, out var group))
            {
                group = ([.. ports.OrderBy(p => p.Name, StringComparer.Ordinal)], [], []);
                groups.Add(portKey, group);
            }

            (publishNotReady || PodConditions.IsPodReady(pod) ? group.Ready : group.NotReady).Add(address);
            total++;
        }

        var truncated = total > MaxAddresses;
        var budget = MaxAddresses;
        var subsets = new List<V1EndpointSubset>();
        foreach (var (ports, ready, notReady) in groups.Values)
        {
            // Over capacity, upstream keeps ready addresses first.
            var keptReady = ready.OrderBy(a => a.Ip, StringComparer.Ordinal).Take(budget).ToList();
            budget -= keptReady.Count;
            var keptNotReady = notReady.OrderBy(a => a.Ip, StringComparer.Ordinal).Take(budget).ToList();
            budget -= keptNotReady.Count;
            if (keptReady.Count + keptNotReady.Count == 0)
            {
                continue;
            }

            subsets.Add(new V1EndpointSubset
            {
                Addresses = keptReady.Count == 0 ? null : keptReady,
                NotReadyAddresses = keptNotReady.Count == 0 ? null : keptNotReady,
                Ports = ports.Count == 0 ? null : ports,
            });
        }

        return (subsets, truncated);
    }

    private static Dictionary<string, string> Labels(V1Service service)
    {
        var labels = new Dictionary<string, string>(service.Metadata.Labels ?? new Dictionary<string, string>());
        if (service.Spec.ClusterIP == "None")
        {
            labels[HeadlessLabel] = "";
        }
        else
        {
            labels.Remove(HeadlessLabel);
        }

        return labels;
    }

    private static bool SameSubsets(IList<V1EndpointSubset>? a, List<V1EndpointSubset> b) =>
        KubernetesJson.Serialize(a ?? []) == KubernetesJson.Serialize(b);

    private static bool SameLabels(IDictionary<string, string>? a, Dictionary<string, string> b) =>
        (a?.Count ?? 0) == b.Count && b.All(kv => a!.TryGetValue(kv.Key, out var v) && v == kv.Value);

    private static async Task IgnoreNotFoundAsync(Func<Task> call)
    {
        try
        {
            await call().ConfigureAwait(false);
        }
        catch (HttpOperationException e) when (ApiErrors.IsNotFound(e))
        {
        }
    }
}
