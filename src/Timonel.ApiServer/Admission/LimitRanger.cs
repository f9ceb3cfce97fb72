using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using Timonel.Api.Errors;
using Timonel.Api.Quota;
using Timonel.Api.Validation;
using Timonel.ApiServer.Registry;
using Timonel.Registry.Resources;
using Timonel.Storage;

namespace Timonel.ApiServer.Admission;

/// <summary>
/// Applies the namespace's LimitRanges to new pods and claims, as upstream's LimitRanger does:
/// containers without requests or limits get the Container defaults, then every container, the
/// pod as a whole and each claim must lie within min/max and the limit/request ratio.
/// Violations are a 403 naming each broken bound.
/// </summary>
internal sealed class LimitRanger(WatchedObjects limitRanges) : IMutatingAdmissionHook
{
    public bool AppliesTo(ApiResource resource) => resource.Group.Length == 0 && resource.Plural is "pods" or "persistentvolumeclaims";

    public async Task MutateCreateAsync(ApiResource resource, JsonObject obj, CancellationToken cancellationToken)
    {
        var ns = ObjectMetaAccess.Namespace(obj)!;
        if (limitRanges.NoneIn(ns))
        {
            return;
        }

        // From the cache, as upstream's plugin reads its lister (admission never scans the store).
        var ranges = await limitRanges.ListAsync(ns, cancellationToken).ConfigureAwait(false);
        if (ranges.Count == 0)
        {
            return;
        }

        var errors = new List<string>();
        foreach (var limitRange in ranges)
        {
            foreach (var (_, item) in limitRange.Obj("spec").Arr("limits").Objects())
            {
                switch (item.Str("type"))
                {
                    case "Container" when resource.Plural == "pods":
                        ApplyContainerDefaults(obj, item);
                        foreach (var container in Containers(obj))
                        {
                            CheckBounds(item, "Container", ResourceAmounts.FromJson(container.Obj("resources").Obj("requests")), ResourceAmounts.FromJson(container.Obj("resources").Obj("limits")), errors);
                        }

                        break;
                    case "Pod" when resource.Plural == "pods":
                        CheckBounds(item, "Pod", PodResources.Requests(obj), PodResources.Limits(obj), errors);
                        break;
                    case "PersistentVolumeClaim" when resource.Plural == "persistentvolumeclaims":
                        CheckBounds(item, "PersistentVolumeClaim", ResourceAmounts.FromJson(obj.Obj("spec").Obj("resources").Obj("requests")), ResourceAmounts.FromJson(obj.Obj("spec").Obj("resources").Obj("limits")), errors);
                        break;
                }
            }
        }

        if (errors.Count > 0)
        {
            var message = errors.Count == 1 ? errors[0] : $"[{string.Join(", ", errors)}]";
            throw new ApiException(HttpStatusCode.Forbidden, "Forbidden", $"{resource.GroupResource} \"{ObjectMetaAccess.Name(obj)}\" is forbidden: {message}",
                new StatusDetails(ObjectMetaAccess.Name(obj), resource.Group, resource.Plural, []));
        }
    }

    private static IEnumerable<JsonObject> Containers(JsonObject pod) =>
        pod.Obj("spec").Arr("initContainers").Objects().Concat(pod.Obj("spec").Arr("containers").Objects()).Select(c => c.Item);

    /// <summary>
    /// Missing limits take the item's default limit, missing requests its default request, with
    /// upstream's LimitRange defaulting per resource: default limit ← max; default request ←
    /// default limit, else min.
    /// </summary>
    private static void ApplyContainerDefaults(JsonObject pod, JsonObject item)
    {
        var defaultLimits = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
        Merge(defaultLimits, item.Obj("default"));
        Merge(defaultLimits, item.Obj("max"));
        var defaultRequests = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
        Merge(defaultRequests, item.Obj("defaultRequest"));
        foreach (var (name, value) in defaultLimits)
        {
            defaultRequests.TryAdd(name, value);
        }

        Merge(defaultRequests, item.Obj("min"));
        foreach (var container in Containers(pod))
        {
            var resources = container.Ensure("resources");
            foreach (var (name, value) in defaultLimits)
            {
                if (resources.Obj("limits")?[name] is null)
                {
                    resources.Ensure("limits")[name] = value?.DeepClone();
                }
            }

            foreach (var (name, value) in defaultRequests)
            {
                if (resources.Obj("requests")?[name] is null)
                {
                    resources.Ensure("requests")[name] = value?.DeepClone();
                }
            }
        }
    }

    private static void Merge(Dictionary<string, JsonNode?> into, JsonObject? list)
    {
        foreach (var (name, value) in list ?? [])
        {
            into.TryAdd(name, value);
        }
    }

    private static void CheckBounds(JsonObject item, string type, ResourceAmounts requests, ResourceAmounts limits, List<string> errors)
    {
        var min = ResourceAmounts.FromJson(item.Obj("min"));
        var max = ResourceAmounts.FromJson(item.Obj("max"));
        var ratio = ResourceAmounts.FromJson(item.Obj("maxLimitRequestRatio"));
        foreach (var name in min.Names)
        {
            if (!requests.Contains(name))
            {
                errors.Add($"minimum {name} usage per {type} is {min.FormatValue(name)}.  No request is specified");
            }
            else if (requests[name] < min[name])
            {
                errors.Add($"minimum {name} usage per {type} is {min.FormatValue(name)}, but request is {requests.FormatValue(name)}");
            }
        }

        foreach (var name in max.Names)
        {
            if (!limits.Contains(name))
            {
                errors.Add($"maximum {name} usage per {type} is {max.FormatValue(name)}.  No limit is specified");
            }
            else if (limits[name] > max[name])
            {
                errors.Add($"maximum {name} usage per {type} is {max.FormatValue(name)}, but limit is {limits.FormatValue(name)}");
            }
        }

        foreach (var name in ratio.Names)
        {
            if (!limits.Contains(name) || !requests.Contains(name) || requests[name] == 0)
            {
                continue;
            }

            var actual = limits[name] / requests[name];
            if (actual > ratio[name])
            {
                errors.Add($"{name} max limit to request ratio per {type} is {ratio.FormatValue(name)}, but provided ratio is {actual.ToString("0.000000", CultureInfo.InvariantCulture)}");
            }
        }
    }
}
