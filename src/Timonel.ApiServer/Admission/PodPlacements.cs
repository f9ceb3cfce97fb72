using Timonel.Api.Validation;
using Timonel.ApiServer.Registry;
using Timonel.ApiServer.Security.Node;
using Timonel.Registry.Resources;

namespace Timonel.ApiServer.Admission;

/// <summary>
/// Where a pod runs, for NodeRestriction: from the node graph's index of bound pods when the
/// node authorizer keeps one, else (or when the index has not seen the pod: unbound, just
/// created, or gone) read live, as <see cref="WatchedObjects"/> reads a name it does not hold.
/// Null: no such pod.
/// </summary>
internal sealed class PodPlacements(ObjectStore objects, ApiResource pods, NodeGraphPopulator? index)
{
    public async Task<BoundPod?> FindAsync(string ns, string name, CancellationToken cancellationToken)
    {
        if (index?.BoundPodOf(ns, name) is { } bound)
        {
            return bound;
        }

        var pod = (await objects.GetAsync(pods, ns, name, cancellationToken).ConfigureAwait(false))?.Object;
        return pod is null ? null : new BoundPod(pod.Obj("spec").Str("nodeName") ?? "", ObjectMetaAccess.Uid(pod) ?? "");
    }
}
