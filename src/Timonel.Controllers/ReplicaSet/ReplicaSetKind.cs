using k8s;
using k8s.Models;
using Timonel.Client.Controllers;
using Timonel.Client.Informers;

namespace Timonel.Controllers.ReplicaSet;

/// <summary>apps/v1 ReplicaSets: the view is the object itself.</summary>
internal sealed class ReplicaSetKind : IReplicatedKind<V1ReplicaSet>
{
    public static ReplicaSetKind Instance { get; } = new();

    public string ControllerName => "replicaset";

    public string Component => "replicaset-controller";

    public ResourceKind<V1ReplicaSet> Resource => ResourceKinds.ReplicaSets;

    public V1ReplicaSet View(V1ReplicaSet set) => set;

    public Task<V1ReplicaSet> UpdateStatusAsync(IKubernetes client, V1ReplicaSet set, V1ReplicaSetStatus status, CancellationToken cancellationToken)
    {
        var copy = ObjectCopy.DeepCopy(set);
        copy.Status = status;
        return client.AppsV1.ReplaceNamespacedReplicaSetStatusAsync(copy, copy.Metadata.Name, copy.Metadata.NamespaceProperty, cancellationToken: cancellationToken);
    }

    public async Task<V1ObjectMeta> ReadMetadataAsync(IKubernetes client, string @namespace, string name, CancellationToken cancellationToken) =>
        (await client.AppsV1.ReadNamespacedReplicaSetAsync(name, @namespace, cancellationToken: cancellationToken).ConfigureAwait(false)).Metadata;
}
