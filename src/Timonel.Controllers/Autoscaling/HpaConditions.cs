using k8s.Models;

namespace Timonel.Controllers.Autoscaling;

/// <summary>
/// The autoscaler's conditions (AbleToScale, ScalingActive, ScalingLimited) as upstream's
/// setCondition keeps them: reason and message always replaced, the transition time moved only
/// when the status changes.
/// </summary>
public static class HpaConditions
{
    public const string AbleToScale = "AbleToScale";
    public const string ScalingActive = "ScalingActive";
    public const string ScalingLimited = "ScalingLimited";

    public static void Set(V2HorizontalPodAutoscalerStatus status, string type, bool value, string reason, string message, DateTimeOffset now)
    {
        status.Conditions ??= [];
        var text = value ? "True" : "False";
        var existing = status.Conditions.FirstOrDefault(c => c.Type == type);
        if (existing is null)
        {
            existing = new V2HorizontalPodAutoscalerCondition { Type = type };
            status.Conditions.Add(existing);
        }

        if (existing.Status != text || existing.LastTransitionTime is null)
        {
            existing.LastTransitionTime = now.UtcDateTime;
        }

        existing.Status = text;
        existing.Reason = reason;
        existing.Message = message;
    }
}
