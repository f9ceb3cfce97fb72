using System.Text.Json.Nodes;
using Timonel.Api.Errors;
using Timonel.Api.Validation;
using Timonel.ApiServer.Admission;
using Timonel.Registry.Resources;

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
    private readonly IDeleteAdmissionHook[] _deleteHooks = hooks.OfType<IDeleteAdmissionHook>().ToArray();
    private readonly IRequestAdmission[] _validating = hooks.OfType<IRequestAdmission>().ToArray();

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
        var name = ObjectMetaAccess.Name(obj)!;
        if (options.PreconditionUid is { } uid && uid != ObjectMetaAccess.Uid(obj))
        {
            throw ApiException.Conflict(resource.Group, resource.Plural, name, $"Precondition failed: UID in precondition: {uid}, UID in object meta: {ObjectMetaAccess.Uid(obj)}");
        }

        if (options.PreconditionResourceVersion is { } rv && rv != ObjectMetaAccess.ResourceVersion(obj))
        {
            throw ApiException.Conflict(resource.Group, resource.Plural, name, $"Precondition failed: ResourceVersion in precondition: {rv}, ResourceVersion in object meta: {ObjectMetaAccess.ResourceVersion(obj)}");
        }

        foreach (var hook in _deleteHooks)
        {
            await hook.AdmitDeleteAsync(resource, obj, cancellationToken).ConfigureAwait(false);
        }

        if (options.User is { } user)
        {
            var request = new AdmissionRequest(user, AdmissionOperation.Delete, resource, "", ObjectMetaAccess.Namespace(obj) ?? "", name, null, obj) { DryRun = options.DryRun };
            foreach (var plugin in _validating)
            {
                await plugin.ValidateAsync(request, cancellationToken).ConfigureAwait(false);
            }
        }

        var policy = resource.Definition.Deletion;
        var meta = ObjectMetaAccess.Metadata(obj);
        var changed = policy.BeginDelete(obj);
        var grace = policy.GracePeriod(obj, options.GracePeriodSeconds);
        if (grace > 0)
        {
            // Graceful: the node agent sees deletionTimestamp, stops the pod, then deletes with grace 0.
            var existing = JsonAccess.WholeNumber(meta["deletionGracePeriodSeconds"]);
            if (existing is null || grace < existing)
            {
                meta["deletionTimestamp"] = ObjectMetaAccess.Timestamp(time.GetUtcNow().AddSeconds(grace));
                meta["deletionGracePeriodSeconds"] = grace;
                changed = true;
            }
        }
        else if (policy.EndsGraceOnImmediateDelete && ObjectMetaAccess.IsDeleting(obj) && JsonAccess.WholeNumber(meta["deletionGracePeriodSeconds"]) is > 0)
        {
            meta["deletionGracePeriodSeconds"] = 0;
            changed = true;
        }

        var finalizers = ObjectMetaAccess.Finalizers(obj);
        var policyFinalizer = options.PropagationPolicy switch
        {
            "Orphan" => "orphan",
            "Foreground" => "foregroundDeletion",
            _ => null,
        };
        if (policyFinalizer is not null && !finalizers.Contains(policyFinalizer) && !(ObjectMetaAccess.IsDeleting(obj) && !changed))
        {
            finalizers.Remove(policyFinalizer == "orphan" ? "foregroundDeletion" : "orphan");
            finalizers.Add(policyFinalizer);
            ObjectMetaAccess.SetFinalizers(obj, finalizers);
            changed = true;
        }

        var heldByFinalizers = finalizers.Count > 0 || policy.HeldBeyondFinalizers(obj);
        if (grace > 0 || heldByFinalizers)
        {
            if (!ObjectMetaAccess.IsDeleting(obj))
            {
                meta["deletionTimestamp"] = ObjectMetaAccess.Timestamp(time.GetUtcNow());
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

        var deleted = await objects.DeleteAsync(resource, ObjectMetaAccess.Namespace(obj), name, current.ModRevision, cancellationToken).ConfigureAwait(false);
        foreach (var hook in _hooks.Where(h => h.AppliesTo(resource)))
        {
            await hook.DeletedAsync(resource, deleted.Object, CancellationToken.None).ConfigureAwait(false);
        }

        return (deleted, true);
    }
}
