using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Timonel.Client.Controllers;
using Timonel.Client.Informers;
using Timonel.Client.WorkQueues;
using Timonel.Controllers.Endpoints;

namespace Timonel.Controllers.EndpointSlice;

/// <summary>
/// Upstream's endpointslice controller: for every Service with a selector, EndpointSlices
/// (labelled with the service name and this controller as manager, owned by the service) list
/// the selected pods with ready/serving/terminating conditions; pods resolving the same ports
/// share slices of at most <see cref="MaxEndpointsPerSlice"/> endpoints.
/// </summary>
public sealed class EndpointSliceController : Controller, IController
{
    public const string ServiceNameLabel = "kubernetes.io/service-name";
    public const string ManagedByLabel = "endpointslice.kubernetes.io/managed-by";
    public const string ManagedBy = "endpointslice-controller.k8s.io";

    /// <summary>Upstream's --max-endpoints-per-slice default.</summary>
    public const int MaxEndpointsPerSlice = 100;

    private const string ServiceSliceIndex = "service";

    private readonly ControllerContext _context;
    private readonly SharedInformer<V1Service> _services;
    private readonly SharedInformer<V1Pod> _pods;
    private readonly SharedInformer<V1EndpointSlice> _slices;

    // Slices created but not yet seen in the cache, by service key: a sync in between would create them twice.
    private readonly UnseenSlices _unseen;

    public EndpointSliceController(ControllerContext context)
        : base("endpointslice-controller", context.Loggers.CreateLogger("endpointslice-controller"), context.Time)
    {
        _context = context;
        _services = context.Informers.Get(ResourceKinds.Services);
        _pods = context.Informers.Get(ResourceKinds.Pods);
        _slices = context.Informers.Get(ResourceKinds.EndpointSlices);
        _unseen = new UnseenSlices(_slices);
        _slices.AddIndexer(ServiceSliceIndex, s => ServiceKeyOf(s) is { } key ? [key] : []);
        _services.AddEventHandler(onAdd: Enqueue, onUpdate: (_, s) => Enqueue(s), onDelete: Enqueue);
        _slices.AddEventHandler(
            onAdd: Seen,
            onUpdate: (_, s) => EnqueueOwner(s),
            onDelete: s =>
            {
                Seen(s);
                EnqueueOwner(s);
            });
        ServicePods.SubscribePods(_pods, _services, Enqueue);
    }

    string IController.Name => "endpointslice";

    public Task RunAsync(CancellationToken cancellationToken) => RunAsync(_context.Options.Workers, [_services, _pods, _slices], cancellationToken);

    private static string? ServiceKeyOf(V1EndpointSlice slice) =>
        slice.Metadata.Labels is { } labels && labels.TryGetValue(ManagedByLabel, out var manager) && manager == ManagedBy && labels.TryGetValue(ServiceNameLabel, out var service)
            ? ObjectKeys.KeyOf(slice.Metadata.NamespaceProperty, service)
            : null;

    private void EnqueueOwner(V1EndpointSlice slice)
    {
        if (ServiceKeyOf(slice) is { } key)
        {
            Enqueue(key);
        }
    }

    private void Seen(V1EndpointSlice slice)
    {
        if (ServiceKeyOf(slice) is { } key)
        {
            _unseen.Seen(key, slice.Metadata.Name);
        }
    }


    protected override async Task SyncAsync(string key, CancellationToken cancellationToken)
    {
        if (_unseen.Waiting(key))
        {
            EnqueueAfter(key, TimeSpan.FromMilliseconds(200));
            return;
        }

        var (ns, _) = ObjectKeys.Split(key);
        var service = _services.Cache.Get(key);
        var existing = _slices.Cache.ByIndex(ServiceSliceIndex, key).OrderBy(s => s.Metadata.Name, StringComparer.Ordinal).ToList();
        if (service is null || !ServicePods.HasSelector(service))
        {
            // Owned slices of a deleted service are the garbage collector's; a service that lost its selector keeps none.
            if (service is not null)
            {
                foreach (var slice in existing)
                {
                    await DeleteAsync(slice, cancellationToken).ConfigureAwait(false);
                }
            }

            return;
        }

        var desired = DesiredSlices(service);
        var unused = new List<V1EndpointSlice>(existing);
        foreach (var slice in desired)
        {
            // Reuse a slice with the same ports (first the one already holding the same endpoints),
            // else rewrite one whose ports changed, rather than creating a second slice beside it.
            var reuse = unused.FirstOrDefault(s => SameJson(s.Ports, slice.Ports) && SameJson(s.Endpoints, slice.Endpoints))
                ?? unused.FirstOrDefault(s => SameJson(s.Ports, slice.Ports) && s.AddressType == slice.AddressType)
                ?? unused.FirstOrDefault(s => s.AddressType == slice.AddressType);
            if (reuse is null)
            {
                try
                {
                    var created = await _context.Client.DiscoveryV1.CreateNamespacedEndpointSliceAsync(slice, ns, cancellationToken: cancellationToken).ConfigureAwait(false);
                    _unseen.Created(key, created);
                }
                catch (HttpOperationException e) when (ApiErrors.IsNamespaceTerminating(e))
                {
                    return;
                }

                continue;
            }

            unused.Remove(reuse);
            if (SameJson(reuse.Endpoints, slice.Endpoints) && SameJson(reuse.Ports, slice.Ports) && SameLabels(reuse.Metadata.Labels, slice.Metadata.Labels) && reuse.AddressType == slice.AddressType)
            {
                continue;
            }

            var updated = KubernetesJson.Deserialize<V1EndpointSlice>(KubernetesJson.Serialize(reuse));
            updated.Endpoints = slice.Endpoints;
            updated.Ports = slice.Ports;
            updated.Metadata.Labels = slice.Metadata.Labels;
            await _context.Client.DiscoveryV1.ReplaceNamespacedEndpointSliceAsync(updated, updated.Metadata.Name, ns, cancellationToken: cancellationToken).ConfigureAwait(false);
        }

        foreach (var slice in unused)
        {
            await DeleteAsync(slice, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The slices the service should have: endpoints grouped by resolved ports and address family, chunked.</summary>
    private List<V1EndpointSlice> DesiredSlices(V1Service service)
    {
        var publishNotReady = service.Spec.PublishNotReadyAddresses == true;
        var groups = new SortedDictionary<string, (string AddressType, List<Discoveryv1EndpointPort> Ports, List<V1Endpoint> Endpoints)>(StringComparer.Ordinal);
        foreach (var pod in ServicePods.For(service, _pods.Cache))
        {
            // Terminating pods stay listed, marked terminating, so proxies can drain them.
            if (!ServicePods.ShouldBeInEndpoints(pod, includeTerminating: true))
            {
                continue;
            }

            var ports = new List<Discoveryv1EndpointPort>();
            foreach (var servicePort in service.Spec.Ports ?? [])
            {
                if (ServicePods.FindPort(pod, servicePort) is { } number)
                {
                    ports.Add(new Discoveryv1EndpointPort { Name = servicePort.Name ?? "", Port = number, Protocol = servicePort.Protocol ?? "TCP", AppProtocol = servicePort.AppProtocol });
                }
            }

            ports = [.. ports.OrderBy(p => p.Name, StringComparer.Ordinal)];
            var addressType = pod.Status.PodIP.Contains(':', StringComparison.Ordinal) ? "IPv6" : "IPv4";
            var terminating = ServicePods.IsTerminating(pod);
            var serving = publishNotReady || PodConditions.IsPodReady(pod);
            var endpoint = new V1Endpoint
            {
                Addresses = [pod.Status.PodIP],
                Conditions = new V1EndpointConditions { Ready = serving && !terminating, Serving = serving, Terminating = terminating },
                Hostname = ServicePods.Hostname(pod, service),
                NodeName = string.IsNullOrEmpty(pod.Spec?.NodeName) ? null : pod.Spec.NodeName,
                TargetRef = ServicePods.TargetRef(pod),
            };
            var groupKey = addressType + "|" + string.Join(";", ports.Select(p => $"{p.Name}/{p.Port}/{p.Protocol}/{p.AppProtocol}"));
            if (!groups.TryGetValue(groupKey, out var group))
            {
                group = (addressType, ports, []);
                groups.Add(groupKey, group);
            }

            group.Endpoints.Add(endpoint);
        }

        var slices = new List<V1EndpointSlice>();
        foreach (var (addressType, ports, endpoints) in groups.Values)
        {
            foreach (var chunk in endpoints.Chunk(MaxEndpointsPerSlice))
            {
                slices.Add(NewSlice(service, addressType, ports, [.. chunk]));
            }
        }

        if (slices.Count == 0)
        {
            // Upstream keeps one empty placeholder slice per service, with the service's ports unresolved.
            slices.Add(NewSlice(service, "IPv4", [], []));
        }

        return slices;
    }

    private static V1EndpointSlice NewSlice(V1Service service, string addressType, List<Discoveryv1EndpointPort> ports, List<V1Endpoint> endpoints)
    {
        var labels = new Dictionary<string, string>(service.Metadata.Labels ?? new Dictionary<string, string>())
        {
            [ServiceNameLabel] = service.Metadata.Name,
            [ManagedByLabel] = ManagedBy,
        };
        if (service.Spec.ClusterIP == "None")
        {
            labels[EndpointsController.HeadlessLabel] = "";
        }

        return new V1EndpointSlice
        {
            ApiVersion = "discovery.k8s.io/v1",
            Kind = "EndpointSlice",
            Metadata = new V1ObjectMeta
            {
                GenerateName = service.Metadata.Name + "-",
                NamespaceProperty = service.Metadata.NamespaceProperty,
                Labels = labels,
                OwnerReferences =
                [
                    new V1OwnerReference { ApiVersion = "v1", Kind = "Service", Name = service.Metadata.Name, Uid = service.Metadata.Uid, Controller = true, BlockOwnerDeletion = true },
                ],
            },
            AddressType = addressType,
            Endpoints = endpoints,
            Ports = ports,
        };
    }

    private async Task DeleteAsync(V1EndpointSlice slice, CancellationToken cancellationToken)
    {
        try
        {
            await _context.Client.DiscoveryV1.DeleteNamespacedEndpointSliceAsync(slice.Metadata.Name, slice.Metadata.NamespaceProperty, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (HttpOperationException e) when (ApiErrors.IsNotFound(e))
        {
        }
    }

    private static bool SameJson<T>(IList<T>? a, IList<T>? b) =>
        KubernetesJson.Serialize(a ?? []) == KubernetesJson.Serialize(b ?? []);

    private static bool SameLabels(IDictionary<string, string>? a, IDictionary<string, string> b) =>
        (a?.Count ?? 0) == b.Count && b.All(kv => a!.TryGetValue(kv.Key, out var v) && v == kv.Value);
}
