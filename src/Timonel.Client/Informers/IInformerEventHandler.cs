namespace Timonel.Client.Informers;

/// <summary>
/// Receives an informer's changes, in order per object, on the informer's own loop: handlers must
/// be quick and never block (compute a key and enqueue it). Objects are cache instances: read-only.
/// </summary>
public interface IInformerEventHandler<in T>
{
    /// <summary>An object appeared; <paramref name="isInInitialList"/> is true while the first list is delivered (or replayed to a late handler).</summary>
    void OnAdd(T obj, bool isInInitialList);

    /// <summary>An object changed, or a resync redelivers it (then <paramref name="oldObj"/> and <paramref name="newObj"/> are the same instance).</summary>
    void OnUpdate(T oldObj, T newObj);

    /// <summary>
    /// An object went away. When the deletion was missed (it happened while the watch was down and
    /// a relist found it gone), <paramref name="finalStateUnknown"/> is true and the object is the
    /// last state the cache held, as client-go's DeletedFinalStateUnknown.
    /// </summary>
    void OnDelete(T obj, bool finalStateUnknown);
}

/// <summary>Adapts delegates to <see cref="IInformerEventHandler{T}"/>; missing delegates ignore their events.</summary>
public sealed class InformerEventHandler<T>(Action<T>? onAdd = null, Action<T, T>? onUpdate = null, Action<T>? onDelete = null) : IInformerEventHandler<T>
{
    public void OnAdd(T obj, bool isInInitialList) => onAdd?.Invoke(obj);

    public void OnUpdate(T oldObj, T newObj) => onUpdate?.Invoke(oldObj, newObj);

    public void OnDelete(T obj, bool finalStateUnknown) => onDelete?.Invoke(obj);
}
