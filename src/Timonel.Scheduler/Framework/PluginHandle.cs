using System.Text.Json;
using Timonel.Scheduler.Cache;
using Timonel.Scheduler.Queue;

namespace Timonel.Scheduler.Framework;

/// <summary>
/// What a plugin may use besides its arguments: listers, the cluster client, the clock, and (for
/// preemption) the framework it belongs to and the current snapshot.
/// </summary>
public sealed class PluginHandle
{
    public PluginHandle(SchedulerListers listers, ISchedulerClient client, TimeProvider time, Nominator nominator)
    {
        Listers = listers;
        Client = client;
        Time = time;
        Nominator = nominator;
    }

    public SchedulerListers Listers { get; }

    public ISchedulerClient Client { get; }

    public TimeProvider Time { get; }

    public Nominator Nominator { get; }

    /// <summary>The snapshot of the cycle in progress (set by the scheduler before each cycle).</summary>
    public Snapshot Snapshot { get; set; } = new();

    /// <summary>The framework (profile) that owns the plugin; set once the profile is built.</summary>
    public SchedulingFramework? Framework { get; set; }
}

/// <summary>Builds a plugin from its pluginConfig args (null when none were given).</summary>
public delegate IPlugin PluginFactory(JsonElement? args, PluginHandle handle);
