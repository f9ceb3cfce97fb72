using System.Collections.Concurrent;
using k8s;
using k8s.Models;
using Timonel.Client.Informers;

namespace Timonel.Client.Tests;

/// <summary>Records every informer notification as a line such as "add cm-1", "update cm-1", "delete? cm-2".</summary>
internal sealed class RecordingHandler<T> : IInformerEventHandler<T>
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    private readonly ConcurrentQueue<string> _events = new();

    public IReadOnlyList<string> Events => [.. _events];

    public void Clear() => _events.Clear();

    public void OnAdd(T obj, bool isInInitialList) => _events.Enqueue($"{(isInInitialList ? "initial-add" : "add")} {obj.Metadata.Name}");

    public void OnUpdate(T oldObj, T newObj) => _events.Enqueue($"update {newObj.Metadata.Name}");

    public void OnDelete(T obj, bool finalStateUnknown) => _events.Enqueue($"{(finalStateUnknown ? "delete-unknown" : "delete")} {obj.Metadata.Name}");
}
