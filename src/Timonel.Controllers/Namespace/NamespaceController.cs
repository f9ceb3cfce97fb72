using System.Text.Json.Nodes;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Timonel.Client.Informers;
using Timonel.Client.WorkQueues;
using Timonel.Controllers.Dynamic;
using Timonel.Registry.Resources;

namespace Timonel.Controllers.Namespace;

/// <summary>
/// Upstream's namespace controller: a namespace being deleted (phase Terminating) has every
/// namespaced object in it deleted; its status conditions say what is left and why; once it is
/// empty the "kubernetes" finalizer is removed through the finalize subresource and the API
/// server removes the namespace. Which resources to empty comes from discovery on every pass, as
/// upstream, so the custom resources of CRDs created after the controller started go too.
/// </summary>
public sealed partial class NamespaceController : Controller, IController
{
    public const string KubernetesFinalizer = "kubernetes";

    /// <summary>How soon a namespace with content left (pods in their grace period, finalizers) is looked at again.</summary>
    private static readonly TimeSpan Recheck = TimeSpan.FromSeconds(2);

    private readonly ControllerContext _context;
    private readonly DynamicClient _api;
    private readonly SharedInformer<V1Namespace> _namespaces;
    private readonly ApiResource _namespaceResource;
    private readonly ApiDiscovery _discovery;

    public NamespaceController(ControllerContext context)
        : base("namespace-controller", context.Loggers.CreateLogger("namespace-controller"), context.Time)
    {
        _context = context;
        _api = new DynamicClient(context.Client);
        _namespaceResource = context.Catalog.Find("", "v1", "namespaces")!;
        _discovery = new ApiDiscovery(_api, context.Catalog);
        _namespaces = context.Informers.Get(ResourceKinds.Namespaces);
        _namespaces.AddEventHandler(
            onAdd: EnqueueIfDeleting,
            onUpdate: (_, n) => EnqueueIfDeleting(n));
    }

    string IController.Name => "namespace";

    public Task RunAsync(CancellationToken cancellationToken) => RunAsync(_context.Options.Workers, [_namespaces], cancellationToken);

    private void EnqueueIfDeleting(V1Namespace ns)
    {
        if (ns.Metadata.DeletionTimestamp is not null)
        {
            Enqueue(ns);
        }
    }

    protected override async Task SyncAsync(string key, CancellationToken cancellationToken)
    {
        if (_namespaces.Cache.Get(key) is not { Metadata.DeletionTimestamp: not null })
        {
            return;
        }

        var live = await _api.GetAsync(_namespaceResource, null, key, cancellationToken).ConfigureAwait(false);
        if (live is null || live["metadata"]?["deletionTimestamp"] is null || !SpecFinalizers(live).Contains(KubernetesFinalizer))
        {
            return;
        }

        var content = await DeleteContentAsync(key, cancellationToken).ConfigureAwait(false);
        live = await UpdateConditionsAsync(live, content, cancellationToken).ConfigureAwait(false);
        if (content.HasFailures)
        {
            throw new InvalidOperationException($"namespace {key}: {string.Join("; ", content.ListFailures.Concat(content.DeleteFailures))}");
        }

        if (content.HasRemaining)
        {
            EnqueueAfter(key, Recheck);
            return;
        }

        var finalizers = SpecFinalizers(live);
        finalizers.Remove(KubernetesFinalizer);
        live["spec"]!["finalizers"] = new JsonArray([.. finalizers.Select(f => (JsonNode)f)]);
        try
        {
            await _api.UpdateAsync(_namespaceResource, live, cancellationToken, "finalize").ConfigureAwait(false);
            Log.Finalized(Logger, key);
        }
        catch (DynamicApiException e) when (e.IsNotFound)
        {
        }
    }

    /// <summary>Deletes every namespaced object not already being deleted; counts what is still there afterwards.</summary>
    private async Task<NamespaceContent> DeleteContentAsync(string ns, CancellationToken cancellationToken)
    {
        var content = new NamespaceContent();
        var discovered = await _discovery.DiscoverAsync(cancellationToken).ConfigureAwait(false);
        content.ListFailures.AddRange(discovered.Failures.Select(gv => $"{gv}: the server is currently unable to handle the request"));
        // As upstream: what discovery lists as namespaced and deletable (list to see what is left).
        foreach (var resource in discovered.Resources.Where(r => r.Resource.Namespaced && r.Supports("list", "delete")).Select(r => r.Resource))
        {
            List<JsonObject> items;
            try
            {
                items = await _api.ListAsync(resource, ns, cancellationToken).ConfigureAwait(false);
            }
            catch (DynamicApiException e)
            {
                content.ListFailures.Add($"{resource.GroupResource}: {e.Message}");
                continue;
            }

            if (items.Count == 0)
            {
                continue;
            }

            var deleted = false;
            foreach (var item in items.Where(i => i["metadata"]?["deletionTimestamp"] is null))
            {
                try
                {
                    await _api.DeleteAsync(resource, ns, Meta(item, "name")!, null, Meta(item, "uid"), cancellationToken).ConfigureAwait(false);
                    deleted = true;
                }
                catch (DynamicApiException e)
                {
                    content.DeleteFailures.Add($"{resource.GroupResource} \"{Meta(item, "name")}\": {e.Message}");
                }
            }

            // Graceful deletion and finalizers keep objects around: count what the deletes left.
            var left = deleted ? await _api.ListAsync(resource, ns, cancellationToken).ConfigureAwait(false) : items;
            foreach (var item in left)
            {
                var finalizers = (item["metadata"]?["finalizers"] as JsonArray)?.Select(f => f?.GetValue<string>()).OfType<string>() ?? [];
                content.AddRemaining(resource.Plural, resource.Group, finalizers);
            }
        }

        return content;
    }

    /// <summary>Writes the deletion conditions when they changed; returns the namespace as now stored.</summary>
    private async Task<JsonObject> UpdateConditionsAsync(JsonObject ns, NamespaceContent content, CancellationToken cancellationToken)
    {
        if (ns["status"] is not JsonObject status)
        {
            ns["status"] = status = new JsonObject();
        }

        if (status["conditions"] is not JsonArray conditions)
        {
            status["conditions"] = conditions = [];
        }

        var changed = false;
        foreach (var (type, value, reason, message) in content.Conditions())
        {
            var existing = conditions.OfType<JsonObject>().FirstOrDefault(c => c["type"]?.GetValue<string>() == type);
            if (existing is not null && Field(existing, "status") == value && Field(existing, "reason") == reason && Field(existing, "message") == message)
            {
                continue;
            }

            var condition = new JsonObject
            {
                ["type"] = type,
                ["status"] = value,
                ["lastTransitionTime"] = existing is not null && Field(existing, "status") == value
                    ? existing["lastTransitionTime"]?.DeepClone()
                    : _context.Time.GetUtcNow().UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture),
                ["reason"] = reason,
                ["message"] = message,
            };
            if (existing is not null)
            {
                conditions[conditions.IndexOf(existing)] = condition;
            }
            else
            {
                conditions.Add(condition);
            }

            changed = true;
        }

        if (!changed)
        {
            return ns;
        }

        try
        {
            return await _api.UpdateAsync(_namespaceResource, ns, cancellationToken, "status").ConfigureAwait(false);
        }
        catch (DynamicApiException e) when (e.IsConflict)
        {
            // Someone changed the namespace meanwhile: the finalize step below needs its latest version.
            return await _api.GetAsync(_namespaceResource, null, Meta(ns, "name")!, cancellationToken).ConfigureAwait(false) ?? ns;
        }
    }

    private static List<string> SpecFinalizers(JsonObject ns) =>
        (ns["spec"]?["finalizers"] as JsonArray)?.Select(f => f?.GetValue<string>()).OfType<string>().ToList() ?? [];

    private static string? Meta(JsonObject obj, string field) => obj["metadata"]?[field]?.GetValue<string>();

    private static string? Field(JsonObject obj, string field) => obj[field]?.GetValue<string>();

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Information, Message = "namespace {Namespace} is empty; finalized")]
        public static partial void Finalized(ILogger logger, string @namespace);
    }
}
