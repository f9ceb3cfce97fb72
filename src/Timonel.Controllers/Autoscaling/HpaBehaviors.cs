using k8s.Models;

namespace Timonel.Controllers.Autoscaling;

/// <summary>
/// A behavior's scaling rules with upstream's defaults filled in (GenerateHPAScaleUpRules /
/// GenerateHPAScaleDownRules): a field the user set replaces the default one, policies as a whole.
/// Scale up: no window, the most of 4 pods or 100 % per 15 s; scale down: the controller's
/// downscale window (300 s), 100 % per 15 s.
/// </summary>
public static class HpaBehaviors
{
    public const string Max = "Max";
    public const string Min = "Min";
    public const string Disabled = "Disabled";

    public static V2HPAScalingRules ScaleUp(V2HPAScalingRules? rules) => new()
    {
        StabilizationWindowSeconds = rules?.StabilizationWindowSeconds ?? 0,
        SelectPolicy = rules?.SelectPolicy ?? Max,
        Policies = rules?.Policies is { Count: > 0 } policies ? policies :
        [
            new V2HPAScalingPolicy { Type = "Pods", Value = 4, PeriodSeconds = 15 },
            new V2HPAScalingPolicy { Type = "Percent", Value = 100, PeriodSeconds = 15 },
        ],
    };

    public static V2HPAScalingRules ScaleDown(V2HPAScalingRules? rules, TimeSpan downscaleWindow) => new()
    {
        StabilizationWindowSeconds = rules?.StabilizationWindowSeconds ?? (int)downscaleWindow.TotalSeconds,
        SelectPolicy = rules?.SelectPolicy ?? Max,
        Policies = rules?.Policies is { Count: > 0 } policies ? policies :
        [
            new V2HPAScalingPolicy { Type = "Percent", Value = 100, PeriodSeconds = 15 },
        ],
    };
}
