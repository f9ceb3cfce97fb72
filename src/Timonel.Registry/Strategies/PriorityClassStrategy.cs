using System.Text.Json.Nodes;
using Timonel.Api.Errors;
using Timonel.Api.Validation;

namespace Timonel.Registry.Strategies;

/// <summary>PriorityClasses (scheduling/v1): "system-" names reserved, user values at most one billion, value fixed once set.</summary>
public sealed class PriorityClassStrategy() : ResourceStrategy(namespaced: false, hasStatus: false)
{
    public const long HighestUserDefinablePriority = 1_000_000_000;

    private static readonly Dictionary<string, long> SystemClasses = new()
    {
        ["system-node-critical"] = 2_000_001_000,
        ["system-cluster-critical"] = 2_000_000_000,
    };

    public override void ApplyDefaults(JsonObject obj) => obj.DefaultString("preemptionPolicy", "PreemptLowerPriority");

    protected override void Validate(JsonObject obj, List<FieldError> errs)
    {
        var name = obj.Obj("metadata").Str("name") ?? "";
        var value = obj.Int("value") ?? 0;
        if (name.StartsWith("system-", StringComparison.Ordinal))
        {
            if (!SystemClasses.TryGetValue(name, out var expected))
            {
                errs.Add(FieldError.Forbidden("metadata.name", "priority class names with 'system-' prefix are reserved for system use only"));
            }
            else if (value != expected)
            {
                errs.Add(FieldError.Forbidden("value", $"value of {name} must be {expected}"));
            }
        }
        else if (value > HighestUserDefinablePriority)
        {
            errs.Add(FieldError.Forbidden("value", $"maximum allowed value of a user defined priority is {HighestUserDefinablePriority}"));
        }
        FieldChecks.OneOf(obj, "preemptionPolicy", "preemptionPolicy", ["PreemptLowerPriority", "Never"], errs);
    }

    protected override void ValidateTransition(JsonObject obj, JsonObject old, List<FieldError> errs)
    {
        if ((obj.Int("value") ?? 0) != (old.Int("value") ?? 0))
        {
            errs.Add(FieldError.Forbidden("value", "may not be changed in an update."));
        }
        if (obj.Str("preemptionPolicy") != old.Str("preemptionPolicy"))
        {
            errs.Add(FieldError.Invalid("preemptionPolicy", obj.Str("preemptionPolicy") ?? "", "field is immutable"));
        }
    }
}
