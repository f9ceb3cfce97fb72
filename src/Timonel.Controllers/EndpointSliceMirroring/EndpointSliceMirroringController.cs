using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Timonel.Client.Controllers;
using Timonel.Client.Informers;
using Timonel.Client.WorkQueues;
using Timonel.Controllers.Endpoints;
using Timonel.Controllers.EndpointSlice;

namespace Timonel.Controllers.EndpointSliceMirroring;

/// <summary>
/// Upstream's endpointslice-mirroring controller: a Service without a selector gets its endpoints
/// from a hand-written Endpoints object of the same name; this controller mirrors that object into
/// EndpointSlices (owned by the Endpoints, labelled with the service name and this controller as
/// manager) so that slice consumers see them too. Services with a selector are the endpointslice
/// controller's; Endpoints labelled endpointslice.kubernetes.io/skip-mirror=true are not mirrored.
/// </summary>
public sealed partial class EndpointSliceMirroringController : Controller, IController
{
    public const string SkipMirrorLabel = "endpointslice.kubernetes.io/skip-mirror";

    private const string Component = "endpointslice-mirroring-controller";
    private const string LeaderAnnotation = "control-plane.alpha.kubernetes.io/leader";
    private const string EndpointsSliceIndex = "mirrored-endpoints";

    private readonly ControllerContext _context;
    private readonly SharedInformer<V1Service> _services;
    private readonly SharedInformer<V1Endpoints> _endpoints;
    private readonly SharedInformer<V1EndpointSlice> _slices;

    // Slices created but not yet seen in the cache, by endpoints key: a sync in between would create them twice.
    private readonly UnseenSlices _unseen;

    public EndpointSliceMirroringController(ControllerContext context)
        : base(Component, context.Loggers.CreateLogger(Component), context.Time)
    {
        _context = context;
        _services = context.Informers.Get(ResourceKinds.Services);
        _endpoints = context.Informers.Get(ResourceKinds.Endpoints);
        _slices = context.Informers.Get(ResourceKinds.EndpointSlices);
        _unseen = new UnseenSlices(_slices);
        _slices.AddIndexer(EndpointsSliceIndex, s => EndpointsKeyOf(s) is { } key ? [key] : []);
        _services.AddEventHandler(onAdd: Enqueue, onUpdate: (_, s) => Enqueue(s), onDelete: Enqueue);
        _endpoints.AddEventHandler(onAdd: Enqueue, onUpdate: (_, e) => Enqueue(e), onDelete: Enqueue);
        _slices.AddEventHandler(
            onAdd: Seen,
            onUpdate: (_, s) => EnqueueOwner(s),
            onDelete: s =>
            {
                Seen(s);
                EnqueueOwner(s);
            });
    }

    string IController.Name => "endpointslicemirroring";

    public Task RunAsync(CancellationToken cancellationToken) => RunAsync(_context.Options.Workers, [_services, _endpoints, _slices], cancellationToken);

    /// <summary>The Endpoints a slice mirrors: only slices this controller manages.</summary>
    private static string? EndpointsKeyOf(V1EndpointSlice slice) =>
        slice.Metadata.Labels is { } labels
        && labels.TryGetValue(EndpointSliceController.ManagedByLabel, out var manager) && manager == MirroredSlices.ManagedBy
        && labels.TryGetValue(EndpointSliceController.ServiceNameLabel, out var service)
            ? ObjectKeys.KeyOf(slice.Metadata.NamespaceProperty, service)
            : null;

    private void EnqueueOwner(V1EndpointSlice slice)
    {
        if (EndpointsKeyOf(slice) is { } key)
        {
            Enqueue(key);
        }
    }

    private void Seen(V1EndpointSlice slice)
    {
        if (EndpointsKeyOf(slice) is { } key)
        {
            _unseen.Seen(key, slice.Metadata.Name);
        }
    }


    /// <summary>Whether these Endpoints should be mirrored: their Service exists without a selector, and nothing opts them out.</summary>
    private static bool ShouldMirror(V1Service? service, V1Endpoints? endpoints) =>
        service is not null && !ServicePods.HasSelector(service)
        && endpoints is not null && endpoints.Metadata.DeletionTimestamp is null
        && !(endpoints.Metadata.Labels?.TryGetValue(SkipMirrorLabel, out var skip) == true && skip == "true")
        // Endpoints used as a leader-election lock are not endpoints of anything.
        && endpoints.Metadata.Annotations?.ContainsKey(LeaderAnnotation) != true;

    protected override async Task SyncAsync(string key, CancellationToken cancellationToken)
    {
        if (_unseen.Waiting(key))
        {
            EnqueueAfter(key, TimeSpan.FromMilliseconds(200));
            return;
        }

        var (ns, _) = ObjectKeys.Split(key);
        var endpoints = _endpoints.Cache.Get(key);
        var existing = _slices.Cache.ByIndex(EndpointsSliceIndex, key).OrderBy(s => s.Metadata.Name, StringComparer.Ordinal).ToList();
        if (!ShouldMirror(_services.Cache.Get(key), endpoints))
        {
            foreach (var slice in existing)
            {
                await DeleteAsync(slice, cancellationToken).ConfigureAwait(false);
            }

            return;
        }

        var (desired, invalid, overLimit) = MirroredSlices.For(endpoints!);
        if (invalid > 0)
        {
            _context.Events.Warning(Component, endpoints!, "InvalidIPAddress", $"Skipped {invalid} invalid IP addresses when mirroring to EndpointSlices");
        }

        if (overLimit > 0)
        {
            _context.Events.Warning(Component, endpoints!, "TooManyAddressesToMirror", $"A max of {MirroredSlices.MaxEndpointsPerSubset} addresses can be mirrored to EndpointSlices per Endpoints subset. {overLimit} addresses were skipped");
        }

        var unused = new List<V1EndpointSlice>(existing);
        foreach (var slice in desired)
        {
            // A slice for the same family and ports is rewritten in place; else one of the same family
            // that would be deleted is recycled (the address type of a slice cannot change).
            var reuse = unused.FirstOrDefault(s => MirroredSlices.KeyOf(s) == MirroredSlices.KeyOf(slice))
                ?? unused.FirstOrDefault(s => s.AddressType == slice.AddressType && desired.All(d => MirroredSlices.KeyOf(d) != MirroredSlices.KeyOf(s)));
            if (reuse is null)
            {
                if (!await CreateAsync(key, slice, cancellationToken).ConfigureAwait(false))
                {
                    return;
                }

                continue;
            }

            unused.Remove(reuse);
            if (MirroredSlices.SameContent(reuse, slice))
            {
                continue;
            }

            var updated = KubernetesJson.Deserialize<V1EndpointSlice>(KubernetesJson.Serialize(reuse));
            updated.Endpoints = slice.Endpoints;
            updated.Ports = slice.Ports;
            updated.Metadata.Labels = slice.Metadata.Labels;
            updated.Metadata.Annotations = slice.Metadata.Annotations;
            updated.Metadata.OwnerReferences = slice.Metadata.OwnerReferences;
            await _context.Client.DiscoveryV1.ReplaceNamespacedEndpointSliceAsync(updated, updated.Metadata.Name, ns, cancellationToken: cancellationToken).ConfigureAwait(false);
        }

        foreach (var slice in unused)
        {
            await DeleteAsync(slice, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Creates a slice; false when the namespace is terminating and nothing more can be created.</summary>
    private async Task<bool> CreateAsync(string key, V1EndpointSlice slice, CancellationToken cancellationToken)
    {
        V1EndpointSlice created;
        try
        {
            created = await _context.Client.DiscoveryV1.CreateNamespacedEndpointSliceAsync(slice, slice.Metadata.NamespaceProperty, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (HttpOperationException e) when (ApiErrors.IsNamespaceTerminating(e))
        {
            return false;
        }

        _unseen.Created(key, created);

        Log.Created(Logger, created.Metadata.NamespaceProperty, created.Metadata.Name, key);
        return true;
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

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Debug, Message = "created EndpointSlice {Namespace}/{Name} mirroring Endpoints {Endpoints}")]
        public static partial void Created(ILogger logger, string @namespace, string name, string endpoints);
    }
}
