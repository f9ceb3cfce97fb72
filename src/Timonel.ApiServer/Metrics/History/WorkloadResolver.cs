using System.Text.Json.Nodes;
using Timonel.Api.Validation;

namespace Timonel.ApiServer.Metrics.History;

/// <summary>
/// Finds the workload a pod belongs to by following controller owner references, as VPA's
/// controller fetcher does: a pod's ReplicaSet leads to its Deployment and a pod's Job to its
/// CronJob when they have one; StatefulSets and DaemonSets own their pods directly; a pod no
/// controller owns (or whose owner is of another kind) is its own workload.
/// </summary>
internal static class WorkloadResolver
{
    /// <summary>The pod's workload; <paramref name="owners"/> holds the ReplicaSets and Jobs of the round by (namespace, kind, name).</summary>
    public static WorkloadRef Resolve(JsonObject pod, IReadOnlyDictionary<(string Namespace, string Kind, string Name), JsonObject> owners)
    {
        ArgumentNullException.ThrowIfNull(pod);
        ArgumentNullException.ThrowIfNull(owners);
        var ns = ObjectMetaAccess.Namespace(pod) ?? "";
        var self = new WorkloadRef(ns, "Pod", ObjectMetaAccess.Name(pod) ?? "");
        if (Controller(pod) is not { } owner)
        {
            return self;
        }

        switch (owner.Kind)
        {
            case "StatefulSet" or "DaemonSet":
                return new WorkloadRef(ns, owner.Kind, owner.Name);
            case "ReplicaSet" or "Job":
                // Its own owner, when that is the Deployment or CronJob that made it.
                var parentKind = owner.Kind == "ReplicaSet" ? "Deployment" : "CronJob";
                return owners.TryGetValue((ns, owner.Kind, owner.Name), out var middle) && Controller(middle) is { } parent && parent.Kind == parentKind
                    ? new WorkloadRef(ns, parentKind, parent.Name)
                    : new WorkloadRef(ns, owner.Kind, owner.Name);
            default:
                return self;
        }
    }

    /// <summary>The kinds whose objects <see cref="Resolve"/> needs to look up.</summary>
    public static bool NeedsOwner(JsonObject pod) => Controller(pod)?.Kind is "ReplicaSet" or "Job";

    private static (string Kind, string Name)? Controller(JsonObject obj)
    {
        foreach (var reference in (obj["metadata"]?["ownerReferences"] as JsonArray ?? []).OfType<JsonObject>())
        {
            if (reference["controller"] is JsonValue flag && flag.TryGetValue<bool>(out var isController) && isController
                && JsonAccess.AsString(reference["kind"]) is { } kind && JsonAccess.AsString(reference["name"]) is { } name)
            {
                return (kind, name);
            }
        }

        return null;
    }
}
