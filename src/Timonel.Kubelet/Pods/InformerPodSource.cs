using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Timonel.Client.Informers;

namespace Timonel.Kubelet.Pods;

/// <summary>The agent's own watch of the pods bound to its node (fieldSelector spec.nodeName=NODE).</summary>
public sealed class InformerPodSource : IPodSource
{
    private readonly SharedInformer<V1Pod> _informer;

    public InformerPodSource(IKubernetes client, string nodeName, ILogger logger, TimeProvider time)
    {
        _informer = new SharedInformer<V1Pod>(client, ResourceKinds.Pods, new InformerOptions { FieldSelector = $"spec.nodeName={nodeName}" }, logger, time);
    }

    public IDisposable Subscribe(Action<V1Pod> upsert, Action<V1Pod> removed)
    {
        var registration = _informer.AddEventHandler(new InformerEventHandler<V1Pod>(upsert, (_, pod) => upsert(pod), removed));
        _informer.Start();
        return registration;
    }

    public Task WaitForSyncAsync(CancellationToken cancellationToken) => _informer.WaitForSyncAsync(cancellationToken);

    public IReadOnlyList<V1Pod> List() => _informer.Cache.List();

    public ValueTask DisposeAsync() => _informer.DisposeAsync();
}
