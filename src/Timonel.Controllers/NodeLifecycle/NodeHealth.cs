namespace Timonel.Controllers.NodeLifecycle;

/// <summary>
/// What the controller last saw of a node's heartbeats: the Ready condition's lastHeartbeatTime,
/// the Lease's renewTime, and when either last moved (by this controller's clock, so clock skew
/// between kubelet and controller does not matter).
/// </summary>
internal sealed class NodeHealth
{
    public DateTime? ReadyHeartbeat { get; set; }

    public DateTime? LeaseRenewTime { get; set; }

    public DateTimeOffset ProbeTime { get; set; }
}
