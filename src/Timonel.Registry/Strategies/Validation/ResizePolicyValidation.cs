using System.Text.Json.Nodes;
using Timonel.Api.Errors;
using Timonel.Api.Validation;

namespace Timonel.Registry.Strategies.Validation;

/// <summary>Containers' resizePolicy (upstream's validateResizePolicy): cpu and memory once each, a known restart policy.</summary>
public static class ResizePolicyValidation
{
    private static readonly string[] Resources = ["cpu", "memory"];
    private static readonly string[] Policies = ["NotRequired", "RestartContainer"];

    /// <summary>App containers and sidecars; a pod that never restarts cannot ask for a restart on resize.</summary>
    public static void Validate(JsonObject? spec, string path, List<FieldError> errs)
    {
        var podRestartPolicy = spec.Str("restartPolicy");
        foreach (var (list, sidecarsOnly) in new[] { ("initContainers", true), ("containers", false) })
        {
            foreach (var (i, c) in spec.Arr(list).Objects())
            {
                if (!sidecarsOnly || c.Str("restartPolicy") == "Always")
                {
                    ValidateOne(c.Arr("resizePolicy"), $"{path}.{list}[{i}].resizePolicy", podRestartPolicy, errs);
                }
            }
        }
    }

    private static void ValidateOne(JsonArray? policies, string at, string? podRestartPolicy, List<FieldError> errs)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (i, p) in policies.Objects())
        {
            var resource = p.Str("resourceName") ?? "";
            var restart = p.Str("restartPolicy") ?? "";
            if (!seen.Add(resource))
            {
                errs.Add(FieldError.Duplicate($"{at}[{i}]", resource));
            }

            if (resource.Length == 0)
            {
                errs.Add(FieldError.Required(at));
            }
            else if (!Resources.Contains(resource))
            {
                errs.Add(FieldError.NotSupported(at, resource, Resources));
            }

            if (restart.Length == 0)
            {
                errs.Add(FieldError.Required(at));
            }
            else if (!Policies.Contains(restart))
            {
                errs.Add(FieldError.NotSupported(at, restart, Policies));
            }

            if (podRestartPolicy == "Never" && restart != "NotRequired")
            {
                errs.Add(FieldError.Invalid(at, restart, "must be 'NotRequired' when `restartPolicy` is 'Never'"));
            }
        }
    }
}
