using k8s;
using k8s.Models;

namespace Timonel.Client.Informers;

/// <summary>
/// The informer's local copy of the watched objects, keyed by <see cref="ObjectKeys.KeyOf(IKubernetesObject{V1ObjectMeta})"/>,
/// with secondary indexes. Safe for concurrent readers while the informer writes.
/// </summary>
/// <remarks>
/// Objects handed out are the cache's own instances: treat them as read-only and clone
/// (<c>obj with { }</c> is shallow; serialize round-trip for a deep copy) before changing one.
/// </remarks>
public sealed class ObjectCache<T>
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    /// <summary>Index of objects by namespace (cluster-scoped objects index under "").</summary>
    public const string NamespaceIndex = "namespace";

    /// <summary>Index of objects by the uid of their controller ownerReference.</summary>
    public const string OwnerUidIndex = "ownerUid";

    /// <summary>Index of objects without a controller ownerReference, by namespace (what a controller may adopt).</summary>
    public const string OrphanIndex = "orphans";

    private readonly Lock _lock = new();
    private readonly Dictionary<string, T> _items = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Index> _indexes = new(StringComparer.Ordinal);

    public ObjectCache()
    {
        AddIndexer(NamespaceIndex, o => [o.Metadata?.NamespaceProperty ?? ""]);
        AddIndexer(OwnerUidIndex, ControllerUid);
        AddIndexer(OrphanIndex, o => ControllerUid(o).Any() ? [] : [o.Metadata?.NamespaceProperty ?? ""]);
    }

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _items.Count;
            }
        }
    }

    public T? Get(string key)
    {
        lock (_lock)
        {
            return _items.GetValueOrDefault(key);
        }
    }

    public T? Get(string? @namespace, string name) => Get(ObjectKeys.KeyOf(@namespace, name));

    public IReadOnlyList<T> List()
    {
        lock (_lock)
        {
            return [.. _items.Values];
        }
    }

    public IReadOnlyList<string> Keys()
    {
        lock (_lock)
        {
            return [.. _items.Keys];
        }
    }

    /// <summary>Objects in one namespace.</summary>
    public IReadOnlyList<T> ListByNamespace(string @namespace) => ByIndex(NamespaceIndex, @namespace);

    /// <summary>Objects whose controller ownerReference has this uid.</summary>
    public IReadOnlyList<T> ListByOwnerUid(string uid) => ByIndex(OwnerUidIndex, uid);

    /// <summary>
    /// Objects in one namespace that no controller owns. With <see cref="ListByOwnerUid"/> it
    /// gives a controller its candidates without walking the whole namespace on every sync.
    /// </summary>
    public IReadOnlyList<T> ListOrphansByNamespace(string @namespace) => ByIndex(OrphanIndex, @namespace);

    /// <summary>
    /// What a controller may claim: the objects it owns (by uid) in its namespace and that
    /// namespace's orphans. A sync then costs the owner's size, not the namespace's.
    /// </summary>
    public IEnumerable<T> ClaimCandidates(string ownerUid, string @namespace) =>
        ListByOwnerUid(ownerUid).Concat(ListOrphansByNamespace(@namespace)).Where(o => o.Metadata?.NamespaceProperty == @namespace);

    /// <summary>Objects the named index maps to <paramref name="value"/>.</summary>
    /// <exception cref="ArgumentException">No index has that name.</exception>
    public IReadOnlyList<T> ByIndex(string indexName, string value)
    {
        lock (_lock)
        {
            if (!_indexes.TryGetValue(indexName, out var index))
            {
                throw new ArgumentException($"index \"{indexName}\" does not exist", nameof(indexName));
            }

            return index.Entries.TryGetValue(value, out var keys) ? [.. keys.Select(k => _items[k])] : [];
        }
    }

    /// <summary>Adds a secondary index, built at once over the objects already cached.</summary>
    /// <exception cref="ArgumentException">An index with that name exists.</exception>
    public void AddIndexer(string indexName, Func<T, IEnumerable<string>> indexFunc)
    {
        ArgumentException.ThrowIfNullOrEmpty(indexName);
        ArgumentNullException.ThrowIfNull(indexFunc);
        lock (_lock)
        {
            if (_indexes.ContainsKey(indexName))
            {
                throw new ArgumentException($"index \"{indexName}\" already exists", nameof(indexName));
            }

            var index = new Index(indexFunc);
            foreach (var (key, obj) in _items)
            {
                index.Add(key, obj);
            }

            _indexes.Add(indexName, index);
        }
    }

    /// <summary>Stores an object; returns the one it replaced, if any.</summary>
    internal T? Upsert(T obj)
    {
        var key = ObjectKeys.KeyOf(obj);
        lock (_lock)
        {
            var old = _items.GetValueOrDefault(key);
            if (old is not null)
            {
                foreach (var index in _indexes.Values)
                {
                    index.Remove(key, old);
                }
            }

            _items[key] = obj;
            foreach (var index in _indexes.Values)
            {
                index.Add(key, obj);
            }

            return old;
        }
    }

    /// <summary>Removes an object by key; returns the removed one, if any.</summary>
    internal T? Remove(string key)
    {
        lock (_lock)
        {
            if (!_items.Remove(key, out var old))
            {
                return null;
            }

            foreach (var index in _indexes.Values)
            {
                index.Remove(key, old);
            }

            return old;
        }
    }

    private static IEnumerable<string> ControllerUid(T obj)
    {
        var owner = obj.Metadata?.OwnerReferences?.FirstOrDefault(r => r.Controller == true);
        return owner?.Uid is { Length: > 0 } uid ? [uid] : [];
    }

    private sealed class Index(Func<T, IEnumerable<string>> indexFunc)
    {
        public Dictionary<string, HashSet<string>> Entries { get; } = new(StringComparer.Ordinal);

        public void Add(string key, T obj)
        {
            foreach (var value in indexFunc(obj))
            {
                if (!Entries.TryGetValue(value, out var keys))
                {
                    keys = new HashSet<string>(StringComparer.Ordinal);
                    Entries.Add(value, keys);
                }

                keys.Add(key);
            }
        }

        public void Remove(string key, T obj)
        {
            foreach (var value in indexFunc(obj))
            {
                if (Entries.TryGetValue(value, out var keys) && keys.Remove(key) && keys.Count == 0)
                {
                    Entries.Remove(value);
                }
            }
        }
    }
}
