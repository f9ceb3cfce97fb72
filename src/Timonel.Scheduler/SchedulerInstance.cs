using Microsoft.Extensions.Logging;
using Timonel.Scheduler.Cache;
using Timonel.Scheduler.Config;
using Timonel.Scheduler.Framework;
using Timonel.Scheduler.Queue;

namespace Timonel.Scheduler;

/// <summary>
/// A scheduler wired together: cache, queue, listers, profiles from the configuration, the loop,
/// and the handlers that feed it cluster changes. The host (API informers, or the in-memory
/// benchmark) calls <see cref="Events"/> and runs <see cref="Scheduler.RunAsync"/>.
/// </summary>
public sealed class SchedulerInstance
{
    public SchedulerInstance(SchedulerConfiguration config, ISchedulerClient client, SchedulerOptions? options = null, TimeProvider? time = null, ILogger? log = null)
    {
        time ??= TimeProvider.System;
        options ??= new SchedulerOptions();
        Listers = new SchedulerListers();
        Cache = new SchedulerCache(time, options.AssumedPodTtl);
        Queue = new SchedulingQueue(time, new SchedulingQueueOptions
        {
            InitialBackoff = TimeSpan.FromSeconds(config.PodInitialBackoffSeconds),
            MaxBackoff = TimeSpan.FromSeconds(config.PodMaxBackoffSeconds),
        });
        Profiles = ProfileFactory.Build(config, () => new PluginHandle(Listers, client, time, Queue.Nominator));
        Scheduler = new Scheduler(Cache, Queue, Profiles, client, options, time, log);
        Events = new ClusterEventHandlers(Cache, Queue, Listers, Scheduler);
    }

    public SchedulerListers Listers { get; }

    public SchedulerCache Cache { get; }

    public SchedulingQueue Queue { get; }

    public IReadOnlyDictionary<string, SchedulingFramework> Profiles { get; }

    public Scheduler Scheduler { get; }

    public ClusterEventHandlers Events { get; }
}
