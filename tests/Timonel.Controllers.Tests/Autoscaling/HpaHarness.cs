using System.Collections.Concurrent;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Timonel.Client.Informers;
using Timonel.Controllers.Autoscaling;
using Timonel.Testing;

namespace Timonel.Controllers.Tests.Autoscaling;

/// <summary>
/// An in-process cluster with the horizontal-pod-autoscaler running over <see cref="FakeResourceMetrics"/>
/// on a fake clock (informers keep the real one): its sync period passes only when a test advances
/// the clock. The clock starts ten minutes after the real time, so pods the test reports started
/// now are past the CPU initialization period.
/// </summary>
internal sealed class HpaHarness : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly SharedInformerFactory _informers;
    private readonly HorizontalPodAutoscalerController _controller;
    private readonly Task _running;

    private HpaHarness(TestCluster cluster, SharedInformerFactory informers, FakeTimeProvider time, FakeResourceMetrics metrics, FakeCustomMetrics customMetrics, ConcurrentQueue<RecordedEvent> events, HorizontalPodAutoscalerController controller)
    {
        CustomMetrics = customMetrics;
        Cluster = cluster;
        _informers = informers;
        Time = time;
        Metrics = metrics;
        Events = events;
        _controller = controller;
        informers.Start();
        _running = Task.Run(() => ((IController)controller).RunAsync(_stop.Token));
    }

    public TestCluster Cluster { get; }

    public IKubernetes Client => Cluster.Client;

    public FakeTimeProvider Time { get; }

    public FakeResourceMetrics Metrics { get; }

    /// <summary>The custom and external metrics the controller reads (unless started with the REST client).</summary>
    public FakeCustomMetrics CustomMetrics { get; }

    public ConcurrentQueue<RecordedEvent> Events { get; }

    /// <param name="restCustomMetrics">Read custom and external metrics through the API server, as in production, instead of <see cref="CustomMetrics"/>.</param>
    public static async Task<HpaHarness> StartAsync(bool restCustomMetrics = false)
    {
        var cluster = await TestCluster.StartAsync();
        var informers = new SharedInformerFactory(cluster.NewClient(), NullLoggerFactory.Instance);
        var events = new ConcurrentQueue<RecordedEvent>();
        var sink = new ControllerEvents((obj, component, type, reason, message) => events.Enqueue(new RecordedEvent(obj.Metadata.Name, component, type, reason, message)));
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow + TimeSpan.FromMinutes(10));
        var metrics = new FakeResourceMetrics(time);
        var custom = new FakeCustomMetrics(time);
        var context = new ControllerContext(cluster.NewClient(), informers, sink, NullLoggerFactory.Instance, time, new ControllerManagerOptions());
        return new HpaHarness(cluster, informers, time, metrics, custom, events, new HorizontalPodAutoscalerController(context, metrics, restCustomMetrics ? null : custom));
    }

    /// <summary>A Deployment of <paramref name="replicas"/> (no deployment controller runs: its pods are the test's).</summary>
    public async Task<V1Deployment> DeploymentAsync(string ns, string name, int replicas, string? cpuRequest = "100m")
    {
        var deployment = TestObjects.Deployment(name);
        deployment.Spec.Replicas = replicas;
        deployment.Spec.Template.Spec.Containers[0].Resources = cpuRequest is null ? null : new V1ResourceRequirements { Requests = new Dictionary<string, ResourceQuantity> { ["cpu"] = new(cpuRequest) } };
        return await Client.AppsV1.CreateNamespacedDeploymentAsync(deployment, ns);
    }

    /// <summary>A pod of the deployment's template, Running and ready since it started (now, on the real clock), using <paramref name="cpuMilli"/>.</summary>
    public async Task PodAsync(string ns, V1Deployment deployment, string name, long cpuMilli)
    {
        var pod = TestObjects.Pod(name);
        pod.Spec = deployment.Spec.Template.Spec;
        pod.Spec.NodeName = "node-1";
        await Client.CoreV1.CreateNamespacedPodAsync(pod, ns);
        var created = await Client.CoreV1.ReadNamespacedPodAsync(name, ns);
        var started = DateTime.UtcNow;
        created.Status = new V1PodStatus
        {
            Phase = "Running",
            StartTime = started,
            Conditions = [new V1PodCondition { Type = "Ready", Status = "True", LastTransitionTime = started }],
        };
        await Client.CoreV1.ReplaceNamespacedPodStatusAsync(created, name, ns);
        Metrics.Set(ns, name, cpuMilli);
    }

    public static V2HorizontalPodAutoscaler Autoscaler(string name, string targetKind, string targetName, int? cpuPercent = 50, int max = 10, string targetApiVersion = "apps/v1") => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new V2HorizontalPodAutoscalerSpec
        {
            ScaleTargetRef = new V2CrossVersionObjectReference { ApiVersion = targetApiVersion, Kind = targetKind, Name = targetName },
            MinReplicas = 1,
            MaxReplicas = max,
            Metrics = cpuPercent is null ? null :
            [
                new V2MetricSpec { Type = "Resource", Resource = new V2ResourceMetricSource { Name = "cpu", Target = new V2MetricTarget { Type = "Utilization", AverageUtilization = cpuPercent } } },
            ],
        },
    };

    /// <summary>Waits until the autoscaler's condition of <paramref name="type"/> has <paramref name="reason"/>.</summary>
    public Task<V2HorizontalPodAutoscaler> ConditionAsync(string ns, string name, string type, string reason) =>
        Eventually.WaitAsync(
            async ct =>
            {
                var hpa = await Client.AutoscalingV2.ReadNamespacedHorizontalPodAutoscalerAsync(name, ns, cancellationToken: ct);
                return hpa.Status?.Conditions?.Any(c => c.Type == type && c.Reason == reason) == true ? hpa : null;
            },
            TimeSpan.FromSeconds(30),
            $"{name}: condition {type} {reason}");

    public Task ReplicasAsync(string ns, string name, int expected) =>
        Eventually.WaitAsync(
            async ct => (await Client.AppsV1.ReadNamespacedDeploymentAsync(name, ns, cancellationToken: ct)).Spec.Replicas == expected,
            TimeSpan.FromSeconds(30),
            $"deployment {name} at {expected} replicas");

    public int Count(string reason) => Events.Count(e => e.Reason == reason);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _running;
        }
        catch (OperationCanceledException)
        {
        }

        _controller.Dispose();
        await _informers.DisposeAsync();
        await Cluster.DisposeAsync();
        _stop.Dispose();
    }
}
