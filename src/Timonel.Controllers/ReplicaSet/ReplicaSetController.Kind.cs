using k8s.Models;

namespace Timonel.Controllers.ReplicaSet;

/// <summary>The ReplicaSet controller over apps/v1 ReplicaSets.</summary>
public sealed class ReplicaSetController(ControllerContext context)
    : ReplicaSetController<V1ReplicaSet>(context, ReplicaSetKind.Instance)
{
    /// <summary>A pod for <paramref name="rs"/>, controlled by it through apps/v1.</summary>
    internal static V1Pod PodFromTemplate(V1ReplicaSet rs) => PodFromTemplate(rs, "apps/v1", "ReplicaSet");
}
