using System.Text.Json.Nodes;
using Timonel.Api.Validation;

namespace Timonel.Registry.Strategies;

/// <summary>A pod's quality-of-service class from its containers' cpu and memory requests and limits (upstream's GetPodQOS).</summary>
public static class PodQos
{
    private static readonly string[] Compute = ["cpu", "memory"];

    public static string Classify(JsonObject? spec)
    {
        var containers = new[] { "initContainers", "containers" }.SelectMany(l => spec.Arr(l).Objects()).Select(x => x.Item).ToList();
        var anySet = false;
        var guaranteed = containers.Count > 0;
        foreach (var c in containers)
        {
            var requests = c.Obj("resources").Obj("requests");
            var limits = c.Obj("resources").Obj("limits");
            foreach (var name in Compute)
            {
                var hasLimit = Quantity.TryParse(JsonAccess.Scalar(limits?[name]), out var limit);
                var hasRequest = Quantity.TryParse(JsonAccess.Scalar(requests?[name]), out var request);
                if (!hasRequest && hasLimit)
                {
                    // Requests default to limits for pods.
                    (hasRequest, request) = (true, limit);
                }
                anySet |= (hasRequest && request != 0) || (hasLimit && limit != 0);
                if (!hasLimit || !hasRequest || request != limit)
                {
                    guaranteed = false;
                }
            }
        }
        return !anySet ? "BestEffort" : guaranteed ? "Guaranteed" : "Burstable";
    }
}
