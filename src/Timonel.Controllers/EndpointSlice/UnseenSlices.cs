using k8s.Models;
using Timonel.Client.Informers;

namespace Timonel.Controllers.EndpointSlice;

/// <summary>
/// The slices a controller created that its informer has not delivered yet, by owner key. Until
/// they arrive, a sync of that owner would see too few slices and create them again: the owner
/// waits instead (both the endpointslice and the mirroring controllers).
/// </summary>
internal sealed class UnseenSlices(SharedInformer<V1EndpointSlice> slices)
{
    private readonly Dictionary<string, HashSet<string>> _unseen = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    /// <summary>Records a slice just created for <paramref name="key"/>, unless the cache has it already.</summary>
    public void Created(string key, V1EndpointSlice created)
    {
        lock (_lock)
        {
            // Checked under the lock: the add event (cache first, then Seen) cannot slip in between.
            if (slices.Cache.Get(created.Metadata.NamespaceProperty, created.Metadata.Name) is null)
            {
                if (!_unseen.TryGetValue(key, out var names))
                {
                    _unseen[key] = names = new HashSet<string>(StringComparer.Ordinal);
                }

                names.Add(created.Metadata.Name);
            }
        }
    }

    /// <summary>The informer delivered (or deleted) the slice called <paramref name="name"/> of <paramref name="key"/>.</summary>
    public void Seen(string key, string name)
    {
        lock (_lock)
        {
            if (_unseen.TryGetValue(key, out var names) && names.Remove(name) && names.Count == 0)
            {
                _unseen.Remove(key);
            }
        }
    }

    /// <summary>True while a slice created for <paramref name="key"/> has not reached the cache.</summary>
    public bool Waiting(string key)
    {
        lock (_lock)
        {
            return _unseen.ContainsKey(key);
        }
    }
}
