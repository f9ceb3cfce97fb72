using k8s.Models;

namespace Timonel.Kubelet.Pods;

/// <summary>
/// The pods bound to one node, as the pod manager consumes them: the current list and change
/// notifications. A real agent watches its own pods (<see cref="InformerPodSource"/>); the node
/// simulator feeds many hollow nodes from one shared watch, so it hands each node its share.
/// </summary>
public interface IPodSource : IAsyncDisposable
{
    /// <summary>
    /// Delivers every pod bound to the node now (as upserts) and then every change, until the
    /// result is disposed. Handlers must be quick: they run on the source's dispatch path.
    /// </summary>
    IDisposable Subscribe(Action<V1Pod> upsert, Action<V1Pod> removed);

    /// <summary>Completes once the source has listed the node's pods at least once.</summary>
    Task WaitForSyncAsync(CancellationToken cancellationToken);

    /// <summary>The node's pods as last seen.</summary>
    IReadOnlyList<V1Pod> List();
}
