namespace Timonel.Api.Resources;

/// <summary>One served resource: its REST names, its model type and the subresources it has.</summary>
public sealed record ApiResource(
    string Group,
    string Version,
    string Kind,
    string Plural,
    string Singular,
    bool Namespaced,
    Type ModelType,
    IReadOnlyList<string> ShortNames,
    IReadOnlyList<string> Categories,
    IReadOnlyList<string> Subresources)
{
    /// <summary>"v1" for the core group, else "group/version".</summary>
    public string ApiVersion => Group.Length == 0 ? Version : $"{Group}/{Version}";

    /// <summary>The list kind, e.g. "PodList".</summary>
    public string ListKind => Kind + "List";

    /// <summary>"pods" or "deployments.apps": the name RBAC and error messages use.</summary>
    public string GroupResource => Group.Length == 0 ? Plural : $"{Plural}.{Group}";

    public bool HasStatus => Subresources.Contains("status");

    public bool HasScale => Subresources.Contains("scale");

    /// <summary>The storage key prefix for this resource (ending in '/'), upstream's /registry/&lt;resource&gt;/ layout.</summary>
    public string KeyPrefix => Group is "" or "apps" or "batch" or "policy" or "autoscaling" or "coordination.k8s.io" or "rbac.authorization.k8s.io" or "scheduling.k8s.io" or "storage.k8s.io" or "networking.k8s.io" or "discovery.k8s.io"
        ? $"/registry/{StorageResourceName}/"
        : $"/registry/{Group}/{Plural}/";

    // Upstream stores a few resources under historical names; etcdctl users expect those.
    private string StorageResourceName => (Group, Plural) switch
    {
        ("", "nodes") => "minions",
        ("", "services") => "services/specs",
        ("events.k8s.io", "events") => "events",
        ("networking.k8s.io", "ingresses") => "ingress",
        ("discovery.k8s.io", "endpointslices") => "endpointslices",
        ("autoscaling", "horizontalpodautoscalers") => "horizontalpodautoscalers",
        _ => Plural,
    };

    /// <summary>The storage key of one object.</summary>
    public string KeyFor(string? @namespace, string name) =>
        Namespaced ? $"{KeyPrefix}{@namespace}/{name}" : $"{KeyPrefix}{name}";

    /// <summary>The storage prefix of every object in a namespace (or all of them when null).</summary>
    public string PrefixFor(string? @namespace) =>
        Namespaced && !string.IsNullOrEmpty(@namespace) ? $"{KeyPrefix}{@namespace}/" : KeyPrefix;
}
