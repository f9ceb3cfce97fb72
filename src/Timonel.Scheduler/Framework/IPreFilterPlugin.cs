using Timonel.Scheduler.Cache;

namespace Timonel.Scheduler.Framework;

/// <summary>
/// Runs once per cycle before Filter, to check the pod itself and precompute what Filter needs
/// into <see cref="CycleState"/>. Returns null/Success to continue, Skip to have this plugin's
/// Filter skipped, Unschedulable/UnschedulableAndUnresolvable to reject the pod on every node
/// (the reasons become the PreFilter message), or Error. <paramref name="nodeNames"/> may narrow
/// the nodes Filter considers (null: all).
/// </summary>
public interface IPreFilterPlugin : IPlugin
{
    Status? PreFilter(CycleState state, PodInfo pod, Snapshot snapshot, out IReadOnlySet<string>? nodeNames);
}
