using k8s.Models;

namespace Timonel.Controllers.NodeLifecycle;

/// <summary>The taints the node lifecycle controller manages, and toleration matching as the scheduler does it.</summary>
internal static class Taints
{
    public const string NotReady = "node.kubernetes.io/not-ready";
    public const string Unreachable = "node.kubernetes.io/unreachable";
    public const string MemoryPressure = "node.kubernetes.io/memory-pressure";
    public const string DiskPressure = "node.kubernetes.io/disk-pressure";
    public const string PidPressure = "node.kubernetes.io/pid-pressure";
    public const string NetworkUnavailable = "node.kubernetes.io/network-unavailable";
    public const string Unschedulable = "node.kubernetes.io/unschedulable";

    public const string NoSchedule = "NoSchedule";
    public const string NoExecute = "NoExecute";

    private static readonly HashSet<string> NoScheduleKeys = [NotReady, Unreachable, MemoryPressure, DiskPressure, PidPressure, NetworkUnavailable, Unschedulable];
    private static readonly HashSet<string> NoExecuteKeys = [NotReady, Unreachable];

    /// <summary>True for a taint this controller owns (and so may add or remove).</summary>
    public static bool IsManaged(V1Taint taint) =>
        taint.Effect == NoSchedule ? NoScheduleKeys.Contains(taint.Key) : taint.Effect == NoExecute && NoExecuteKeys.Contains(taint.Key);

    /// <summary>
    /// The managed taints a node's conditions call for (upstream's TaintNodesByCondition plus the
    /// NoExecute taints of taint-based eviction): not-ready for Ready=False, unreachable for
    /// Ready=Unknown, one per pressure condition that is True, unschedulable for a cordoned node.
    /// </summary>
    public static List<(string Key, string Effect)> Desired(V1Node node)
    {
        var wanted = new List<(string, string)>();
        string? Status(string type) => node.Status?.Conditions?.FirstOrDefault(c => c.Type == type)?.Status;
        switch (Status("Ready"))
        {
            case "False":
                wanted.Add((NotReady, NoSchedule));
                wanted.Add((NotReady, NoExecute));
                break;
            case "Unknown":
                wanted.Add((Unreachable, NoSchedule));
                wanted.Add((Unreachable, NoExecute));
                break;
        }

        foreach (var (type, key) in new[] { ("MemoryPressure", MemoryPressure), ("DiskPressure", DiskPressure), ("PIDPressure", PidPressure), ("NetworkUnavailable", NetworkUnavailable) })
        {
            if (Status(type) == "True")
            {
                wanted.Add((key, NoSchedule));
            }
        }

        if (node.Spec?.Unschedulable == true)
        {
            wanted.Add((Unschedulable, NoSchedule));
        }

        return wanted;
    }

    /// <summary>Whether a toleration matches a taint (key, operator Equal/Exists, value, effect).</summary>
    public static bool Tolerates(V1Toleration toleration, V1Taint taint)
    {
        if (!string.IsNullOrEmpty(toleration.Effect) && toleration.Effect != taint.Effect)
        {
            return false;
        }

        if (!string.IsNullOrEmpty(toleration.Key) && toleration.Key != taint.Key)
        {
            return false;
        }

        return toleration.OperatorProperty switch
        {
            "Exists" => true,
            null or "" or "Equal" => (toleration.Value ?? "") == (taint.Value ?? ""),
            _ => false,
        };
    }
}
