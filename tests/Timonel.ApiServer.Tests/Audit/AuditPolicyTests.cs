using System.Text.Json.Nodes;
using Timonel.ApiServer.Audit;
using Timonel.ApiServer.Security;
using Xunit;

namespace Timonel.ApiServer.Tests.Audit;

/// <summary>audit.k8s.io/v1 Policy rules matched in order, as upstream's policy checker.</summary>
public sealed class AuditPolicyTests
{
    private static readonly UserInfo Jane = new("jane", ["devs", "system:authenticated"]);
    private static readonly UserInfo Node = new("system:node:a", ["system:nodes", "system:authenticated"]);

    private const string Policy = """
        apiVersion: audit.k8s.io/v1
        kind: Policy
        omitStages: ["RequestReceived"]
        rules:
        - level: None
          users: ["system:node:a"]
          verbs: ["get", "watch"]
        - level: Metadata
          resources:
          - group: ""
            resources: ["secrets", "configmaps"]
            resourceNames: ["kept"]
        - level: RequestResponse
          resources:
          - group: "apps"
            resources: ["*/scale"]
          - group: ""
            resources: ["pods/*"]
        - level: Request
          userGroups: ["devs"]
          namespaces: ["team"]
          omitStages: ["ResponseComplete"]
        - level: None
          nonResourceURLs: ["/healthz*", "/version"]
        - level: Metadata
        """;

    private static readonly AuditPolicy Parsed = AuditPolicyFile.Parse(Policy, "policy.yaml");

    [Theory]
    [InlineData("get", "", "v1", "pods", "", "team", "p", "None")]                 // node reading: first rule
    [InlineData("create", "", "v1", "configmaps", "", "team", "kept", "Metadata")]   // resourceNames match
    [InlineData("get", "apps", "v1", "deployments", "scale", "x", "d", "RequestResponse")]
    [InlineData("get", "", "v1", "pods", "log", "x", "p", "RequestResponse")]        // pods/* matches a subresource
    [InlineData("get", "", "v1", "pods", "", "x", "p", "RequestResponse")]           // ...and, as upstream's checker, pods itself
    [InlineData("get", "", "v1", "services", "", "x", "s", "Metadata")]              // the catch-all
    public void Evaluate_NodeResourceRequests_FirstMatchingRuleDecides(string verb, string group, string version, string resource, string subresource, string ns, string name, string expected)
    {
        var user = expected == "None" ? Node : Jane;
        var attributes = new RequestAttributes(user, verb, true, "/x", group, version, resource, subresource, ns, name);

        Assert.Equal(Enum.Parse<AuditLevel>(expected), Parsed.Evaluate(attributes, user).Level);
    }

    [Fact]
    public void Evaluate_ResourceNameNotListed_FallsThrough()
    {
        var attributes = new RequestAttributes(Jane, "create", true, "/x", "", "v1", "configmaps", "", "team", "other");

        var decision = Parsed.Evaluate(attributes, Jane);

        // The userGroups+namespaces rule: Request, with its own omitStages added to the policy's.
        Assert.Equal(AuditLevel.Request, decision.Level);
        Assert.False(decision.Writes(AuditStages.RequestReceived));
        Assert.False(decision.Writes(AuditStages.ResponseComplete));
        Assert.True(decision.Writes(AuditStages.Panic));
    }

    [Theory]
    [InlineData("/healthz", "None")]
    [InlineData("/healthz/etcd", "None")]
    [InlineData("/version", "None")]
    [InlineData("/versions", "Metadata")]
    public void Evaluate_NonResourceUrls_PrefixWildcardOnly(string path, string expected)
    {
        var attributes = new RequestAttributes(Jane, "get", false, path);

        Assert.Equal(Enum.Parse<AuditLevel>(expected), Parsed.Evaluate(attributes, Jane).Level);
    }

    [Fact]
    public void Evaluate_NoRuleMatches_None()
    {
        var policy = AuditPolicyFile.Parse("""{"apiVersion":"audit.k8s.io/v1","kind":"Policy","rules":[{"level":"Request","verbs":["create"]}]}""", "p.json");

        Assert.Equal(AuditLevel.None, policy.Evaluate(new RequestAttributes(Jane, "get", true, "/x", "", "v1", "pods"), Jane).Level);
        Assert.Equal(AuditLevel.Request, policy.Evaluate(new RequestAttributes(Jane, "create", true, "/x", "", "v1", "pods"), Jane).Level);
    }

    [Theory]
    [InlineData("apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Verbose\n", "rules[0].level: Unsupported value: \"Verbose\"")]
    [InlineData("apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- verbs: [get]\n", "rules[0].level: Required value")]
    [InlineData("apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: None\n  omitStages: [Sometimes]\n", "rules[0].omitStages[0]: Unsupported value: \"Sometimes\"")]
    [InlineData("apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: None\n  nonResourceURLs: [\"/a*b\"]\n", "wildcards '*' must be the final character")]
    [InlineData("apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: None\n  nonResourceURLs: [\"/a\"]\n  namespaces: [x]\n", "rules cannot apply to both regular resources and non-resource URLs")]
    [InlineData("apiVersion: audit.k8s.io/v1beta1\nkind: Policy\n", "use apiVersion: audit.k8s.io/v1, kind: Policy")]
    [InlineData("apiVersion: audit.k8s.io/v1\nkind: Policy\nrules: [\n", "not valid YAML or JSON")]
    public void Parse_InvalidPolicy_ArgumentExceptionNamingFileAndField(string text, string expected)
    {
        var error = Assert.Throws<ArgumentException>(() => AuditPolicyFile.Parse(text, "/etc/policy.yaml"));

        Assert.StartsWith("--audit-policy-file /etc/policy.yaml: ", error.Message, StringComparison.Ordinal);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void WithoutManagedFields_ObjectAndListItems_Removed()
    {
        var obj = JsonNode.Parse("""{"metadata":{"name":"a","managedFields":[{"manager":"m"}]},"items":[{"metadata":{"managedFields":[]}}]}""");

        var stripped = AuditBodies.WithoutManagedFields(obj)!;

        Assert.Null(stripped["metadata"]!["managedFields"]);
        Assert.Equal("a", (string?)stripped["metadata"]!["name"]);
        Assert.Null(stripped["items"]![0]!["metadata"]!["managedFields"]);
    }
}
