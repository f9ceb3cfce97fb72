using System.Text.Json.Nodes;
using Timonel.Api.Validation;

namespace Timonel.Api.Quota;

/// <summary>
/// What one object counts against a ResourceQuota, by upstream's evaluators: object counts
/// ("pods", "count/deployments.apps"), compute resources of pods that are not terminal, storage
/// of claims, node ports and load balancers of Services.
/// </summary>
public static class QuotaUsage
{
    private static readonly Dictionary<string, string> LegacyCountNames = new(StringComparer.Ordinal)
    {
        ["pods"] = "pods",
        ["services"] = "services",
        ["configmaps"] = "configmaps",
        ["secrets"] = "secrets",
        ["persistentvolumeclaims"] = "persistentvolumeclaims",
        ["replicationcontrollers"] = "replicationcontrollers",
        ["resourcequotas"] = "resourcequotas",
    };

    /// <summary>"count/deployments.apps", or "count/pods" for the core group.</summary>
    public static string CountName(string group, string plural) => group.Length == 0 ? $"count/{plural}" : $"count/{plural}.{group}";

    public static ResourceAmounts For(string group, string plural, JsonObject obj)
    {
        var usage = new ResourceAmounts();
        if (group.Length == 0 && plural == "pods" && IsTerminal(obj))
        {
            // Finished pods hold nothing (upstream's pod evaluator).
            return usage;
        }

        usage.Set(CountName(group, plural), 1);
        if (group.Length == 0 && LegacyCountNames.TryGetValue(plural, out var legacy))
        {
            usage.Set(legacy, 1);
        }

        if (group.Length != 0)
        {
            return usage;
        }

        switch (plural)
        {
            case "pods":
                AddPod(usage, obj);
                break;
            case "services":
                AddService(usage, obj);
                break;
            case "persistentvolumeclaims":
                if (Quantity.TryParse(JsonAccess.Scalar(obj.Obj("spec").Obj("resources").Obj("requests")?["storage"]), out var storage))
                {
                    usage.Set("requests.storage", storage, true);
                }

                break;
        }

        return usage;
    }

    public static bool IsTerminal(JsonObject pod) => pod.Obj("status").Str("phase") is "Succeeded" or "Failed";

    private static void AddPod(ResourceAmounts usage, JsonObject pod)
    {
        var requests = PodResources.Requests(pod);
        var limits = PodResources.Limits(pod);
        foreach (var name in requests.Names)
        {
            usage.Set($"requests.{name}", requests[name], IsBinaryName(name));
            if (name is "cpu" or "memory" or "ephemeral-storage")
            {
                usage.Set(name, requests[name], IsBinaryName(name));
            }
        }

        foreach (var name in limits.Names)
        {
            usage.Set($"limits.{name}", limits[name], IsBinaryName(name));
        }
    }

    private static void AddService(ResourceAmounts usage, JsonObject svc)
    {
        var type = svc.Obj("spec").Str("type") ?? "ClusterIP";
        if (type is "NodePort" or "LoadBalancer")
        {
            usage.Set("services.nodeports", svc.Obj("spec").Arr("ports")?.Count ?? 0);
        }

        if (type == "LoadBalancer")
        {
            usage.Set("services.loadbalancers", 1);
        }
    }

    private static bool IsBinaryName(string name) => name is "memory" or "ephemeral-storage" or "storage" || name.StartsWith("hugepages-", StringComparison.Ordinal);

    /// <summary>The pod's quota scopes that apply (Terminating, NotTerminating, BestEffort, NotBestEffort).</summary>
    public static bool MatchesScopes(JsonObject quota, string group, string plural, JsonObject obj)
    {
        var scopes = quota.Obj("spec").Arr("scopes").Strings().Select(s => s.Value).ToList();
        if (scopes.Count == 0)
        {
            return true;
        }

        if (group.Length != 0 || plural != "pods")
        {
            // Scopes only select pods; any other object falls outside a scoped quota.
            return false;
        }

        var terminating = obj.Obj("spec").Int("activeDeadlineSeconds") is not null;
        var bestEffort = PodResources.Requests(obj).Count == 0 && PodResources.Limits(obj).Count == 0;
        return scopes.All(scope => scope switch
        {
            "Terminating" => terminating,
            "NotTerminating" => !terminating,
            "BestEffort" => bestEffort,
            "NotBestEffort" => !bestEffort,
            _ => true,
        });
    }
}
