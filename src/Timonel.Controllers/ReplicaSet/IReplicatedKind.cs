using k8s;
using k8s.Models;
using Timonel.Client.Informers;

namespace Timonel.Controllers.ReplicaSet;

/// <summary>
/// What the ReplicaSet controller needs of the kind it manages: its resource, a ReplicaSet view
/// of one object (upstream converts RCs to ReplicaSets the same way), the status write and a live
/// read before adopting. Implementations are stateless.
/// </summary>
/// <typeparam name="TSet">The managed kind's model.</typeparam>
public interface IReplicatedKind<TSet>
    where TSet : class, IKubernetesObject<V1ObjectMeta>
{
    /// <summary>The controller's name in the controller manager ("replicaset").</summary>
    string ControllerName { get; }

    /// <summary>The event source component ("replicaset-controller").</summary>
    string Component { get; }

    /// <summary>The resource watched; its apiVersion and kind go into the pods' controller references.</summary>
    ResourceKind<TSet> Resource { get; }

    /// <summary>The object as a ReplicaSet; kind and apiVersion stay those of the object, so events name it.</summary>
    V1ReplicaSet View(TSet set);

    /// <summary>Writes <paramref name="status"/> through /status and returns the stored object's view.</summary>
    Task<V1ReplicaSet> UpdateStatusAsync(IKubernetes client, TSet set, V1ReplicaSetStatus status, CancellationToken cancellationToken);

    /// <summary>A live GET of the object's metadata.</summary>
    Task<V1ObjectMeta> ReadMetadataAsync(IKubernetes client, string @namespace, string name, CancellationToken cancellationToken);
}
