using k8s;
using k8s.Models;

namespace Timonel.Controllers;

/// <summary>
/// Where controllers report Events ("SuccessfulCreate", "ScalingReplicaSet", ...) about the
/// objects they manage. Recording never blocks or fails the sync that reports.
/// </summary>
public sealed class ControllerEvents(Action<IKubernetesObject<V1ObjectMeta>, string, string, string, string> sink)
{
    /// <summary>Drops every event: for tests that do not look at them.</summary>
    public static ControllerEvents None { get; } = new((_, _, _, _, _) => { });

    /// <summary>A Normal event from <paramref name="component"/> (e.g. "replicaset-controller").</summary>
    public void Normal(string component, IKubernetesObject<V1ObjectMeta> obj, string reason, string message) => sink(obj, component, "Normal", reason, message);

    public void Warning(string component, IKubernetesObject<V1ObjectMeta> obj, string reason, string message) => sink(obj, component, "Warning", reason, message);
}
