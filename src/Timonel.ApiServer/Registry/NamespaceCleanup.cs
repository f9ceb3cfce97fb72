using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Timonel.Api.Errors;
using Timonel.Api.Resources;
using Timonel.Storage;

namespace Timonel.ApiServer.Registry;

/// <summary>
/// Empties terminating namespaces and then removes their "kubernetes" finalizer, so that
/// `kubectl delete namespace` completes. This is the namespace controller's job upstream; it
/// lives here until the controller manager exists. It wakes on every namespace change and
/// retries every few seconds while something is left (pods in their grace period, finalizers).
/// </summary>
internal sealed partial class NamespaceCleanup(ResourceCatalog catalog, ObjectStore objects, ObjectLister lister, ObjectDeleter deleter, ObjectWriter writer, ILogger<NamespaceCleanup> logger)
{
    private static readonly TimeSpan Retry = TimeSpan.FromSeconds(2);
    private readonly ApiResource _namespaces = catalog.Find("", "v1", "namespaces")!;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var wake = new SemaphoreSlim(0);
        var watch = Task.Run(async () =>
        {
            var rev = await objects.Store.GetCurrentRevisionAsync(cancellationToken).ConfigureAwait(false);
            await foreach (var _ in objects.Store.WatchAsync(_namespaces.KeyPrefix, rev, cancellationToken).ConfigureAwait(false))
            {
                wake.Release();
            }
        }, cancellationToken);

        while (!cancellationToken.IsCancellationRequested)
        {
            var pending = false;
            try
            {
                pending = await SweepAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                Log.SweepFailed(logger, e);
                pending = true;
            }

            try
            {
                await wake.WaitAsync(pending ? Retry : Timeout.InfiniteTimeSpan, cancellationToken).ConfigureAwait(false);
                while (wake.CurrentCount > 0)
                {
                    await wake.WaitAsync(cancellationToken).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        await watch.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    /// <summary>One pass over terminating namespaces; true while any still has content.</summary>
    private async Task<bool> SweepAsync(CancellationToken cancellationToken)
    {
        var all = await lister.ListAsync(_namespaces, null, ListOptions.From(_namespaces, new Microsoft.AspNetCore.Http.QueryCollection()), cancellationToken).ConfigureAwait(false);
        var pending = false;
        foreach (var ns in all.Items.Where(Meta.IsDeleting))
        {
            var name = Meta.Name(ns)!;
            var left = 0;
            foreach (var resource in catalog.All.Where(r => r.Namespaced))
            {
                var page = await objects.Store.RangeAsync(new RangeRequest(resource.PrefixFor(name)), cancellationToken).ConfigureAwait(false);
                foreach (var kv in page.Items)
                {
                    left++;
                    var obj = ObjectStore.Decode(kv).Object;
                    if (Meta.IsDeleting(obj))
                    {
                        continue;
                    }

                    try
                    {
                        await deleter.DeleteAsync(resource, name, Meta.Name(obj)!, new DeleteOptions(null, "Background", null, null, false), cancellationToken).ConfigureAwait(false);
                    }
                    catch (ApiException e) when (e.Code == 404)
                    {
                    }
                }
            }

            if (left > 0)
            {
                pending = true;
                continue;
            }

            var finalizers = (ns["spec"]?["finalizers"] as JsonArray)?.Select(Meta.Str).ToList() ?? [];
            if (finalizers.Contains("kubernetes"))
            {
                var current = await objects.GetAsync(_namespaces, null, name, cancellationToken).ConfigureAwait(false);
                if (current is null)
                {
                    continue;
                }

                var updated = (JsonObject)current.Object.DeepClone();
                updated["spec"]!["finalizers"] = new JsonArray(finalizers.Where(f => f != "kubernetes").Select(f => (JsonNode?)JsonValue.Create(f)).ToArray());
                try
                {
                    await writer.UpdateAsync(_namespaces, updated, current, "finalize", WriteOptions.Default(), cancellationToken).ConfigureAwait(false);
                    Log.Finalized(logger, name);
                }
                catch (ApiException e) when (e.Reason is "Conflict" or "NotFound")
                {
                    pending = true;
                }
            }
        }

        return pending;
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Warning, Message = "namespace cleanup pass failed; retrying")]
        public static partial void SweepFailed(ILogger logger, Exception error);

        [LoggerMessage(Level = LogLevel.Information, Message = "namespace {Namespace} is empty; finalized")]
        public static partial void Finalized(ILogger logger, string @namespace);
    }
}
