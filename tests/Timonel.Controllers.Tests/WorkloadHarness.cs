using System.Collections.Concurrent;
using k8s;
using Microsoft.Extensions.Logging.Abstractions;
using Timonel.Client.Informers;
using Timonel.Testing;

namespace Timonel.Controllers.Tests;

/// <summary>
/// Like <see cref="ControllerHarness"/>, but keeps the events the controllers record so tests can
/// check reasons and messages.
/// </summary>
public sealed class WorkloadHarness : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly SharedInformerFactory _informers;
    private readonly Task _running;

    private WorkloadHarness(TestCluster cluster, SharedInformerFactory informers, ConcurrentQueue<RecordedEvent> events, IReadOnlyList<IController> controllers)
    {
        Cluster = cluster;
        _informers = informers;
        Events = events;
        informers.Start();
        _running = Task.WhenAll(controllers.Select(c => Task.Run(() => c.RunAsync(_stop.Token))));
    }

    public TestCluster Cluster { get; }

    public IKubernetes Client => Cluster.Client;

    public ConcurrentQueue<RecordedEvent> Events { get; }

    public static async Task<WorkloadHarness> StartAsync(params string[] controllers)
    {
        var cluster = await TestCluster.StartAsync();
        var informers = new SharedInformerFactory(cluster.NewClient(), NullLoggerFactory.Instance);
        var events = new ConcurrentQueue<RecordedEvent>();
        var sink = new ControllerEvents((obj, component, type, reason, message) => events.Enqueue(new RecordedEvent(obj.Metadata.Name, component, type, reason, message)));
        var context = new ControllerContext(cluster.NewClient(), informers, sink, NullLoggerFactory.Instance, TimeProvider.System, new ControllerManagerOptions());
        var built = ControllerRegistry.All.Where(c => controllers.Contains(c.Name)).Select(c => c.Create(context)).ToList();
        return new WorkloadHarness(cluster, informers, events, built);
    }

    public bool HasEvent(string reason, Func<string, bool> message) => Events.Any(e => e.Reason == reason && message(e.Message));

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

        await _informers.DisposeAsync();
        await Cluster.DisposeAsync();
        _stop.Dispose();
    }
}

public sealed record RecordedEvent(string ObjectName, string Component, string Type, string Reason, string Message);
