using System.Text.Json.Nodes;

namespace Timonel.ApiServer.Registry;

/// <summary>
/// Upstream's mandatory API Priority and Fairness configuration (apis/flowcontrol/bootstrap): the
/// exempt and catch-all priority levels and flow schemas every kube-apiserver keeps. Timonel
/// stores them and does not enforce them. Upstream's suggested objects (system, leader-election,
/// workload-high, …) are not created.
/// </summary>
internal static class FlowControlBootstrap
{
    private const string AutoUpdate = "apf.kubernetes.io/autoupdate-spec";

    public static IEnumerable<JsonObject> PriorityLevels()
    {
        yield return Named("exempt", new JsonObject
        {
            ["type"] = "Exempt",
            ["exempt"] = new JsonObject { ["nominalConcurrencyShares"] = 0, ["lendablePercent"] = 0 },
        });
        yield return Named("catch-all", new JsonObject
        {
            ["type"] = "Limited",
            ["limited"] = new JsonObject
            {
                ["nominalConcurrencyShares"] = 5,
                ["lendablePercent"] = 0,
                ["limitResponse"] = new JsonObject { ["type"] = "Reject" },
            },
        });
    }

    public static IEnumerable<JsonObject> FlowSchemas()
    {
        yield return Named("exempt", new JsonObject
        {
            ["priorityLevelConfiguration"] = new JsonObject { ["name"] = "exempt" },
            ["matchingPrecedence"] = 1,
            ["rules"] = new JsonArray(EverythingFor("system:masters")),
        });
        yield return Named("catch-all", new JsonObject
        {
            ["priorityLevelConfiguration"] = new JsonObject { ["name"] = "catch-all" },
            ["matchingPrecedence"] = 10000,
            ["distinguisherMethod"] = new JsonObject { ["type"] = "ByUser" },
            ["rules"] = new JsonArray(EverythingFor("system:unauthenticated", "system:authenticated")),
        });
    }

    private static JsonObject Named(string name, JsonObject spec) => new()
    {
        ["metadata"] = new JsonObject { ["name"] = name, ["annotations"] = new JsonObject { [AutoUpdate] = "true" } },
        ["spec"] = spec,
    };

    private static JsonObject EverythingFor(params string[] groups) => new()
    {
        ["subjects"] = new JsonArray([.. groups.Select(g => (JsonNode)new JsonObject { ["kind"] = "Group", ["group"] = new JsonObject { ["name"] = g } })]),
        ["resourceRules"] = new JsonArray(new JsonObject
        {
            ["verbs"] = new JsonArray("*"),
            ["apiGroups"] = new JsonArray("*"),
            ["resources"] = new JsonArray("*"),
            ["clusterScope"] = true,
            ["namespaces"] = new JsonArray("*"),
        }),
        ["nonResourceRules"] = new JsonArray(new JsonObject { ["verbs"] = new JsonArray("*"), ["nonResourceURLs"] = new JsonArray("*") }),
    };
}
