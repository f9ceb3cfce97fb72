using System.Text.Json.Nodes;

namespace Timonel.ApiServer.Registry.Rbac;

/// <summary>
/// Upstream 1.33's RBAC bootstrap policy, plus Timonel's own roles for its own components
/// (<see cref="TimonelRoles"/>), as the objects the server stores: every role and binding
/// carries the label kubernetes.io/bootstrapping=rbac-defaults and the annotation
/// rbac.authorization.kubernetes.io/autoupdate=true (set it to "false" to keep the server from
/// reconciling an object at start).
/// </summary>
internal static class BootstrapPolicy
{
    public const string BootstrappingLabel = "kubernetes.io/bootstrapping";
    public const string BootstrappingValue = "rbac-defaults";
    public const string AutoUpdateAnnotation = "rbac.authorization.kubernetes.io/autoupdate";
    public const string RbacGroup = "rbac.authorization.k8s.io";

    public static IEnumerable<JsonObject> ClusterRoles() =>
        UserFacingRoles.All()
            .Concat(SystemRoles.All())
            .Concat(ComponentRoles.All())
            .Concat(CertificateRoles.All())
            .Concat(ControllerRoles.All().Select(c => new RoleDefinition(ControllerRoles.Prefix + c.Name, c.Rules)))
            .Concat(TimonelRoles.Roles())
            .Concat(NodeBootstrapPolicy.ClusterRoles())
            .Select(r => Role(r, null));

    public static IEnumerable<JsonObject> ClusterRoleBindings() => ClusterBindings.All().Concat(TimonelRoles.Bindings()).Concat(NodeBootstrapPolicy.ClusterRoleBindings()).Select(b => Binding(b, null));

    public static IEnumerable<JsonObject> Roles() => NamespaceRoles.Roles().Concat(NodeBootstrapPolicy.Roles()).Select(r => Role(r.Role, r.Namespace));

    public static IEnumerable<JsonObject> RoleBindings() => NamespaceRoles.Bindings().Concat(NodeBootstrapPolicy.RoleBindings()).Select(b => Binding(b.Binding, b.Namespace));

    private static JsonObject Role(RoleDefinition role, string? ns)
    {
        var obj = new JsonObject { ["metadata"] = Metadata(role.Name, ns, role.Labels) };
        if (role.AggregateFrom.Count > 0)
        {
            obj["aggregationRule"] = new JsonObject
            {
                ["clusterRoleSelectors"] = new JsonArray([.. role.AggregateFrom.Select(label => (JsonNode?)new JsonObject
                {
                    ["matchLabels"] = new JsonObject { [label] = "true" },
                })]),
            };
        }

        if (role.Rules.Length > 0)
        {
            obj["rules"] = new JsonArray([.. role.Rules.Select(r => (JsonNode?)r.ToJson())]);
        }

        return obj;
    }

    private static JsonObject Binding(BindingDefinition binding, string? ns)
    {
        var obj = new JsonObject
        {
            ["metadata"] = Metadata(binding.Name, ns, new Dictionary<string, string>()),
            ["roleRef"] = new JsonObject { ["apiGroup"] = RbacGroup, ["kind"] = binding.RoleKind, ["name"] = binding.RoleName },
        };
        if (binding.Subjects.Length > 0)
        {
            obj["subjects"] = new JsonArray([.. binding.Subjects.Select(s => (JsonNode?)Subject(s))]);
        }

        return obj;
    }

    private static JsonObject Subject(SubjectDefinition subject)
    {
        var obj = new JsonObject { ["kind"] = subject.Kind };
        if (subject.Kind != "ServiceAccount")
        {
            obj["apiGroup"] = RbacGroup;
        }

        obj["name"] = subject.Name;
        if (subject.Namespace is not null)
        {
            obj["namespace"] = subject.Namespace;
        }

        return obj;
    }

    private static JsonObject Metadata(string name, string? ns, IReadOnlyDictionary<string, string> extraLabels)
    {
        var labels = new JsonObject { [BootstrappingLabel] = BootstrappingValue };
        foreach (var (key, value) in extraLabels)
        {
            labels[key] = value;
        }

        var meta = new JsonObject { ["name"] = name };
        if (ns is not null)
        {
            meta["namespace"] = ns;
        }

        meta["labels"] = labels;
        meta["annotations"] = new JsonObject { [AutoUpdateAnnotation] = "true" };
        return meta;
    }
}
