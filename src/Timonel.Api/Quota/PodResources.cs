using System.Text.Json.Nodes;
using Timonel.Api.Validation;

namespace Timonel.Api.Quota;

/// <summary>
/// A pod's effective requests or limits as upstream computes them: the sum over app containers
/// (plus restartable init containers, which keep running), against the largest single init
/// container, whichever is more, plus the pod overhead. A container resized in place counts the
/// larger of its spec and what it runs with (status.containerStatuses[].resources), or only the
/// latter while the resize is Infeasible, as upstream 1.33 (UseStatusResources).
/// </summary>
public static class PodResources
{
    public static ResourceAmounts Requests(JsonObject pod) => Compute(pod, "requests");

    public static ResourceAmounts Limits(JsonObject pod) => Compute(pod, "limits");

    private static ResourceAmounts Compute(JsonObject pod, string kind)
    {
        var spec = pod.Obj("spec");
        var running = Running(pod, kind);
        var infeasible = pod.Obj("status").Arr("conditions").Objects()
            .Any(c => c.Item.Str("type") == "PodResizePending" && c.Item.Str("status") == "True" && c.Item.Str("reason") == "Infeasible");
        ResourceAmounts Amounts(JsonObject container)
        {
            var desired = ResourceAmounts.FromJson(container.Obj("resources").Obj(kind));
            if (!running.TryGetValue(container.Str("name") ?? "", out var actual))
            {
                return desired;
            }

            if (infeasible)
            {
                return actual;
            }

            foreach (var name in actual.Names)
            {
                if (actual[name] > desired[name])
                {
                    desired.Set(name, actual[name], QuantityFormat.IsBinary(actual.FormatValue(name)));
                }
            }

            return desired;
        }

        var total = new ResourceAmounts();
        foreach (var (_, container) in spec.Arr("containers").Objects())
        {
            total.AddAll(Amounts(container));
        }

        // Sidecars (restartPolicy Always init containers) run beside the app containers.
        var sidecars = new ResourceAmounts();
        foreach (var (_, init) in spec.Arr("initContainers").Objects())
        {
            var amounts = ResourceAmounts.FromJson(init.Obj("resources").Obj(kind));
            if (init.Str("restartPolicy") == "Always")
            {
                amounts = Amounts(init);
                sidecars.AddAll(amounts);
                total.AddAll(amounts);
                continue;
            }

            // A plain init container runs with the sidecars started before it.
            foreach (var name in amounts.Names)
            {
                var peak = amounts[name] + sidecars[name];
                if (peak > total[name])
                {
                    total.Set(name, peak, QuantityFormat.IsBinary(JsonAccess.Scalar(init.Obj("resources").Obj(kind)?[name])));
                }
            }
        }

        total.AddAll(ResourceAmounts.FromJson(spec.Obj("overhead")));
        return total;
    }

    /// <summary>What each container runs with (its status's resources), by name; empty before the kubelet reported any.</summary>
    private static Dictionary<string, ResourceAmounts> Running(JsonObject pod, string kind)
    {
        var result = new Dictionary<string, ResourceAmounts>(StringComparer.Ordinal);
        foreach (var list in new[] { "containerStatuses", "initContainerStatuses" })
        {
            foreach (var (_, status) in pod.Obj("status").Arr(list).Objects())
            {
                if (status.Obj("resources") is { } resources && status.Str("name") is { } name)
                {
                    result.TryAdd(name, ResourceAmounts.FromJson(resources.Obj(kind)));
                }
            }
        }

        return result;
    }
}
