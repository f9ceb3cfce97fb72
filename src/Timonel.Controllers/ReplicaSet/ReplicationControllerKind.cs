using k8s;
using k8s.Models;
using Timonel.Client.Controllers;
using Timonel.Client.Informers;

namespace Timonel.Controllers.ReplicaSet;

/// <summary>
/// core/v1 ReplicationControllers seen as ReplicaSets (upstream's pkg/controller/replication
/// conversion): the selector map becomes matchLabels, the status fields map one to one.
/// </summary>
internal sealed class ReplicationControllerKind : IReplicatedKind<V1ReplicationController>
{
    public static readonly ResourceKind<V1ReplicationController> ReplicationControllers = ResourceKinds.For<V1ReplicationController>();

    public static ReplicationControllerKind Instance { get; } = new();

    public string ControllerName => "replicationcontroller";

    public string Component => "replication-controller";

    public ResourceKind<V1ReplicationController> Resource => ReplicationControllers;

    public V1ReplicaSet View(V1ReplicationController set) => new()
    {
        ApiVersion = ReplicationControllers.ApiVersion,
        Kind = ReplicationControllers.Kind,
        Metadata = set.Metadata,
        Spec = new V1ReplicaSetSpec
        {
            Replicas = set.Spec?.Replicas,
            MinReadySeconds = set.Spec?.MinReadySeconds,
            // As upstream's conversion: a nil map becomes a nil selector, which selects nothing.
            Selector = set.Spec?.Selector is { } s ? new V1LabelSelector { MatchLabels = s } : null,
            Template = set.Spec?.Template,
        },
        Status = set.Status is null ? null : new V1ReplicaSetStatus
        {
            Replicas = set.Status.Replicas,
            FullyLabeledReplicas = set.Status.FullyLabeledReplicas,
            ReadyReplicas = set.Status.ReadyReplicas,
            AvailableReplicas = set.Status.AvailableReplicas,
            ObservedGeneration = set.Status.ObservedGeneration,
            Conditions = set.Status.Conditions?.Select(c => new V1ReplicaSetCondition
            {
                Type = c.Type,
                Status = c.Status,
                Reason = c.Reason,
                Message = c.Message,
                LastTransitionTime = c.LastTransitionTime,
            }).ToList(),
        },
    };

    public async Task<V1ReplicaSet> UpdateStatusAsync(IKubernetes client, V1ReplicationController set, V1ReplicaSetStatus status, CancellationToken cancellationToken)
    {
        var copy = ObjectCopy.DeepCopy(set);
        copy.Status = new V1ReplicationControllerStatus
        {
            Replicas = status.Replicas,
            FullyLabeledReplicas = status.FullyLabeledReplicas,
            ReadyReplicas = status.ReadyReplicas,
            AvailableReplicas = status.AvailableReplicas,
            ObservedGeneration = status.ObservedGeneration,
            Conditions = status.Conditions?.Select(c => new V1ReplicationControllerCondition
            {
                Type = c.Type,
                Status = c.Status,
                Reason = c.Reason,
                Message = c.Message,
                LastTransitionTime = c.LastTransitionTime,
            }).ToList(),
        };
        var stored = await client.CoreV1.ReplaceNamespacedReplicationControllerStatusAsync(copy, copy.Metadata.Name, copy.Metadata.NamespaceProperty, cancellationToken: cancellationToken).ConfigureAwait(false);
        return View(stored);
    }

    public async Task<V1ObjectMeta> ReadMetadataAsync(IKubernetes client, string @namespace, string name, CancellationToken cancellationToken) =>
        (await client.CoreV1.ReadNamespacedReplicationControllerAsync(name, @namespace, cancellationToken: cancellationToken).ConfigureAwait(false)).Metadata;
}
