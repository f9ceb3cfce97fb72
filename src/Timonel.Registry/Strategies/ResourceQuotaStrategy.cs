using System.Text.Json.Nodes;
using Timonel.Api.Errors;
using Timonel.Api.Validation;

namespace Timonel.Registry.Strategies;

/// <summary>ResourceQuotas: hard limits and scopes well-formed; status written by the quota controller.</summary>
public sealed class ResourceQuotaStrategy() : ResourceStrategy(namespaced: true, hasStatus: true)
{
    private static readonly string[] Scopes = ["Terminating", "NotTerminating", "BestEffort", "NotBestEffort", "PriorityClass", "CrossNamespacePodAffinity"];

    protected override void Validate(JsonObject obj, List<FieldError> errs)
    {
        var spec = obj.Obj("spec");
        FieldChecks.Quantities(spec.Obj("hard"), "spec.hard", errs);
        foreach (var (i, scope) in spec.Arr("scopes").Strings())
        {
            if (!Scopes.Contains(scope))
            {
                errs.Add(FieldError.NotSupported($"spec.scopes[{i}]", scope, Scopes));
            }
        }
    }
}
