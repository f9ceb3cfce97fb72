using System.Collections.Concurrent;
using k8s;
using Microsoft.Extensions.Logging.Abstractions;
using Timonel.Client.Informers;
using Timonel.Testing;

namespace Timonel.Controllers.Tests;

/// <summary>
/// An in-process API server with some controllers running against it through the real client
/// machinery. Tests create objects through <see cref="Client"/> and wait for outcomes.
/// </summary>
public sealed class ControllerHarness : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop;
    private readonly SharedInformerFactory _informers;
    private readonly ConcurrentQueue<HarnessEvent> _events;
    private readonly Task _running;

    private ControllerHarness(TestCluster cluster, SharedInformerFactory informers, CancellationTokenSource stop, Task running, ConcurrentQueue<HarnessEvent> events)
    {
        Cluster = cluster;
        _informers = informers;
        _stop = stop;
        _running = running;
        _events = events;
    }

    /// <summary>Events the controllers reported, in order.</summary>
    public IReadOnlyList<HarnessEvent> Events => [.. _events];

    public TestCluster Cluster { get; }

    /// <summary>The informers the controllers share: a test waits on their caches when a controller must have seen an object first.</summary>
    public SharedInformerFactory Informers => _informers;

    public IKubernetes Client => Cluster.Client;

    /// <summary>Starts a cluster and the named controllers (ControllerRegistry names).</summary>
    public static Task<ControllerHarness> StartAsync(ControllerManagerOptions? options = null, params string[] controllers) =>
        StartAsync(options, TimeProvider.System, controllers);

    /// <summary>Starts a cluster and the named controllers with <paramref name="time"/> as their clock (informers keep the real one).</summary>
    public static Task<ControllerHarness> StartAsync(ControllerManagerOptions? options, TimeProvider time, params string[] controllers) =>
        StartAsync(options, time, null, controllers);

    /// <summary>As above, with a token signer made from the started cluster (serviceaccount-token signs with the cluster's key).</summary>
    public static Task<ControllerHarness> StartAsync(ControllerManagerOptions? options, TimeProvider time, Func<TestCluster, global::Timonel.Controllers.ServiceAccount.IServiceAccountTokenSigner>? signer, params string[] controllers) =>
        StartAsync(options, time, signer, null, controllers);

    /// <summary>As above, with the CAs csrsigning signs from taken from the started cluster.</summary>
    public static async Task<ControllerHarness> StartAsync(
        ControllerManagerOptions? options,
        TimeProvider time,
        Func<TestCluster, global::Timonel.Controllers.ServiceAccount.IServiceAccountTokenSigner>? signer,
        Func<TestCluster, global::Timonel.Controllers.Certificates.CsrSigningAuthorities>? authorities,
        params string[] controllers)
    {
        var cluster = await TestCluster.StartAsync();
        var client = cluster.NewClient();
        Microsoft.Extensions.Logging.ILoggerFactory loggers = Environment.GetEnvironmentVariable("TIMONEL_TEST_LOG") is { Length: > 0 } trace ? new FileLoggerFactory(trace) : NullLoggerFactory.Instance;
        var informers = new SharedInformerFactory(client, loggers);
        var events = new ConcurrentQueue<HarnessEvent>();
        var sink = new ControllerEvents((obj, component, type, reason, message) => events.Enqueue(new HarnessEvent(obj.Kind, obj.Metadata.Name, component, type, reason, message)));
        var context = new ControllerContext(client, informers, sink, loggers, time, options ?? new ControllerManagerOptions()) { TokenSigner = signer?.Invoke(cluster), SigningAuthorities = authorities?.Invoke(cluster) };
        var built = ControllerRegistry.All.Where(c => controllers.Contains(c.Name)).Select(c => c.Create(context)).ToList();
        if (built.Count != controllers.Length)
        {
            throw new ArgumentException($"unknown controller in {string.Join(",", controllers)}");
        }

        var stop = new CancellationTokenSource();
        informers.Start();
        var running = Task.WhenAll(built.Select(c => Task.Run(() => c.RunAsync(stop.Token))));
        return new ControllerHarness(cluster, informers, stop, running, events);
    }

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

/// <summary>One event a controller reported through the harness.</summary>
public sealed record HarnessEvent(string? Kind, string Name, string Component, string Type, string Reason, string Message);
