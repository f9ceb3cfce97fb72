using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Timonel.Api.Quota;
using Timonel.Client.Informers;
using Timonel.Client.WorkQueues;
using Timonel.Controllers.Dynamic;
using Timonel.Registry.Resources;

namespace Timonel.Controllers.ResourceQuota;

/// <summary>
/// Upstream's resourcequota controller: status.hard mirrors spec.hard and status.used is counted
/// from what exists in the namespace (admission only ever adds to it). Every quota is recounted
/// on spec changes, when tracked objects go away or pods finish (replenishment), and every
/// <see cref="ControllerManagerOptions.ResourceQuotaSyncPeriod"/>.
/// </summary>
public sealed class ResourceQuotaController : Controller, IController
{
    private readonly ControllerContext _context;
    private readonly DynamicClient _api;
    private readonly ResourceCatalog _catalog;
    private readonly SharedInformer<V1ResourceQuota> _quotas;
    private readonly ApiResource _quotaResource;
    private readonly IReadOnlyDictionary<ApiResource, ISharedInformer> _tracked;

    public ResourceQuotaController(ControllerContext context)
        : base("resourcequota-controller", context.Loggers.CreateLogger("resourcequota-controller"), context.Time)
    {
        _context = context;
        _api = new DynamicClient(context.Client);
        _catalog = context.Catalog;
        _quotaResource = _catalog.Find("", "v1", "resourcequotas")!;
        _quotas = context.Informers.Get(ResourceKinds.ResourceQuotas);
        _quotas.AddEventHandler(
            onAdd: Enqueue,
            onUpdate: (old, current) =>
            {
                if (KubernetesJson.Serialize(old.Spec) != KubernetesJson.Serialize(current.Spec))
                {
                    Enqueue(current);
                }
            });
        _tracked = CatalogInformers.Watch(context.Informers, _catalog.Primary.Where(r => r.Namespaced && r.Plural != "events"), OnTrackedChange);
    }

    string IController.Name => "resourcequota";

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var resync = ResyncAsync(cancellationToken);
        await RunAsync(_context.Options.Workers, [_quotas], cancellationToken).ConfigureAwait(false);
        await resync.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    private async Task ResyncAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(_context.Options.ResourceQuotaSyncPeriod, _context.Time);
        while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
        {
            foreach (var quota in _quotas.Cache.List())
            {
                Enqueue(quota);
            }
        }
    }

    /// <summary>Replenishment: usage can only go down when an object goes away or a pod finishes.</summary>
    private void OnTrackedChange(ApiResource resource, IKubernetesObject<V1ObjectMeta>? old, IKubernetesObject<V1ObjectMeta>? current)
    {
        var replenished = current is null
            || (old is V1Pod before && current is V1Pod after && !IsTerminal(before) && IsTerminal(after))
            || (old is V1Pod notDeleting && current is V1Pod deleting && notDeleting.Metadata.DeletionTimestamp is null && deleting.Metadata.DeletionTimestamp is not null)
            || (old is V1Service oldService && current is V1Service newService && oldService.Spec?.Type != newService.Spec?.Type);
        if (!replenished || (old ?? current)?.Metadata?.NamespaceProperty is not { Length: > 0 } ns)
        {
            return;
        }

        foreach (var quota in _quotas.Cache.ListByNamespace(ns))
        {
            Enqueue(quota);
        }
    }

    private static bool IsTerminal(V1Pod pod) => pod.Status?.Phase is "Succeeded" or "Failed";

    protected override async Task SyncAsync(string key, CancellationToken cancellationToken)
    {
        var cached = _quotas.Cache.Get(key);
        if (cached is null)
        {
            return;
        }

        var quota = JsonNode.Parse(KubernetesJson.Serialize(cached))!.AsObject();
        var ns = cached.Metadata.NamespaceProperty;
        var hardJson = quota["spec"]?["hard"] as JsonObject ?? [];
        var hard = ResourceAmounts.FromJson(hardJson);
        var used = new ResourceAmounts();
        foreach (var name in hard.Names)
        {
            used.Set(name, 0, hard.IsBinary(name));
        }

        var now = _context.Time.GetUtcNow();
        foreach (var resource in QuotaResources.For(hard.Names, _catalog))
        {
            foreach (var item in await _api.ListAsync(resource, ns, cancellationToken).ConfigureAwait(false))
            {
                if (!QuotaUsage.MatchesScopes(quota, resource.Group, resource.Plural, item) || IsPastDeletion(resource, item, now))
                {
                    continue;
                }

                var usage = QuotaUsage.For(resource.Group, resource.Plural, item);
                foreach (var name in usage.Names.Where(hard.Contains))
                {
                    used.Add(name, usage[name], usage.IsBinary(name));
                }
            }
        }

        var status = new JsonObject { ["hard"] = hardJson.DeepClone(), ["used"] = used.ToJson() };
        if (JsonNode.DeepEquals(quota["status"], status))
        {
            return;
        }

        quota["status"] = status;
        try
        {
            await _api.UpdateAsync(_quotaResource, quota, cancellationToken, "status").ConfigureAwait(false);
        }
        catch (DynamicApiException e) when (e.IsConflict)
        {
            // Admission charged the quota meanwhile: count again on the fresh object.
            Queue.AddRateLimited(key);
        }
        catch (DynamicApiException e) when (e.IsNotFound)
        {
        }
    }

    /// <summary>Upstream's pod evaluator stops charging a pod whose deletion grace period has run out.</summary>
    private static bool IsPastDeletion(ApiResource resource, JsonObject item, DateTimeOffset now)
    {
        if (resource.Group.Length != 0 || resource.Plural != "pods" || item["metadata"]?["deletionTimestamp"]?.GetValue<string>() is not { } stamp)
        {
            return false;
        }

        var grace = item["metadata"]?["deletionGracePeriodSeconds"]?.GetValue<long>() ?? 0;
        return DateTimeOffset.TryParse(stamp, System.Globalization.CultureInfo.InvariantCulture, out var deletion) && deletion.AddSeconds(grace) < now;
    }
}
