using k8s;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Timonel.Client.Events;
using Timonel.Client.Hosting;
using Timonel.Client.Informers;
using Timonel.Scheduler.Config;

namespace Timonel.Scheduler.Host;

/// <summary>
/// The scheduler as a cluster component: while it holds the kube-scheduler Lease it fills the
/// cache and queue from shared informers (pods, nodes, claims, volumes, storage classes, priority
/// classes, disruption budgets, namespaces) and runs the scheduling loop, binding through the API.
/// </summary>
public sealed class SchedulerHost(SchedulerConfiguration config, SchedulerOptions? options = null, ILoggerFactory? loggers = null, TimeProvider? time = null) : IClusterComponent
{
    public string Name => "scheduler";

    public string? LeaseName => "kube-scheduler";

    /// <summary>The running instance (null until <see cref="RunAsync"/> has built it): tests and benchmarks observe it.</summary>
    public SchedulerInstance? Instance { get; private set; }

    /// <summary>Completes once the informers have synced and the loop runs.</summary>
    public Task Started => _started.Task;

    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public async Task RunAsync(IKubernetes client, CancellationToken cancellationToken)
    {
        var clock = time ?? TimeProvider.System;
        var logs = loggers ?? NullLoggerFactory.Instance;
        await using var events = new EventRecorder(client, "default-scheduler", logger: logs.CreateLogger("scheduler.events"), time: clock);
        await using var informers = new SharedInformerFactory(client, logs, clock);
        var instance = new SchedulerInstance(config, new ApiSchedulerClient(client, events, clock), options, clock, logs.CreateLogger("scheduler"));
        Instance = instance;
        var e = instance.Events;
        informers.Get(ResourceKinds.Nodes).AddEventHandler(e.OnNodeAdd, e.OnNodeUpdate, e.OnNodeDelete);
        informers.Get(ResourceKinds.Pods).AddEventHandler(e.OnPodAdd, e.OnPodUpdate, e.OnPodDelete);
        informers.Get(ResourceKinds.PersistentVolumeClaims).AddEventHandler(c => e.OnClaim(c, false), (_, c) => e.OnClaim(c, false), c => e.OnClaim(c, true));
        informers.Get(ResourceKinds.PersistentVolumes).AddEventHandler(v => e.OnVolume(v, false), (_, v) => e.OnVolume(v, false), v => e.OnVolume(v, true));
        informers.Get(ResourceKinds.StorageClasses).AddEventHandler(s => e.OnStorageClass(s, false), (_, s) => e.OnStorageClass(s, false), s => e.OnStorageClass(s, true));
        informers.Get(ResourceKinds.PriorityClasses).AddEventHandler(p => e.OnPriorityClass(p, false), (_, p) => e.OnPriorityClass(p, false), p => e.OnPriorityClass(p, true));
        informers.Get(ResourceKinds.PodDisruptionBudgets).AddEventHandler(b => e.OnDisruptionBudget(b, false), (_, b) => e.OnDisruptionBudget(b, false), b => e.OnDisruptionBudget(b, true));
        informers.Get(ResourceKinds.Namespaces).AddEventHandler(n => e.OnNamespace(n, false), (_, n) => e.OnNamespace(n, false), n => e.OnNamespace(n, true));
        informers.Start();
        await informers.WaitForCacheSyncAsync(cancellationToken).ConfigureAwait(false);
        _started.TrySetResult();
        await instance.Scheduler.RunAsync(cancellationToken).ConfigureAwait(false);
    }
}
