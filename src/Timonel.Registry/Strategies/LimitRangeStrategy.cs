using System.Text.Json.Nodes;
using Timonel.Api.Errors;
using Timonel.Api.Validation;

namespace Timonel.Registry.Strategies;

/// <summary>LimitRanges: each limit has a known type and quantities that parse, with min ≤ default ≤ max.</summary>
public sealed class LimitRangeStrategy() : ResourceStrategy(namespaced: true, hasStatus: false)
{
    private static readonly string[] Types = ["Pod", "Container", "PersistentVolumeClaim"];

    protected override void Validate(JsonObject obj, List<FieldError> errs)
    {
        foreach (var (i, limit) in obj.Obj("spec").Arr("limits").Objects())
        {
            var at = $"spec.limits[{i}]";
            FieldChecks.OneOf(limit, "type", $"{at}.type", Types, errs, required: true);
            var min = FieldChecks.Quantities(limit.Obj("min"), $"{at}.min", errs);
            var max = FieldChecks.Quantities(limit.Obj("max"), $"{at}.max", errs);
            var defaults = FieldChecks.Quantities(limit.Obj("default"), $"{at}.default", errs);
            FieldChecks.Quantities(limit.Obj("defaultRequest"), $"{at}.defaultRequest", errs);
            FieldChecks.Quantities(limit.Obj("maxLimitRequestRatio"), $"{at}.maxLimitRequestRatio", errs);
            foreach (var (name, lo) in min)
            {
                if (max.TryGetValue(name, out var hi) && lo > hi)
                {
                    errs.Add(FieldError.Invalid($"{at}.min[{name}]", JsonAccess.Scalar(limit.Obj("min")?[name]), $"min value {JsonAccess.Scalar(limit.Obj("min")?[name])} is greater than max value {JsonAccess.Scalar(limit.Obj("max")?[name])}"));
                }
            }
            foreach (var (name, value) in defaults)
            {
                if (max.TryGetValue(name, out var hi) && value > hi)
                {
                    errs.Add(FieldError.Invalid($"{at}.default[{name}]", JsonAccess.Scalar(limit.Obj("default")?[name]), $"default value {JsonAccess.Scalar(limit.Obj("default")?[name])} is greater than max value {JsonAccess.Scalar(limit.Obj("max")?[name])}"));
                }
            }
        }
    }
}
