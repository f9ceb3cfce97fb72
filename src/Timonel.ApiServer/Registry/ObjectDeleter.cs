using System.Text.Json.Nodes;
using Timonel.Api.Errors;
using Timonel.Api.Resources;
using Timonel.ApiServer.Admission;

namespace Timonel.ApiServer.Registry;

/// <summary>
/// Upstream's delete semantics: preconditions, graceful deletion of pods on nodes, finalizers
/// holding an object in "deleting" (deletionTimestamp set), propagation policy recorded as the
/// orphan / foregroundDeletion finalizers for the garbage collector, namespaces turning
/// Terminating until their content is gone.
/// </summary>
internal sealed class ObjectDeleter(ObjectStore objects, IEnumerable<IAdmissionHook> hooks, TimeProvider time)
{
    private readonly IAdmissionHook[] _hooks = hooks.ToArray();

    /// <summary>Returns the object as it now is: still present (deleting) or as it was when removed.</summary>
    public async Task<(StoredObject Object, bool Removed)> DeleteAsync(ApiResource resource, string? ns, string name, DeleteOptions options, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            var current = await objects.GetRequiredAsync(resource, ns, name, cancellationToken).ConfigureAwait(false);
            try
            {
                return await TryDeleteAsync(resource, current, options, cancellationToken).ConfigureAwait(false);
            }
            catch (ApiException e) when (e.Reason == "Conflict" && options.PreconditionResourceVersion is null && attempt < 10)
            {
                // Someone wrote between our read and our write: read again and redo the decision.
            }
        }
    }

    private async Task<(StoredObject, bool)> TryDeleteAsync(ApiResource resource, StoredObject current, DeleteOptions options, CancellationToken cancellationToken)
    {
        var obj = (JsonObject)current.Object.DeepClone();
        var name = Meta.Name(obj)!;
        if (options.PreconditionUid is { } uid && uid != Meta.Uid(obj))
        {
            throw ApiException.Conflict(resource.Group, resource.Plural, name, $"Precondition failed: UID in precondition: {uid}, UID in object meta: {Meta.Uid(obj)}");
        }

        if (options.PreconditionResourceVersion is { } rv && rv != Meta.ResourceVersion(obj))
        {
            throw ApiException.Conflict(resource.Group, resource.Plural, name, $"Precondition failed: ResourceVersion in precondition: {rv}, ResourceVersion in object meta: {Meta.ResourceVersion(obj)}");
        }

        var meta = Meta.Metadata(obj);
        var changed = false;

        if (IsNamespace(resource))
        {
            changed |= MarkNamespaceTerminating(obj);
        }

        var grace = GracePeriod(resource, obj, options);
        if (grace > 0)
        {
            // Graceful: the node agent sees deletionTimestamp, stops the pod, then deletes with grace 0.
            var existing = Meta.Long(meta["deletionGracePeriodSeconds"]);
            if (existing is null || grace < existing)
            {
                meta["deletionTimestamp"] = Meta.Timestamp(time.GetUtcNow().AddSeconds(grace));
                meta["deletionGracePeriodSeconds"] = grace;
                changed = true;
            }
        }
        else if (IsPod(resource) && Meta.IsDeleting(obj) && Meta.Long(meta["deletionGracePeriodSeconds"]) is > 0)
        {
            meta["deletionGracePeriodSeconds"] = 0;
            changed = true;
        }

        var finalizers = Meta.Finalizers(obj);
        var policyFinalizer = options.PropagationPolicy switch
        {
            "Orphan" => "orphan",
            "Foreground" => "foregroundDeletion",
            _ => null,
        };
        if (policyFinalizer is not null && !finalizers.Contains(policyFinalizer) && !(Meta.IsDeleting(obj) && !changed))
        {
            finalizers.Remove(policyFinalizer == "orphan" ? "foregroundDeletion" : "orphan");
            finalizers.Add(policyFinalizer);
            Meta.SetFinalizers(obj, finalizers);
            changed = true;
        }

        var heldByFinalizers = finalizers.Count > 0 || (IsNamespace(resource) && (obj["spec"]?["finalizers"] as JsonArray)?.Count > 0);
        if (grace > 0 || heldByFinalizers)
        {
            if (!Meta.IsDeleting(obj))
            {
                meta["deletionTimestamp"] = Meta.Timestamp(time.GetUtcNow());
                meta["deletionGracePeriodSeconds"] = 0;
                changed = true;
            }

            if (!changed || options.DryRun)
            {
                return (new StoredObject(obj, current.ModRevision), false);
            }

            var updated = await objects.UpdateAsync(resource, obj, current.ModRevision, cancellationToken).ConfigureAwait(false);
            return (updated, false);
        }

        if (options.DryRun)
        {
            return (current, true);
        }

        var deleted = await objects.DeleteAsync(resource, Meta.Namespace(obj), name, current.ModRevision, cancellationToken).ConfigureAwait(false);
        foreach (var hook in _hooks.Where(h => h.AppliesTo(resource)))
        {
            await hook.DeletedAsync(resource, deleted.Object, CancellationToken.None).ConfigureAwait(false);
        }

        return (deleted, true);
    }

    private static bool IsPod(ApiResource r) => r.Group == "" && r.Plural == "pods";

    private static bool IsNamespace(ApiResource r) => r.Group == "" && r.Plural == "namespaces";

    /// <summary>Pods bound to a node get a grace period (request, else spec, else 30 s); everything else is deleted at once.</summary>
    private static long GracePeriod(ApiResource resource, JsonObject obj, DeleteOptions options)
    {
        if (!IsPod(resource))
        {
            return 0;
        }

        var grace = options.GracePeriodSeconds ?? Meta.Long(obj["spec"]?["terminationGracePeriodSeconds"]) ?? 30;
        var bound = Meta.Str(obj["spec"]?["nodeName"]) is { Length: > 0 };
        var finished = Meta.Str(obj["status"]?["phase"]) is "Succeeded" or "Failed";
        return bound && !finished ? grace : 0;
    }

    private static bool MarkNamespaceTerminating(JsonObject ns)
    {
        if (Meta.Str(ns["status"]?["phase"]) == "Terminating")
        {
            return false;
        }

        ns["status"] ??= new JsonObject();
        ns["status"]!["phase"] = "Terminating";
        return true;
    }
}
