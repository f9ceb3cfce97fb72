using k8s;
using k8s.Models;
using Timonel.Controllers.ClusterRoleAggregation;
using Timonel.Testing;
using Xunit;

namespace Timonel.Controllers.Tests.ClusterRoleAggregation;

public sealed class ClusterRoleAggregationControllerTests : IAsyncLifetime
{
    private const string ToView = "rbac.authorization.k8s.io/aggregate-to-view";
    private ControllerHarness _harness = null!;

    private IKubernetes Client => _harness.Client;

    public async Task InitializeAsync() => _harness = await ControllerHarness.StartAsync(null, "clusterrole-aggregation");

    public async Task DisposeAsync() => await _harness.DisposeAsync();

    private static V1PolicyRule Rule(string group, string resource, params string[] verbs) =>
        new() { ApiGroups = [group], Resources = [resource], Verbs = verbs };

    private static V1ClusterRole Role(string name, IDictionary<string, string>? labels, params V1PolicyRule[] rules) =>
        new() { Metadata = new V1ObjectMeta { Name = name, Labels = labels }, Rules = rules };

    private static bool Has(V1ClusterRole role, V1PolicyRule rule) =>
        role.Rules?.Any(r => KubernetesJson.Serialize(r) == KubernetesJson.Serialize(rule)) == true;

    private Task<V1ClusterRole> WaitRoleAsync(string name, Func<V1ClusterRole, bool> condition, string what) =>
        Eventually.WaitAsync(
            async ct => await Client.RbacAuthorizationV1.ReadClusterRoleAsync(name, cancellationToken: ct) is { } r && condition(r) ? r : null,
            TimeSpan.FromSeconds(30), what);

    [Fact]
    public async Task LabelledRole_AddedThenDeleted_ViewEditAdminGainThenLoseItsRules()
    {
        var widgets = Rule("example.com", "widgets", "get", "list");
        // The bootstrap aggregate-to-view rules arrive first: the controller is running.
        await WaitRoleAsync("view", r => Has(r, Rule("discovery.k8s.io", "endpointslices", "get", "list", "watch")), "view aggregated from system:aggregate-to-view");
        Assert.False(Has(await Client.RbacAuthorizationV1.ReadClusterRoleAsync("view"), widgets));

        await Client.RbacAuthorizationV1.CreateClusterRoleAsync(Role("widget-viewer", new Dictionary<string, string> { [ToView] = "true" }, widgets));

        await WaitRoleAsync("view", r => Has(r, widgets), "view with the widget rule");
        // edit gathers view (labelled aggregate-to-edit), admin gathers edit.
        await WaitRoleAsync("edit", r => Has(r, widgets), "edit with the widget rule");
        await WaitRoleAsync("admin", r => Has(r, widgets), "admin with the widget rule");

        await Client.RbacAuthorizationV1.DeleteClusterRoleAsync("widget-viewer");

        await WaitRoleAsync("view", r => !Has(r, widgets), "view without the widget rule");
        var view = await WaitRoleAsync("view", r => Has(r, Rule("discovery.k8s.io", "endpointslices", "get", "list", "watch")), "view still with the bootstrap rules");
        Assert.False(Has(view, widgets));
        await WaitRoleAsync("admin", r => !Has(r, widgets), "admin without the widget rule");
    }

    [Fact]
    public async Task UserAggregate_LabelRemoved_RuleLeavesAggregate()
    {
        var rule = Rule("example.com", "gadgets", "get");
        await Client.RbacAuthorizationV1.CreateClusterRoleAsync(new V1ClusterRole
        {
            Metadata = new V1ObjectMeta { Name = "gadget-aggregate" },
            AggregationRule = new V1AggregationRule { ClusterRoleSelectors = [new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["gadgets"] = "yes" } }] },
        });
        await Client.RbacAuthorizationV1.CreateClusterRoleAsync(Role("gadget-reader", new Dictionary<string, string> { ["gadgets"] = "yes" }, rule));
        await WaitRoleAsync("gadget-aggregate", r => Has(r, rule), "aggregate with the gadget rule");

        var patch = new V1Patch("""{"metadata":{"labels":{"gadgets":null}}}""", V1Patch.PatchType.MergePatch);
        await Client.RbacAuthorizationV1.PatchClusterRoleAsync(patch, "gadget-reader");

        await WaitRoleAsync("gadget-aggregate", r => r.Rules is null || r.Rules.Count == 0, "aggregate without rules");
    }

    [Fact]
    public void AggregatedRules_OverlappingRoles_SelectorOrderThenNameOrderEachRuleOnce()
    {
        var aggregate = new V1ClusterRole
        {
            Metadata = new V1ObjectMeta { Name = "agg", Labels = new Dictionary<string, string> { ["a"] = "true" } },
            AggregationRule = new V1AggregationRule
            {
                ClusterRoleSelectors =
                [
                    new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["b"] = "true" } },
                    new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["a"] = "true" } },
                ],
            },
            Rules = [Rule("", "self", "get")],
        };
        var shared = Rule("", "pods", "get");
        V1ClusterRole[] roles =
        [
            aggregate,
            Role("z-a", new Dictionary<string, string> { ["a"] = "true" }, Rule("", "secrets", "get"), shared),
            Role("m-b", new Dictionary<string, string> { ["b"] = "true" }, shared, Rule("", "nodes", "get")),
            Role("c-b", new Dictionary<string, string> { ["b"] = "true" }, Rule("", "services", "get")),
            Role("unlabelled", null, Rule("", "configmaps", "get")),
        ];

        var rules = ClusterRoleAggregationController.AggregatedRules(aggregate, roles);

        Assert.Equal(["services", "pods", "nodes", "secrets"], rules.Select(r => r.Resources[0]));
    }

    [Fact]
    public void AggregatedRules_NothingMatches_Empty() =>
        Assert.Empty(ClusterRoleAggregationController.AggregatedRules(
            new V1ClusterRole
            {
                Metadata = new V1ObjectMeta { Name = "agg" },
                AggregationRule = new V1AggregationRule { ClusterRoleSelectors = [new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["x"] = "y" } }] },
            },
            [Role("other", null, Rule("", "pods", "get"))]));
}
