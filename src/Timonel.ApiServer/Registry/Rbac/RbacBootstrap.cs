using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Timonel.Api.Errors;
using Timonel.Api.Validation;
using Timonel.Registry.Resources;

namespace Timonel.ApiServer.Registry.Rbac;

/// <summary>
/// Brings the stored RBAC objects up to the bootstrap policy at every start, as upstream's
/// rbac/bootstrap-roles post-start hook: missing roles and bindings are created, stored ones
/// get what they lack (<see cref="RbacReconciliation"/>). Safe for servers starting together on
/// one datastore: a create that loses to another server's reconciles the winner's object, and an
/// update that loses a race is redone on the fresh object.
/// </summary>
internal sealed partial class RbacBootstrap(ResourceCatalog catalog, ObjectStore objects, ObjectWriter writer, ObjectDeleter deleter, GuaranteedUpdater updater, ILogger logger)
{
    /// <summary>How often one object's create/update/recreate is tried when other servers keep changing it.</summary>
    private const int MaxAttempts = 5;

    private const string Group = "rbac.authorization.k8s.io";

    public async Task EnsureAsync(CancellationToken cancellationToken)
    {
        var clusterRoles = catalog.Find(Group, "v1", "clusterroles");
        var clusterRoleBindings = catalog.Find(Group, "v1", "clusterrolebindings");
        var roles = catalog.Find(Group, "v1", "roles");
        var roleBindings = catalog.Find(Group, "v1", "rolebindings");
        if (clusterRoles is null || clusterRoleBindings is null || roles is null || roleBindings is null)
        {
            return;
        }

        // Concurrent writes share the embedded store's group commits; roles before the bindings that name them.
        var results = await Task.WhenAll(
            BootstrapPolicy.ClusterRoles().Select(r => EnsureAsync(clusterRoles, r, isRole: true, cancellationToken))
                .Concat(BootstrapPolicy.Roles().Select(r => EnsureAsync(roles, r, isRole: true, cancellationToken)))).ConfigureAwait(false);
        var bindingResults = await Task.WhenAll(
            BootstrapPolicy.ClusterRoleBindings().Select(b => EnsureAsync(clusterRoleBindings, b, isRole: false, cancellationToken))
                .Concat(BootstrapPolicy.RoleBindings().Select(b => EnsureAsync(roleBindings, b, isRole: false, cancellationToken)))).ConfigureAwait(false);
        var all = results.Concat(bindingResults).ToList();
        Log.Ensured(logger, all.Count(r => r == Outcome.Created), all.Count(r => r == Outcome.Reconciled), all.Count(r => r == Outcome.Unchanged));
    }

    private enum Outcome
    {
        Unchanged,
        Created,
        Reconciled,
    }

    private async Task<Outcome> EnsureAsync(ApiResource resource, JsonObject expected, bool isRole, CancellationToken cancellationToken)
    {
        var ns = ObjectMetaAccess.Namespace(expected);
        var name = ObjectMetaAccess.Name(expected)!;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var current = await objects.GetAsync(resource, ns, name, cancellationToken).ConfigureAwait(false);
                if (current is null)
                {
                    await writer.CreateAsync(resource, ns, expected.DeepClone().AsObject(), WriteOptions.Default(), cancellationToken).ConfigureAwait(false);
                    return Outcome.Created;
                }

                if (isRole)
                {
                    return await ReconcileRoleAsync(resource, ns, name, expected, cancellationToken).ConfigureAwait(false);
                }

                return await ReconcileBindingAsync(resource, ns, name, current, expected, cancellationToken).ConfigureAwait(false);
            }
            catch (ApiException e) when (e.Reason is "AlreadyExists" or "NotFound" or "Conflict" && attempt < MaxAttempts)
            {
                // Another server created, deleted or changed it between our read and our write: look again.
                Log.Retrying(logger, resource.Plural, name, e.Reason);
            }
        }
    }

    private async Task<Outcome> ReconcileRoleAsync(ApiResource resource, string? ns, string name, JsonObject expected, CancellationToken cancellationToken)
    {
        var outcome = Outcome.Unchanged;
        await updater.GuaranteedUpdateAsync(resource, ns, name, current =>
        {
            var reconciled = RbacReconciliation.ReconcileRole(current.Object, expected);
            outcome = reconciled is null ? Outcome.Unchanged : Outcome.Reconciled;
            return reconciled;
        }, null, WriteOptions.Default(), cancellationToken).ConfigureAwait(false);
        if (outcome == Outcome.Reconciled)
        {
            Log.Reconciled(logger, resource.Plural, name);
        }

        return outcome;
    }

    private async Task<Outcome> ReconcileBindingAsync(ApiResource resource, string? ns, string name, StoredObject current, JsonObject expected, CancellationToken cancellationToken)
    {
        var (reconciled, recreate) = RbacReconciliation.ReconcileBinding(current.Object, expected);
        if (recreate)
        {
            // roleRef is immutable: delete the stored binding (only the version we judged) and create it again.
            var precondition = new DeleteOptions(null, null, null, ObjectMetaAccess.ResourceVersion(current.Object), false);
            await deleter.DeleteAsync(resource, ns, name, precondition, cancellationToken).ConfigureAwait(false);
            await writer.CreateAsync(resource, ns, Fresh(reconciled!), WriteOptions.Default(), cancellationToken).ConfigureAwait(false);
            Log.Recreated(logger, resource.Plural, name);
            return Outcome.Reconciled;
        }

        var outcome = Outcome.Unchanged;
        await updater.GuaranteedUpdateAsync(resource, ns, name, latest =>
        {
            var (updated, again) = RbacReconciliation.ReconcileBinding(latest.Object, expected);
            if (again)
            {
                // The roleRef changed under us: the next attempt recreates.
                throw ApiException.Conflict(resource.Group, resource.Plural, name, "roleRef changed while reconciling");
            }

            outcome = updated is null ? Outcome.Unchanged : Outcome.Reconciled;
            return updated;
        }, null, WriteOptions.Default(), cancellationToken).ConfigureAwait(false);
        if (outcome == Outcome.Reconciled)
        {
            Log.Reconciled(logger, resource.Plural, name);
        }

        return outcome;
    }

    /// <summary>The binding as a new object: its name, namespace, labels and annotations, roleRef and subjects, without the stored identity.</summary>
    private static JsonObject Fresh(JsonObject binding)
    {
        var meta = new JsonObject();
        foreach (var field in (string[])["name", "namespace", "labels", "annotations"])
        {
            if (binding["metadata"]?[field] is { } value)
            {
                meta[field] = value.DeepClone();
            }
        }

        var obj = new JsonObject { ["metadata"] = meta, ["roleRef"] = binding["roleRef"]!.DeepClone() };
        if (binding["subjects"] is { } subjects)
        {
            obj["subjects"] = subjects.DeepClone();
        }

        return obj;
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Information, Message = "rbac bootstrap policy: {Created} objects created, {Reconciled} reconciled, {Unchanged} up to date")]
        public static partial void Ensured(ILogger logger, int created, int reconciled, int unchanged);

        [LoggerMessage(Level = LogLevel.Information, Message = "rbac bootstrap policy: added what {Resource} {Name} lacked")]
        public static partial void Reconciled(ILogger logger, string resource, string name);

        [LoggerMessage(Level = LogLevel.Information, Message = "rbac bootstrap policy: recreated {Resource} {Name} with the bootstrap roleRef")]
        public static partial void Recreated(ILogger logger, string resource, string name);

        [LoggerMessage(Level = LogLevel.Debug, Message = "rbac bootstrap policy: {Resource} {Name} changed under us ({Reason}); reading it again")]
        public static partial void Retrying(ILogger logger, string resource, string name, string reason);
    }
}
