using Microsoft.Extensions.Logging;
using Timonel.ApiServer.Registry;
using Timonel.Registry.Resources;

namespace Timonel.ApiServer.Security.Rbac;

/// <summary>
/// The current <see cref="RbacPolicy"/>, kept from in-memory caches of the four RBAC resources
/// that follow the store's watch (as upstream's authorizer reads informers): a request reads no
/// store. The policy is rebuilt the first time it is asked for after any RBAC object changed.
/// Right after this server wrote an RBAC object, until its watch has caught up, the objects are
/// read from the store, so a binding a client just created applies to its next request.
/// </summary>
internal sealed partial class RbacPolicyCache
{
    private const string Group = "rbac.authorization.k8s.io";
    private readonly WatchedObjects _roles;
    private readonly WatchedObjects _roleBindings;
    private readonly WatchedObjects _clusterRoles;
    private readonly WatchedObjects _clusterRoleBindings;
    private readonly ILogger _log;
    private Snapshot? _current;

    public RbacPolicyCache(ObjectStore objects, ResourceCatalog catalog, ILogger log)
    {
        WatchedObjects Watch(string plural) => new(objects, catalog.Find(Group, "v1", plural) ?? throw new InvalidOperationException($"{plural}.{Group} is not served"), log);
        _roles = Watch("roles");
        _roleBindings = Watch("rolebindings");
        _clusterRoles = Watch("clusterroles");
        _clusterRoleBindings = Watch("clusterrolebindings");
        _log = log;
    }

    /// <summary>The caches to run (each follows its resource's watch until the server stops).</summary>
    public IReadOnlyList<WatchedObjects> Caches => [_roles, _roleBindings, _clusterRoles, _clusterRoleBindings];

    public async ValueTask<RbacPolicy> CurrentAsync(CancellationToken cancellationToken)
    {
        if (!(_roles.IsCurrent && _roleBindings.IsCurrent && _clusterRoles.IsCurrent && _clusterRoleBindings.IsCurrent))
        {
            // Not caught up with this server's own write yet (or a watch is relisting): read live.
            return await BuildAsync(cancellationToken).ConfigureAwait(false);
        }

        // Read before the objects: a policy is never older than the revisions it is kept under.
        var revisions = (_roles.AppliedRevision, _roleBindings.AppliedRevision, _clusterRoles.AppliedRevision, _clusterRoleBindings.AppliedRevision);
        var current = Volatile.Read(ref _current);
        if (current is not null && current.Revisions == revisions)
        {
            return current.Policy;
        }

        // Requests that arrive together after a change may each build it (cheap: a few hundred
        // objects); whichever finishes keeps it, and later requests reuse it.
        current = new Snapshot(revisions, await BuildAsync(cancellationToken).ConfigureAwait(false));
        Volatile.Write(ref _current, current);
        Log.Rebuilt(_log, revisions.Item1, revisions.Item2, revisions.Item3, revisions.Item4);
        return current.Policy;
    }

    private async Task<RbacPolicy> BuildAsync(CancellationToken cancellationToken) => RbacPolicy.Build(
        await _roles.ListAsync(null, cancellationToken).ConfigureAwait(false),
        await _roleBindings.ListAsync(null, cancellationToken).ConfigureAwait(false),
        await _clusterRoles.ListAsync(null, cancellationToken).ConfigureAwait(false),
        await _clusterRoleBindings.ListAsync(null, cancellationToken).ConfigureAwait(false));

    private sealed record Snapshot((long, long, long, long) Revisions, RbacPolicy Policy);

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, Level = LogLevel.Debug, Message = "RBAC policy rebuilt at revisions roles {Roles}, rolebindings {RoleBindings}, clusterroles {ClusterRoles}, clusterrolebindings {ClusterRoleBindings}")]
        public static partial void Rebuilt(ILogger logger, long roles, long roleBindings, long clusterRoles, long clusterRoleBindings);
    }
}
