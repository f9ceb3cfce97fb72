using System.Text.Json.Nodes;
using Timonel.ApiServer.Tests.Api;
using Timonel.Testing;
using Xunit;

namespace Timonel.ApiServer.Tests.CustomResources;

/// <summary>
/// x-kubernetes-validations (CEL rules) of CRDs through the HTTP API: rules that do not compile
/// or cost too much refuse the CRD; custom resources violating a rule are refused with the rule's
/// message at its field path (fieldPath, reason, messageExpression, transition rules); nothing
/// is written either way. Gateway API's real CRDs install and answer a broken rule as upstream.
/// </summary>
public sealed class CustomResourceRuleTests(ApiServerFixture fx) : IClassFixture<ApiServerFixture>
{
    private static readonly string SharedCrds = Environment.GetEnvironmentVariable("TIMONEL_SHARED_CRDS") is { Length: > 0 } dir ? dir : "/work/shared/crds";
    private static int _groups;

    private static string NewGroup() => $"g{Interlocked.Increment(ref _groups)}.rules.example.com";

    private static JsonNode Rule(string rule, string? message = null, string? messageExpression = null, string? fieldPath = null, string? reason = null)
    {
        var r = new JsonObject { ["rule"] = rule };
        if (message is not null)
        {
            r["message"] = message;
        }

        if (messageExpression is not null)
        {
            r["messageExpression"] = messageExpression;
        }

        if (fieldPath is not null)
        {
            r["fieldPath"] = fieldPath;
        }

        if (reason is not null)
        {
            r["reason"] = reason;
        }

        return r;
    }

    /// <summary>A CRD whose spec has min/max replicas, an immutable name, a replicas limit and a list of ports, each with its rules.</summary>
    private static JsonObject RuleCrd(string group, params JsonNode[] specRules)
    {
        var crd = Crds.Crd(group, "widgets", "Widget");
        var version = (JsonObject)crd["spec"]!["versions"]![0]!;
        version.Remove("subresources");
        version.Remove("additionalPrinterColumns");
        version["schema"] = new JsonObject
        {
            ["openAPIV3Schema"] = new JsonObject
            {
                ["type"] = "object",
                ["properties"] = new JsonObject
                {
                    ["spec"] = new JsonObject
                    {
                        ["type"] = "object",
                        ["properties"] = new JsonObject
                        {
                            ["minReplicas"] = new JsonObject { ["type"] = "integer" },
                            ["maxReplicas"] = new JsonObject { ["type"] = "integer" },
                            ["replicas"] = new JsonObject { ["type"] = "integer" },
                            ["name"] = new JsonObject
                            {
                                ["type"] = "string",
                                ["x-kubernetes-validations"] = new JsonArray(Rule("self == oldSelf", "Value is immutable")),
                            },
                            ["ports"] = new JsonObject
                            {
                                ["type"] = "array",
                                ["maxItems"] = 4,
                                ["items"] = new JsonObject
                                {
                                    ["type"] = "object",
                                    ["properties"] = new JsonObject { ["port"] = new JsonObject { ["type"] = "integer" } },
                                    ["x-kubernetes-validations"] = new JsonArray(Rule("self.port > 0", "port must be positive")),
                                },
                            },
                            ["tags"] = new JsonObject { ["type"] = "array", ["items"] = new JsonObject { ["type"] = "string" } },
                        },
                        ["x-kubernetes-validations"] = new JsonArray(specRules),
                    },
                },
            },
        };
        return crd;
    }

    private static JsonObject Widget(string group, string name, JsonObject spec) => new()
    {
        ["apiVersion"] = $"{group}/v1",
        ["kind"] = "Widget",
        ["metadata"] = new JsonObject { ["name"] = name },
        ["spec"] = spec,
    };

    private async Task<(string Group, string Path)> WidgetsAsync(params JsonNode[] specRules)
    {
        var group = NewGroup();
        await Crds.EstablishAsync(fx.Client, RuleCrd(group, specRules));
        var ns = await fx.NamespaceAsync("rules");
        return (group, $"/apis/{group}/v1/namespaces/{ns}/widgets");
    }

    [Fact]
    public async Task Create_RuleOnSpecViolated_Returns422WithMessageAndStoresNothing()
    {
        var (group, path) = await WidgetsAsync(Rule("self.minReplicas <= self.maxReplicas", "minReplicas must be <= maxReplicas"));
        ApiAssert.Code(201, await fx.Client.PostAsync(path, Widget(group, "ok", new JsonObject { ["minReplicas"] = 1, ["maxReplicas"] = 3 })));

        var response = await ApiAssert.NoWriteAsync(fx, () => fx.Client.PostAsync(path, Widget(group, "bad", new JsonObject { ["minReplicas"] = 5, ["maxReplicas"] = 3 })));

        ApiAssert.Failure(response, 422, "Invalid", $"Widget.{group} \"bad\" is invalid: spec: Invalid value: \"object\": minReplicas must be <= maxReplicas");
        var cause = response.Body!["details"]!["causes"]![0]!;
        Assert.Equal("FieldValueInvalid", cause["reason"]!.GetValue<string>());
        Assert.Equal("spec", cause["field"]!.GetValue<string>());
        ApiAssert.Code(404, await fx.Client.GetAsync($"{path}/bad"));
    }

    [Fact]
    public async Task Create_RuleWithoutMessage_SaysFailedRule()
    {
        var (group, path) = await WidgetsAsync(Rule("self.minReplicas <= self.maxReplicas"));

        var response = await ApiAssert.NoWriteAsync(fx, () => fx.Client.PostAsync(path, Widget(group, "bad", new JsonObject { ["minReplicas"] = 5, ["maxReplicas"] = 3 })));

        ApiAssert.Failure(response, 422, "Invalid", "spec: Invalid value: \"object\": failed rule: self.minReplicas <= self.maxReplicas");
    }

    [Fact]
    public async Task Update_TransitionRuleImmutability_Returns422AndKeepsOldValue()
    {
        var (group, path) = await WidgetsAsync();
        var created = await fx.Client.PostAsync(path, Widget(group, "w", new JsonObject { ["name"] = "first" }));
        ApiAssert.Code(201, created);
        var same = await fx.Client.PatchAsync($"{path}/w", """{"spec":{"replicas":2}}""", ApiClient.MergePatch);
        ApiAssert.Code(200, same);

        var response = await ApiAssert.NoWriteAsync(fx, () => fx.Client.PatchAsync($"{path}/w", """{"spec":{"name":"second"}}""", ApiClient.MergePatch));

        ApiAssert.Failure(response, 422, "Invalid", "spec.name: Invalid value: \"string\": Value is immutable");
        Assert.Equal("first", (await fx.Client.GetAsync($"{path}/w")).Object["spec"]!["name"]!.GetValue<string>());
        var put = (await fx.Client.GetAsync($"{path}/w")).Object;
        put["spec"]!["name"] = "third";
        ApiAssert.Failure(await fx.Client.PutAsync($"{path}/w", put), 422, "Invalid", "spec.name: Invalid value: \"string\": Value is immutable");
    }

    [Fact]
    public async Task Create_MessageExpressionFieldPathAndReason_AreApplied()
    {
        var (group, path) = await WidgetsAsync(Rule("!has(self.replicas) || self.replicas < 10", messageExpression: "'replicas ' + string(self.replicas) + ' is too many'", fieldPath: ".replicas", reason: "FieldValueForbidden"));
        ApiAssert.Code(201, await fx.Client.PostAsync(path, Widget(group, "ok", new JsonObject { ["replicas"] = 9 })));

        var response = await ApiAssert.NoWriteAsync(fx, () => fx.Client.PostAsync(path, Widget(group, "bad", new JsonObject { ["replicas"] = 12 })));

        ApiAssert.Failure(response, 422, "Invalid", "spec.replicas: Forbidden: replicas 12 is too many");
        var cause = response.Body!["details"]!["causes"]![0]!;
        Assert.Equal("FieldValueForbidden", cause["reason"]!.GetValue<string>());
        Assert.Equal("spec.replicas", cause["field"]!.GetValue<string>());
    }

    [Fact]
    public async Task Create_RuleOnListItems_NamesEachFailingItem()
    {
        var (group, path) = await WidgetsAsync();
        var ports = new JsonArray(new JsonObject { ["port"] = 80 }, new JsonObject { ["port"] = 0 }, new JsonObject { ["port"] = -1 });

        var response = await ApiAssert.NoWriteAsync(fx, () => fx.Client.PostAsync(path, Widget(group, "bad", new JsonObject { ["ports"] = ports })));

        ApiAssert.Failure(response, 422, "Invalid", "spec.ports[1]: Invalid value: \"object\": port must be positive", "spec.ports[2]: Invalid value: \"object\": port must be positive");
        Assert.DoesNotContain("spec.ports[0]", response.Message, StringComparison.Ordinal);
        ApiAssert.Code(404, await fx.Client.GetAsync($"{path}/bad"));
    }

    public static TheoryData<string, JsonNode, string[]> BadRules => new()
    {
        { "syntax", Rule("self.minReplicas <="), ["spec.versions[0].schema.openAPIV3Schema.properties[spec].x-kubernetes-validations[0].rule: Invalid value: apiextensions.ValidationRule{Rule:\"self.minReplicas <=\"", "compilation failed: ERROR: <input>:1:", "Syntax error"] },
        { "undefined-field", Rule("self.nope == 1"), ["spec.versions[0].schema.openAPIV3Schema.properties[spec].x-kubernetes-validations[0].rule: Invalid value: ", "compilation failed: ERROR: <input>:1:5: undefined field 'nope'"] },
        { "message-expression-type", Rule("self.replicas > 0", messageExpression: "42"), ["spec.versions[0].schema.openAPIV3Schema.properties[spec].x-kubernetes-validations[0].messageExpression: Invalid value: ", "messageExpression must evaluate to a string"] },
        { "reason", Rule("self.replicas > 0", reason: "Bogus"), ["x-kubernetes-validations[0].reason: Unsupported value: \"Bogus\": supported values: \"FieldValueDuplicate\", \"FieldValueForbidden\", \"FieldValueInvalid\", \"FieldValueRequired\""] },
        { "field-path", Rule("self.replicas > 0", fieldPath: ".nope"), ["x-kubernetes-validations[0].fieldPath: Invalid value: \".nope\": fieldPath must be a valid path"] },
        { "cost", Rule("self.tags.all(x, self.tags.all(y, x == y))"), ["spec.versions[0].schema.openAPIV3Schema.properties[spec].x-kubernetes-validations[0].rule: Forbidden: estimated rule cost exceeds budget by factor of more than 100x (try simplifying the rule, or adding maxItems, maxProperties, and maxLength where arrays, maps, and strings are declared)"] },
    };

    [Theory]
    [MemberData(nameof(BadRules))]
    public async Task CreateCrd_BadRule_Returns422AndStoresNothing(string name, JsonNode rule, string[] fragments)
    {
        var group = $"{name}.badrules.example.com";
        var crd = RuleCrd(group, rule);

        var response = await ApiAssert.NoWriteAsync(fx, () => fx.Client.PostAsync(Crds.Path, crd));

        ApiAssert.Failure(response, 422, "Invalid", fragments);
        ApiAssert.Code(404, await fx.Client.GetAsync($"{Crds.Path}/widgets.{group}"));
    }

    [Fact]
    public async Task CreateCrd_NestedRuleOverBoundedList_IsAccepted()
    {
        var group = NewGroup();
        var crd = RuleCrd(group, Rule("self.tags.all(x, self.tags.all(y, x == y))"));
        crd["spec"]!["versions"]![0]!["schema"]!["openAPIV3Schema"]!["properties"]!["spec"]!["properties"]!["tags"]!["maxItems"] = 10;

        ApiAssert.Code(201, await fx.Client.PostAsync(Crds.Path, crd));
    }

    [Fact]
    public async Task GatewayApi_CrdsInstallExamplesValidateAndABrokenRuleIsRefused()
    {
        var kubectl = new KubectlRunner(KubectlRunner.Latest, fx.Host.KubeconfigPath, Directory.CreateTempSubdirectory("crd-rules-home-").FullName);
        var dir = Path.Combine(SharedCrds, "gateway-api");
        await OkAsync(kubectl, "create", "-f", dir);
        await OkAsync(kubectl, ["wait", "--for", "condition=established", "--timeout=30s",
            .. Directory.GetFiles(dir, "*.yaml").Select(f => "crd/" + Path.GetFileNameWithoutExtension(f).Split('_')[1] + ".gateway.networking.k8s.io")]);
        var ns = await fx.NamespaceAsync("gw-rules");
        await OkAsync(kubectl, "create", "-n", ns, "-f", Path.Combine(dir, "examples", "basic-http.yaml"));
        const string broken = """
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: broken}
            spec:
              parentRefs: [{name: my-gateway}]
              rules:
              - filters:
                - type: RequestRedirect
            """;

        var run = await kubectl.RunAsync(["create", "-n", ns, "-f", "-"], broken, TimeSpan.FromSeconds(60));

        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains("The HTTPRoute \"broken\" is invalid: spec.rules[0].filters[0]: Invalid value: \"object\": filter.requestRedirect must be specified for RequestRedirect filter.type", run.Stderr, StringComparison.Ordinal);
        var gone = await kubectl.RunAsync(["get", "-n", ns, "httproute", "broken"], null, TimeSpan.FromSeconds(60));
        Assert.Contains("NotFound", gone.Stderr, StringComparison.Ordinal);
    }

    private static async Task<KubectlRun> OkAsync(KubectlRunner kubectl, params string[] args)
    {
        var run = await kubectl.RunAsync(args, null, TimeSpan.FromSeconds(60));
        Assert.True(run.ExitCode == 0, $"kubectl {string.Join(' ', args)} failed ({run.ExitCode}):\n{run.Stdout}\n{run.Stderr}");
        return run;
    }
}
