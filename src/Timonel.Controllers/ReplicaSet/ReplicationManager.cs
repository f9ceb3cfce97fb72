using k8s.Models;

namespace Timonel.Controllers.ReplicaSet;

/// <summary>Keeps spec.replicas pods of every ReplicationController (upstream's replication manager: the ReplicaSet logic over RCs).</summary>
public sealed class ReplicationManager(ControllerContext context)
    : ReplicaSetController<V1ReplicationController>(context, ReplicationControllerKind.Instance);
