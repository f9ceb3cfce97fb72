using System.Text.Json.Nodes;

namespace Timonel.ApiServer.Registry;

/// <summary>
/// Upstream 1.33's API Priority and Fairness configuration (apis/flowcontrol/bootstrap): the
/// mandatory exempt and catch-all priority levels and flow schemas, and the suggested ones
/// (system, node-high, leader-election, workload-high, workload-low, global-default and the
/// flow schemas routing to them), with upstream's names, precedences, shares and queuing, so
/// that `kubectl get flowschemas` lists what upstream's does. Timonel stores them and does not
/// enforce them.
/// </summary>
internal static class FlowControlBootstrap
{
    private const string AutoUpdate = "apf.kubernetes.io/autoupdate-spec";
    private const string Masters = "system:masters";
    private const string Nodes = "system:nodes";
    private const string Authenticated = "system:authenticated";
    private const string Unauthenticated = "system:unauthenticated";
    private const string ControllerManager = "system:kube-controller-manager";
    private const string Scheduler = "system:kube-scheduler";

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
        yield return Queued("system", shares: 30, lendable: 33, queues: 64, handSize: 6);
        yield return Queued("node-high", shares: 40, lendable: 25, queues: 64, handSize: 6);
        yield return Queued("leader-election", shares: 10, lendable: 0, queues: 16, handSize: 4);
        yield return Queued("workload-high", shares: 40, lendable: 50, queues: 128, handSize: 6);
        yield return Queued("workload-low", shares: 100, lendable: 90, queues: 128, handSize: 6);
        yield return Queued("global-default", shares: 20, lendable: 50, queues: 128, handSize: 6);
    }

    public static IEnumerable<JsonObject> FlowSchemas()
    {
        JsonObject leases = ResourceRule(["get", "create", "update"], "coordination.k8s.io", ["leases"], clusterScope: false);
        // Mandatory.
        yield return Schema("exempt", "exempt", 1, null, Everything(Groups(Masters)));
        yield return Schema("catch-all", "catch-all", 10000, "ByUser", Everything(Groups(Unauthenticated, Authenticated)));
        // Suggested, by precedence.
        yield return Schema("probes", "exempt", 2, null, Rules(Groups(Unauthenticated, Authenticated), [], [new JsonObject
        {
            ["verbs"] = new JsonArray("get"),
            ["nonResourceURLs"] = new JsonArray("/healthz", "/readyz", "/livez"),
        }]));
        yield return Schema("system-leader-election", "leader-election", 100, "ByUser",
            Rules([.. Users(ControllerManager, Scheduler), KubeSystemServiceAccounts()], [leases], []));
        yield return Schema("endpoint-controller", "workload-high", 150, "ByUser",
            Rules([.. Users(ControllerManager), KubeSystemServiceAccounts("endpoint-controller")], [ResourceRule(["get", "create", "update"], "", ["endpoints"], clusterScope: false)], []));
        yield return Schema("workload-leader-election", "leader-election", 200, "ByUser", Rules([KubeSystemServiceAccounts()], [leases.DeepClone().AsObject()], []));
        yield return Schema("system-node-high", "node-high", 400, "ByUser", Rules(Groups(Nodes),
            [ResourceRule(["*"], "", ["nodes", "nodes/status"], clusterScope: true), ResourceRule(["*"], "coordination.k8s.io", ["leases"], clusterScope: false)], []));
        yield return Schema("system-nodes", "system", 500, "ByUser", Everything(Groups(Nodes)));
        yield return Schema("kube-controller-manager", "workload-high", 800, "ByNamespace", Everything(Users(ControllerManager)));
        yield return Schema("kube-scheduler", "workload-high", 800, "ByNamespace", Everything(Users(Scheduler)));
        yield return Schema("kube-system-service-accounts", "workload-high", 900, "ByNamespace", Everything([KubeSystemServiceAccounts()]));
        yield return Schema("service-accounts", "workload-low", 9000, "ByUser", Everything(Groups("system:serviceaccounts")));
        yield return Schema("global-default", "global-default", 9900, "ByUser", Everything(Groups(Unauthenticated, Authenticated)));
    }

    private static JsonObject Queued(string name, int shares, int lendable, int queues, int handSize) => Named(name, new JsonObject
    {
        ["type"] = "Limited",
        ["limited"] = new JsonObject
        {
            ["nominalConcurrencyShares"] = shares,
            ["lendablePercent"] = lendable,
            ["limitResponse"] = new JsonObject
            {
                ["type"] = "Queue",
                ["queuing"] = new JsonObject { ["queues"] = queues, ["handSize"] = handSize, ["queueLengthLimit"] = 50 },
            },
        },
    });

    private static JsonObject Schema(string name, string level, int precedence, string? distinguisher, JsonObject rules)
    {
        var spec = new JsonObject
        {
            ["priorityLevelConfiguration"] = new JsonObject { ["name"] = level },
            ["matchingPrecedence"] = precedence,
        };
        if (distinguisher is not null)
        {
            spec["distinguisherMethod"] = new JsonObject { ["type"] = distinguisher };
        }

        spec["rules"] = new JsonArray(rules);
        return Named(name, spec);
    }

    private static JsonObject Named(string name, JsonObject spec) => new()
    {
        ["metadata"] = new JsonObject { ["name"] = name, ["annotations"] = new JsonObject { [AutoUpdate] = "true" } },
        ["spec"] = spec,
    };

    /// <summary>Every verb on every resource and URL, for <paramref name="subjects"/>.</summary>
    private static JsonObject Everything(JsonObject[] subjects) => Rules(subjects,
        [new JsonObject
        {
            ["verbs"] = new JsonArray("*"),
            ["apiGroups"] = new JsonArray("*"),
            ["resources"] = new JsonArray("*"),
            ["clusterScope"] = true,
            ["namespaces"] = new JsonArray("*"),
        }],
        [new JsonObject { ["verbs"] = new JsonArray("*"), ["nonResourceURLs"] = new JsonArray("*") }]);

    private static JsonObject Rules(JsonObject[] subjects, JsonObject[] resourceRules, JsonObject[] nonResourceRules)
    {
        var rules = new JsonObject { ["subjects"] = new JsonArray([.. subjects]) };
        if (resourceRules.Length > 0)
        {
            rules["resourceRules"] = new JsonArray([.. resourceRules]);
        }

        if (nonResourceRules.Length > 0)
        {
            rules["nonResourceRules"] = new JsonArray([.. nonResourceRules]);
        }

        return rules;
    }

    /// <summary>Verbs on resources of one group in every namespace, and cluster-wide when <paramref name="clusterScope"/>.</summary>
    private static JsonObject ResourceRule(string[] verbs, string group, string[] resources, bool clusterScope)
    {
        var rule = new JsonObject
        {
            ["verbs"] = new JsonArray([.. verbs.Select(v => (JsonNode?)v)]),
            ["apiGroups"] = new JsonArray(group),
            ["resources"] = new JsonArray([.. resources.Select(r => (JsonNode?)r)]),
        };
        if (clusterScope)
        {
            rule["clusterScope"] = true;
        }
        else
        {
            rule["namespaces"] = new JsonArray("*");
        }

        return rule;
    }

    private static JsonObject[] Groups(params string[] names) =>
        [.. names.Select(n => new JsonObject { ["kind"] = "Group", ["group"] = new JsonObject { ["name"] = n } })];

    private static JsonObject[] Users(params string[] names) =>
        [.. names.Select(n => new JsonObject { ["kind"] = "User", ["user"] = new JsonObject { ["name"] = n } })];

    private static JsonObject KubeSystemServiceAccounts(string name = "*") =>
        new() { ["kind"] = "ServiceAccount", ["serviceAccount"] = new JsonObject { ["namespace"] = "kube-system", ["name"] = name } };
}
