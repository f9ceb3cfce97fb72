using Timonel.Api.Errors;
using Timonel.Registry.Strategies;
using Xunit;
using static Timonel.Api.Tests.Strategies.StrategyHarness;

namespace Timonel.Api.Tests.Strategies;

public class RbacStrategyTests
{
    private readonly RoleStrategy _roles = new(namespaced: true);
    private readonly RoleStrategy _clusterRoles = new(namespaced: false);
    private readonly RoleBindingStrategy _bindings = new(namespaced: true);
    private readonly RoleBindingStrategy _clusterBindings = new(namespaced: false);

    [Fact]
    public void ClusterRole_ColonName_Valid()
    {
        Stored(_clusterRoles, """
            {"metadata":{"name":"system:controller:pod-reader"},
             "rules":[{"apiGroups":[""],"resources":["pods"],"verbs":["get","list","watch"]},{"nonResourceURLs":["/healthz"],"verbs":["get"]}]}
            """);
    }

    [Fact]
    public void Role_BadRules_AllReported()
    {
        var (_, errors) = Create(_roles, """
            {"metadata":{"name":"a/b","namespace":"default"},
             "rules":[{"resources":["pods"]},{"nonResourceURLs":["/metrics"],"verbs":["get"]}]}
            """);
        HasError(errors, FieldErrorType.Invalid, "metadata.name", "may not contain '/'");
        HasError(errors, FieldErrorType.Required, "rules[0].verbs", "verbs must contain at least one value");
        HasError(errors, FieldErrorType.Required, "rules[0].apiGroups", "resource rules must supply at least one api group");
        HasError(errors, FieldErrorType.Invalid, "rules[1].nonResourceURLs", "namespaced rules cannot apply to non-resource URLs");
    }

    private const string Binding = """
        {"metadata":{"name":"read-pods","namespace":"default"},
         "subjects":[{"kind":"User","name":"jane","apiGroup":"rbac.authorization.k8s.io"},{"kind":"ServiceAccount","name":"app"}],
         "roleRef":{"kind":"Role","name":"pod-reader","apiGroup":"rbac.authorization.k8s.io"}}
        """;

    [Fact]
    public void RoleBinding_Valid_RoleRefImmutable()
    {
        var old = Stored(_bindings, Binding);
        var (_, errors) = Update(_bindings, old, b => b["roleRef"]!["name"] = "other");
        HasError(errors, FieldErrorType.Invalid, "roleRef", "cannot change roleRef");
    }

    [Fact]
    public void ClusterRoleBinding_RoleKindAndMissingNamespace_Rejected()
    {
        var (_, errors) = Create(_clusterBindings, """
            {"metadata":{"name":"crb"},"subjects":[{"kind":"ServiceAccount","name":"app"},{"kind":"Robot","name":"r"}],
             "roleRef":{"kind":"Role","name":"","apiGroup":"rbac.authorization.k8s.io"}}
            """);
        HasError(errors, FieldErrorType.NotSupported, "roleRef.kind", "\"ClusterRole\"");
        HasError(errors, FieldErrorType.Required, "roleRef.name");
        HasError(errors, FieldErrorType.Required, "subjects[0].namespace");
        HasError(errors, FieldErrorType.NotSupported, "subjects[1].kind");
    }
}
