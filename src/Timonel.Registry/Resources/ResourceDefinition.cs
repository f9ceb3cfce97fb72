using Timonel.Api.Selectors;
using Timonel.Registry.Discovery;
using Timonel.Registry.Selectors;
using Timonel.Registry.Strategies;
using Timonel.Registry.Tables;

namespace Timonel.Registry.Resources;

/// <summary>
/// Everything that makes one resource, in one place (upstream's genericregistry.Store plus its
/// APIResource entry): its names, scope and versions, the model type, the write strategy (which
/// includes the status strategy), the table convertor, the selectable fields, the subresources
/// and how each is served, how deletion proceeds and where objects are stored. Discovery,
/// OpenAPI, tables, field selectors, routing and the informer kinds all read definitions from a
/// <see cref="ResourceCatalog"/>; nothing else names a resource. Immutable once built.
/// </summary>
public sealed class ResourceDefinition
{
    private static readonly IReadOnlyList<string> StoredVerbs = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];
    private static readonly IReadOnlyList<string> ReadOnlyVerbs = ["get", "list"];
    private static readonly IReadOnlyList<string> CreateOnlyVerbs = ["create"];

    private readonly string? _storagePrefix;
    private IResourceStrategy? _strategy;
    private IReadOnlyList<ApiResource>? _served;
    private IReadOnlyList<string>? _subresourceNames;

    /// <param name="group">"" for the core group.</param>
    /// <param name="kind">"Pod".</param>
    /// <param name="plural">"pods": the REST path segment.</param>
    /// <param name="namespaced">Scope: true for Namespaced, false for Cluster.</param>
    /// <param name="modelType">The KubernetesClient model of the kind in its storage version (its shape drives pruning, patches and OpenAPI).</param>
    /// <param name="versions">At least one; exactly one is the storage version.</param>
    public ResourceDefinition(string group, string kind, string plural, bool namespaced, Type modelType, IReadOnlyList<ResourceVersion> versions)
    {
        ArgumentNullException.ThrowIfNull(group);
        ArgumentException.ThrowIfNullOrEmpty(kind);
        ArgumentException.ThrowIfNullOrEmpty(plural);
        ArgumentNullException.ThrowIfNull(modelType);
        ArgumentNullException.ThrowIfNull(versions);
        if (versions.Count(v => v.Storage) != 1)
        {
            throw new ArgumentException($"{plural}.{group}: exactly one version must be the storage version", nameof(versions));
        }

        Group = group;
        Kind = kind;
        Plural = plural;
        Namespaced = namespaced;
        ModelType = modelType;
        Versions = versions;
        Singular = kind.ToLowerInvariant();
    }

    /// <summary>A definition served and stored in one version.</summary>
    public ResourceDefinition(string group, string version, string kind, string plural, bool namespaced, Type modelType)
        : this(group, kind, plural, namespaced, modelType, [new ResourceVersion(version, Served: true, Storage: true)])
    {
    }

    public string Group { get; }

    public string Kind { get; }

    public string Plural { get; }

    /// <summary>Lower-case kind unless set.</summary>
    public string Singular { get; init; }

    public bool Namespaced { get; }

    public Type ModelType { get; }

    public IReadOnlyList<ResourceVersion> Versions { get; }

    /// <summary>The version objects are written in.</summary>
    public string StorageVersion => Versions.Single(v => v.Storage).Name;

    /// <summary>Converts objects between <see cref="Versions"/>; identity (versions share a schema) unless set.</summary>
    public IVersionConverter Converter { get; init; } = IdentityConverter.Instance;

    /// <summary>The model type of <paramref name="version"/>: its own when it has one, else <see cref="ModelType"/>.</summary>
    public Type ModelTypeOf(string version) => Versions.FirstOrDefault(v => v.Name == version)?.ModelType ?? ModelType;

    public IReadOnlyList<string> ShortNames { get; init; } = [];

    public IReadOnlyList<string> Categories { get; init; } = [];

    /// <summary>Subresources in discovery, each with how it is served.</summary>
    public IReadOnlyList<SubresourceDefinition> Subresources { get; init; } = [];

    /// <summary>Create, update and status-update rules; a generic strategy (status kept on update when there is a status subresource) unless set.</summary>
    public IResourceStrategy Strategy
    {
        get => _strategy ??= new GenericStrategy(Namespaced, HasSubresource("status"));
        init => _strategy = value;
    }

    /// <summary>The `kubectl get` columns; NAME and AGE unless set.</summary>
    public ITableConvertor Table { get; init; } = TableConvertors.Default;

    /// <summary>Where a scale subresource reads and writes replicas (custom resources); spec.replicas, status.replicas and spec.selector unless set.</summary>
    public CustomResources.ScalePaths? ScalePaths { get; init; }

    /// <summary>Set for resources a CustomResourceDefinition defines: which one, and whether it is being deleted.</summary>
    public CustomResources.CustomResourceInfo? Custom { get; init; }

    /// <summary>Field selector labels; metadata.name and metadata.namespace unless set.</summary>
    internal SelectableFields Fields { get; init; } = SelectableFieldTable.Default;

    /// <summary>How requests for the resource are answered: stored objects unless set (reviews, bindings and componentstatuses are not stored).</summary>
    public ResourceHandler Handler { get; init; } = ResourceHandler.Store;

    /// <summary>True when objects of the resource are kept in the store (list, watch and informers apply).</summary>
    public bool IsStored => Handler == ResourceHandler.Store;

    /// <summary>The verbs discovery lists, as upstream's for the same kind of REST storage.</summary>
    public IReadOnlyList<string> Verbs => Handler switch
    {
        ResourceHandler.Store => StoredVerbs,
        ResourceHandler.ComponentStatus or ResourceHandler.Metrics => ReadOnlyVerbs,
        _ => CreateOnlyVerbs,
    };

    /// <summary>What a delete does before the object goes (grace periods, finalization).</summary>
    public DeletePolicy Deletion { get; init; } = DeletePolicy.Immediate;

    /// <summary>Storage key prefix ending in '/': /registry/&lt;group&gt;/&lt;plural&gt;/ unless set.</summary>
    public string StoragePrefix
    {
        get => _storagePrefix ?? $"/registry/{Group}/{Plural}/";
        init => _storagePrefix = value.EndsWith('/') ? value : value + "/";
    }

    /// <summary>"pods" or "deployments.apps": the name RBAC and error messages use.</summary>
    public string GroupResource => Group.Length == 0 ? Plural : $"{Plural}.{Group}";

    /// <summary>One entry per served version, in the order of <see cref="Versions"/>.</summary>
    public IReadOnlyList<ApiResource> Served => _served ??= Versions.Where(v => v.Served).Select(v => new ApiResource(this, v.Name)).ToList();

    /// <summary>The names of <see cref="Subresources"/>, in order.</summary>
    public IReadOnlyList<string> SubresourceNames => _subresourceNames ??= Subresources.Select(s => s.Name).ToList();

    public bool HasSubresource(string name) => Subresources.Any(s => s.Name == name);

    /// <summary>The subresource called <paramref name="name"/>, or null.</summary>
    public SubresourceDefinition? Subresource(string name) => Subresources.FirstOrDefault(s => s.Name == name);

    public override string ToString() => $"{GroupResource} ({Kind})";
}

/// <summary>
/// One version of a resource: whether it is served, whether objects are stored in it, and its
/// model type when its schema is not the definition's (<see cref="ResourceDefinition.ModelType"/>).
/// </summary>
/// <param name="Table">The version's own `kubectl get` columns (a custom resource's additionalPrinterColumns), else the definition's.</param>
public sealed record ResourceVersion(string Name, bool Served, bool Storage, Type? ModelType = null, ITableConvertor? Table = null)
{
    /// <summary>Sent as a Warning header with every request to this version (a deprecated custom resource version); null for none.</summary>
    public string? DeprecationWarning { get; init; }

    /// <summary>The version's own field selector labels (a custom resource's selectableFields), else the definition's.</summary>
    internal SelectableFields? Fields { get; init; }

    /// <summary>
    /// The version's own write rules (a custom resource version's schema, rules and status
    /// handling), else the definition's. A custom resource request is prepared, defaulted and
    /// validated in its own version before it is converted for storage, as upstream's per-version
    /// handlers do.
    /// </summary>
    public IResourceStrategy? Strategy { get; init; }

    /// <summary>The version's own subresources (a custom resource version's), else the definition's.</summary>
    public IReadOnlyList<SubresourceDefinition>? Subresources { get; init; }

    /// <summary>Where the version's scale subresource reads and writes replicas (a custom resource version's), else the definition's.</summary>
    public CustomResources.ScalePaths? ScalePaths { get; init; }
}

/// <summary>
/// How the API server answers requests for a resource. Everything but <see cref="Store"/> is
/// computed per request and never stored: only the verbs of <see cref="ResourceDefinition.Verbs"/>
/// are served, anything else is 405 as upstream.
/// </summary>
public enum ResourceHandler
{
    /// <summary>Objects kept in the store, with every REST verb.</summary>
    Store,

    /// <summary>POST of a Binding to the namespace's bindings: binds the pod named in metadata.name (BindingSubresource).</summary>
    Binding,

    /// <summary>GET and list of the control plane's health (scheduler, controller-manager, etcd-0).</summary>
    ComponentStatus,

    /// <summary>POST of a TokenReview: the server's authenticator judges spec.token.</summary>
    TokenReview,

    /// <summary>POST of a SelfSubjectReview: the caller's own user info.</summary>
    SelfSubjectReview,

    /// <summary>POST of a SubjectAccessReview: the server's authorizer judges spec's user and attributes.</summary>
    SubjectAccessReview,

    /// <summary>POST of a LocalSubjectAccessReview: as SubjectAccessReview, inside the path's namespace.</summary>
    LocalSubjectAccessReview,

    /// <summary>POST of a SelfSubjectAccessReview: the authorizer judges the caller.</summary>
    SelfSubjectAccessReview,

    /// <summary>POST of a SelfSubjectRulesReview: what the caller may do in spec.namespace, as the authorizer's rule resolver says.</summary>
    SelfSubjectRulesReview,

    /// <summary>GET and list of metrics.k8s.io NodeMetrics and PodMetrics, from the API server's metrics collector.</summary>
    Metrics,
}

/// <summary>How the API server serves a subresource.</summary>
public enum SubresourceHandler
{
    /// <summary>Listed in discovery; requests get 404 (no handler here).</summary>
    None,

    /// <summary>GET, PUT and PATCH through the strategy's status update.</summary>
    Status,

    /// <summary>GET, PUT and PATCH of autoscaling/v1 Scale (ScaleSubresource).</summary>
    Scale,

    /// <summary>POST of a Binding (BindingSubresource).</summary>
    Binding,

    /// <summary>POST of an Eviction (EvictionSubresource).</summary>
    Eviction,

    /// <summary>PUT replacing spec.finalizers only.</summary>
    Finalize,

    /// <summary>Streams to the node's kubelet (PodStreamEndpoint: log, exec, attach, portforward).</summary>
    NodeStream,

    /// <summary>Any method, forwarded with the path after "proxy" to the node's kubelet, the pod or a service endpoint (ProxySubresource).</summary>
    Proxy,

    /// <summary>GET, PUT and PATCH of a pod's container resources (pods/resize, <see cref="Strategies.PodResize"/>).</summary>
    Resize,

    /// <summary>POST of a TokenRequest (TokenRequestHandler, served by the authentication endpoint).</summary>
    Token,
}

/// <summary>A subresource of a definition: its name and handler; its discovery kind and verbs come from <see cref="SubresourceKind"/>.</summary>
public sealed record SubresourceDefinition(string Name, SubresourceHandler Handler)
{
    public SubresourceKind Kind => SubresourceKind.For(Name);
}
