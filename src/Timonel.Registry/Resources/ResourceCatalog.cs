namespace Timonel.Registry.Resources;

/// <summary>
/// The registry of resource definitions: the only list of what the server serves. Readers see
/// an immutable snapshot (no locks on the request path); <see cref="Add"/> and
/// <see cref="Remove"/> build a new snapshot, swap it in, bump <see cref="Revision"/> and raise
/// <see cref="Changed"/> after the swap, so a handler reading the catalog sees the change.
/// Documents built from the catalog (discovery, OpenAPI) compare <see cref="Revision"/> to know
/// when to rebuild.
/// </summary>
public sealed class ResourceCatalog
{
    private readonly object _writeLock = new();
    private readonly bool _readOnly;
    private Snapshot _current;

    /// <summary>A catalog of <paramref name="definitions"/> that may change at run time.</summary>
    public ResourceCatalog(IEnumerable<ResourceDefinition> definitions)
        : this(definitions, readOnly: false)
    {
    }

    private ResourceCatalog(IEnumerable<ResourceDefinition> definitions, bool readOnly)
    {
        _current = new Snapshot(definitions.ToList(), 0);
        _readOnly = readOnly;
    }

    /// <summary>
    /// The built-in resources, for clients and tools that need resource names without a server.
    /// It never changes: a server builds its own catalog (<see cref="CreateBuiltIn"/>) to add to.
    /// </summary>
    public static ResourceCatalog Default { get; } = new(BuiltInResources.Definitions(), readOnly: true);

    /// <summary>Raised after a definition was added or removed, with the new revision.</summary>
    public event EventHandler<ResourceCatalogChangedEventArgs>? Changed;

    /// <summary>A changeable catalog of the built-in resources (one per API server).</summary>
    public static ResourceCatalog CreateBuiltIn() => new(BuiltInResources.Definitions());

    /// <summary>Bumped by every change; 0 for the catalog as constructed.</summary>
    public long Revision => Volatile.Read(ref _current).Revision;

    /// <summary>Every definition, in discovery order.</summary>
    public IReadOnlyList<ResourceDefinition> Definitions => Volatile.Read(ref _current).Definitions;

    /// <summary>Every served version of every resource, in discovery order (stored or not: reviews, bindings and componentstatuses are served, never stored).</summary>
    public IReadOnlyList<ApiResource> All => Volatile.Read(ref _current).All;

    /// <summary>The served versions of the resources whose objects are stored: what lists, watches, caches and informers can follow.</summary>
    public IReadOnlyList<ApiResource> Stored => Volatile.Read(ref _current).Stored;

    /// <summary>
    /// One served version per stored definition: its storage version when served, else its first served
    /// one. For clients of the registry that act on objects rather than on views (namespace
    /// deletion, garbage collection, quota counting): each object once, not once per version.
    /// </summary>
    public IEnumerable<ApiResource> Primary =>
        Definitions.Where(d => d.IsStored).Select(d => d.Served.FirstOrDefault(r => r.IsStorageVersion) ?? d.Served.FirstOrDefault()).OfType<ApiResource>();

    /// <summary>Group/versions in discovery order, e.g. ("", "v1"), ("apps", "v1").</summary>
    public IEnumerable<(string Group, string Version)> GroupVersions => All.Select(r => (r.Group, r.Version)).Distinct();

    public ApiResource? Find(string group, string version, string plural) =>
        Volatile.Read(ref _current).ByPath.TryGetValue((group, version, plural), out var r) ? r : null;

    public ApiResource? FindByKind(string group, string kind) =>
        Volatile.Read(ref _current).ByKind.TryGetValue((group, kind), out var r) ? r : null;

    /// <summary>The served resource whose model is <paramref name="modelType"/> (the first, when several share it), or null.</summary>
    public ApiResource? FindByModelType(Type modelType) => All.FirstOrDefault(r => r.ModelType == modelType);

    /// <summary>Adds a definition; throws when its group already serves its plural or kind in one of its versions.</summary>
    /// <exception cref="InvalidOperationException">The catalog is the read-only <see cref="Default"/>.</exception>
    /// <exception cref="ArgumentException">A served group/version/plural or group/kind is already taken.</exception>
    public void Add(ResourceDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        Snapshot next;
        lock (_writeLock)
        {
            ThrowIfReadOnly();
            var current = _current;
            foreach (var served in definition.Served)
            {
                if (current.ByPath.ContainsKey((served.Group, served.Version, served.Plural)))
                {
                    throw new ArgumentException($"{served.GroupResource} is already served in {served.ApiVersion}", nameof(definition));
                }
            }

            if (current.Definitions.Any(d => d.Group == definition.Group && (d.Kind == definition.Kind || d.Plural == definition.Plural)))
            {
                throw new ArgumentException($"group \"{definition.Group}\" already has a resource of kind {definition.Kind} or plural {definition.Plural}", nameof(definition));
            }

            next = new Snapshot([.. current.Definitions, definition], current.Revision + 1);
            Volatile.Write(ref _current, next);
        }

        Changed?.Invoke(this, new ResourceCatalogChangedEventArgs(next.Revision, definition, Added: true));
    }

    /// <summary>
    /// Swaps the definition of the same group and plural for <paramref name="definition"/> in one
    /// step (a changed CustomResourceDefinition), or adds it when there is none; raises
    /// <see cref="Changed"/> once.
    /// </summary>
    /// <exception cref="InvalidOperationException">The catalog is the read-only <see cref="Default"/>.</exception>
    /// <exception cref="ArgumentException">Another definition already serves one of its paths or its kind.</exception>
    public void Replace(ResourceDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        Snapshot next;
        lock (_writeLock)
        {
            ThrowIfReadOnly();
            var current = _current;
            var others = current.Definitions.Where(d => !(d.Group == definition.Group && d.Plural == definition.Plural)).ToList();
            if (others.Any(d => d.Group == definition.Group && d.Kind == definition.Kind))
            {
                throw new ArgumentException($"group \"{definition.Group}\" already has a resource of kind {definition.Kind}", nameof(definition));
            }

            var replaced = current.Definitions.ToList();
            var at = replaced.FindIndex(d => d.Group == definition.Group && d.Plural == definition.Plural);
            if (at < 0)
            {
                replaced.Add(definition);
            }
            else
            {
                replaced[at] = definition;
            }

            next = new Snapshot(replaced, current.Revision + 1);
            Volatile.Write(ref _current, next);
        }

        Changed?.Invoke(this, new ResourceCatalogChangedEventArgs(next.Revision, definition, Added: true));
    }

    /// <summary>Removes the definition of <paramref name="group"/>/<paramref name="plural"/>; false when there was none.</summary>
    /// <exception cref="InvalidOperationException">The catalog is the read-only <see cref="Default"/>.</exception>
    public bool Remove(string group, string plural)
    {
        Snapshot next;
        ResourceDefinition removed;
        lock (_writeLock)
        {
            ThrowIfReadOnly();
            var current = _current;
            var found = current.Definitions.FirstOrDefault(d => d.Group == group && d.Plural == plural);
            if (found is null)
            {
                return false;
            }

            removed = found;
            next = new Snapshot(current.Definitions.Where(d => !ReferenceEquals(d, found)).ToList(), current.Revision + 1);
            Volatile.Write(ref _current, next);
        }

        Changed?.Invoke(this, new ResourceCatalogChangedEventArgs(next.Revision, removed, Added: false));
        return true;
    }

    private void ThrowIfReadOnly()
    {
        if (_readOnly)
        {
            throw new InvalidOperationException("ResourceCatalog.Default never changes: add definitions to a server's own catalog (ResourceCatalog.CreateBuiltIn())");
        }
    }

    private sealed class Snapshot
    {
        public Snapshot(IReadOnlyList<ResourceDefinition> definitions, long revision)
        {
            Definitions = definitions;
            Revision = revision;
            All = definitions.SelectMany(d => d.Served).ToList();
            Stored = All.Where(r => r.Definition.IsStored).ToList();
            ByPath = All.ToDictionary(r => (r.Group, r.Version, r.Plural));
            ByKind = new();
            foreach (var r in All)
            {
                ByKind.TryAdd((r.Group, r.Kind), r);
            }
        }

        public IReadOnlyList<ResourceDefinition> Definitions { get; }

        public long Revision { get; }

        public IReadOnlyList<ApiResource> All { get; }

        public IReadOnlyList<ApiResource> Stored { get; }

        public Dictionary<(string Group, string Version, string Plural), ApiResource> ByPath { get; }

        public Dictionary<(string Group, string Kind), ApiResource> ByKind { get; }
    }
}

/// <summary>A definition added to or removed from a <see cref="ResourceCatalog"/>; <paramref name="Revision"/> is the catalog's new revision.</summary>
public sealed record ResourceCatalogChangedEventArgs(long Revision, ResourceDefinition Definition, bool Added);
