using System.Text.Json.Nodes;
using Timonel.Api.Validation;

namespace Timonel.Api.Quota;

/// <summary>
/// A pod's effective requests or limits as upstream computes them: the sum over app containers
/// (plus restartable init containers, which keep running), against the largest single init
/// container, whichever is more, plus the pod overhead.
/// </summary>
public static class PodResources
{
    public static ResourceAmounts Requests(JsonObject pod) => Compute(pod, "requests");

    public static ResourceAmounts Limits(JsonObject pod) => Compute(pod, "limits");

    private static ResourceAmounts Compute(JsonObject pod, string kind)
    {
        var spec = pod.Obj("spec");
        var total = new ResourceAmounts();
        foreach (var (_, container) in spec.Arr("containers").Objects())
        {
            total.AddAll(ResourceAmounts.FromJson(container.Obj("resources").Obj(kind)));
        }

        // Sidecars (restartPolicy Always init containers) run beside the app containers.
        var sidecars = new ResourceAmounts();
        foreach (var (_, init) in spec.Arr("initContainers").Objects())
        {
            var amounts = ResourceAmounts.FromJson(init.Obj("resources").Obj(kind));
            if (init.Str("restartPolicy") == "Always")
            {
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
}
