namespace Timonel.ApiServer.Registry.Rbac;

/// <summary>
/// A bootstrap Role or ClusterRole as data: its rules, the labels it carries beyond the
/// bootstrapping one, and for an aggregated ClusterRole the labels whose roles it gathers
/// (one clusterRoleSelector of matchLabels {label: "true"} each).
/// </summary>
internal sealed record RoleDefinition(string Name, params PolicyRule[] Rules)
{
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();

    public IReadOnlyList<string> AggregateFrom { get; init; } = [];

    /// <summary>Marks the role as gathered into the aggregated role whose selector is <paramref name="label"/>.</summary>
    public RoleDefinition AggregatedTo(string label) => this with { Labels = new Dictionary<string, string>(Labels) { [label] = "true" } };
}

/// <summary>A bootstrap RoleBinding or ClusterRoleBinding as data.</summary>
internal sealed record BindingDefinition(string Name, string RoleKind, string RoleName, params SubjectDefinition[] Subjects);

/// <summary>One subject of a bootstrap binding.</summary>
internal sealed record SubjectDefinition(string Kind, string Name, string? Namespace = null)
{
    public static SubjectDefinition User(string name) => new("User", name);

    public static SubjectDefinition Group(string name) => new("Group", name);

    public static SubjectDefinition ServiceAccount(string ns, string name) => new("ServiceAccount", name, ns);
}
