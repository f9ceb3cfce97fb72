using System.Diagnostics;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Timonel.Client.Events;
using Timonel.Client.Hosting;
using Timonel.Client.Informers;
using Timonel.Ingress.Gateway.Hosting;
using Timonel.Ingress.Gateway.Model;
using Timonel.Ingress.Gateway.Routing;
using Timonel.Ingress.Proxy;
using Timonel.Ingress.Routing;
using Timonel.Ingress.Tls;

namespace Timonel.Ingress.Hosting;

/// <summary>
/// The ingress controller of one node: informers of Ingresses, IngressClasses, Services,
/// EndpointSlices, Secrets and Nodes; one loop that, after any change, rebuilds the route table
/// and certificates, swaps them into the proxy, reports problems as events and writes the
/// Ingresses' status. Changes coalesce: a burst of events costs one rebuild; a failed rebuild is
/// retried with backoff, and every <see cref="IngressControllerOptions.ResyncPeriod"/> one runs unasked.
/// </summary>
public sealed partial class IngressController : IAsyncDisposable
{
    private readonly IKubernetes _client;
    private readonly IngressControllerOptions _options;
    private readonly ILogger _logger;
    private readonly SharedInformerFactory _informers;
    private readonly SharedInformer<V1Ingress> _ingresses;
    private readonly SharedInformer<V1IngressClass> _classes;
    private readonly SharedInformer<V1Secret> _secrets;
    private readonly SharedInformer<V1Node> _nodes;
    private readonly InformerClusterView _view;
    private readonly TlsSecretLoader _tls;
    private readonly EventRecorder _recorder;
    private readonly IngressEvents _events;
    private readonly CoalescingSyncLoop _loop;
    private readonly SharedInformer<V1CustomResourceDefinition> _crds;
    private readonly GatewayApiInformers _gatewayApi;
    private readonly GatewayStatusWriter _gatewayStatus;
    private readonly CancellationTokenSource _stop = new();
    private IngressProxy? _proxy;
    private Task _run = Task.CompletedTask;
    private bool _defaultClassReady;
    private int _disposed;

    private IngressController(IKubernetes client, IngressControllerOptions options, ILoggerFactory loggers, TimeProvider time)
    {
        _client = client;
        _options = options;
        _logger = loggers.CreateLogger("ingress");
        _loop = new CoalescingSyncLoop(new CoalescingSyncOptions { Name = "ingress", ResyncPeriod = options.ResyncPeriod }, SyncAsync, _logger, time);
        _defaultClassReady = !options.CreateDefaultClass;
        _informers = new SharedInformerFactory(client, loggers, time);
        _ingresses = _informers.Get(ResourceKinds.For<V1Ingress>());
        _classes = _informers.Get(ResourceKinds.For<V1IngressClass>());
        _secrets = _informers.Get(ResourceKinds.Secrets);
        _nodes = _informers.Get(ResourceKinds.Nodes);
        _view = new InformerClusterView(_informers.Get(ResourceKinds.Services), _informers.Get(ResourceKinds.EndpointSlices));
        _tls = new TlsSecretLoader(TlsSecretLoader.CreateFallback(time));
        _recorder = new EventRecorder(client, "timonel-ingress", options.NodeName, _logger, time);
        _events = new IngressEvents(_recorder);
        // Gateway API is served once its CRDs exist; they are watched so installing them later needs no restart.
        _crds = _informers.Get(ResourceKinds.For<V1CustomResourceDefinition>());
        _crds.AddEventHandler(c => ChangedIf(IsGatewayCrd(c)), (o, n) => ChangedIf(IsGatewayCrd(n)), c => ChangedIf(IsGatewayCrd(c)));
        _gatewayApi = new GatewayApiInformers(_informers, Changed);
        _gatewayStatus = new GatewayStatusWriter(client, time, _logger);

        _ingresses.AddEventHandler(_ => Changed(), (_, _) => Changed(), _ => Changed());
        _classes.AddEventHandler(_ => Changed(), (_, _) => Changed(), _ => Changed());
        _informers.Get(ResourceKinds.Services).AddEventHandler(_ => Changed(), (_, _) => Changed(), _ => Changed());
        _informers.Get(ResourceKinds.EndpointSlices).AddEventHandler(_ => Changed(), (_, _) => Changed(), _ => Changed());
        // Only Secrets that can hold a certificate matter; the rest (tokens, configs) change often.
        _secrets.AddEventHandler(s => ChangedIf(IsTls(s)), (o, n) => ChangedIf(IsTls(o) || IsTls(n)), s => ChangedIf(IsTls(s)));
        // Heartbeats rewrite Nodes every few seconds; only their addresses feed the status.
        _nodes.AddEventHandler(_ => Changed(), (o, n) => ChangedIf(!IngressStatusWriter.NodeAddresses([o]).SequenceEqual(IngressStatusWriter.NodeAddresses([n]))), _ => Changed());
    }

    /// <summary>The data plane (its bound ports, for tests that asked for free ones).</summary>
    public IngressProxy Proxy => _proxy ?? throw new InvalidOperationException("the controller has not started");

    /// <summary>Binds the proxy's ports (throws IOException when one is taken) and starts the controller loop.</summary>
    public static async Task<IngressController> StartAsync(IKubernetes client, IngressControllerOptions options, ILoggerFactory loggers, CancellationToken cancellationToken, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loggers);
        options.Proxy.Validate();
        var controller = new IngressController(client, options, loggers, time ?? TimeProvider.System);
        try
        {
            controller._proxy = await IngressProxy.StartAsync(options.Proxy, controller._tls.Load([], (_, _) => null).Certificates, loggers, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await controller.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        LogListening(controller._logger, controller._proxy.HttpEndPoint, controller._proxy.HttpsEndPoint);
        controller._informers.Start();
        controller._run = Task.Run(() => controller.RunAsync(controller._stop.Token));
        return controller;
    }

    private static bool IsGatewayCrd(V1CustomResourceDefinition crd) => crd.Spec?.Group == GatewayApiObject<V1GatewaySpec>.Group;

    private static bool IsTls(V1Secret secret) => secret.Type == "kubernetes.io/tls" || secret.Data?.ContainsKey("tls.crt") == true;

    private void Changed() => _loop.Request();

    private void ChangedIf(bool condition)
    {
        if (condition)
        {
            Changed();
        }
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        // Serve once the caches hold the cluster (no false 503s or events from a half-listed
        // cluster), or after the timeout whatever they hold: a forbidden list must not keep all routes down.
        using var sync = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        sync.CancelAfter(_options.InitialSyncTimeout);
        await _informers.WaitForCacheSyncAsync(sync.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        cancellationToken.ThrowIfCancellationRequested();
        _loop.Start();
    }

    /// <summary>One idempotent pass of the loop: the default class, then rebuild, swap, report, write status (every pass is whole).</summary>
    private async Task SyncAsync(bool full, CancellationToken cancellationToken)
    {
        _defaultClassReady = _defaultClassReady || await EnsureDefaultClassAsync(cancellationToken).ConfigureAwait(false);
        var started = Stopwatch.GetTimestamp();
        var classes = _classes.Cache.List();
        var ours = _ingresses.Cache.List().Where(i => IngressClassSelection.IsOurs(i, classes)).ToList();
        var build = RouteTableBuilder.Build(ours, _view);
        var addresses = IngressStatusWriter.NodeAddresses(_nodes.Cache.List());
        var gatewayInputs = _gatewayApi.Refresh(_crds.Cache.List(), (ns, name) => _secrets.Cache.Get(ns, name));
        var gateway = gatewayInputs is null
            ? GatewayBuild.Empty
            : GatewayBuilder.Build(gatewayInputs, _view, new GatewayPorts(Proxy.HttpEndPoint.Port, Proxy.HttpsEndPoint.Port), addresses);
        var (certificates, problems) = _tls.Load(ours, gateway.Certificates, (ns, name) => _secrets.Cache.Get(ns, name));
        Proxy.Update(certificates);
        Proxy.Update(build.Table.WithGateway(gateway.Table));
        LogRebuilt(_logger, ours.Count, Stopwatch.GetElapsedTime(started).TotalMilliseconds);

        foreach (var (key, list) in build.Problems)
        {
            var all = problems.TryGetValue(key, out var existing) ? existing : problems[key] = [];
            all.InsertRange(0, list);
        }

        _events.Report(ours, problems);
        await _gatewayStatus.WriteAsync(gateway, cancellationToken).ConfigureAwait(false);
        if (addresses.Count == 0)
        {
            return;
        }

        foreach (var ingress in ours.Where(i => !IngressStatusWriter.IsCurrent(i, addresses)))
        {
            await IngressStatusWriter.WriteAsync(_client, ingress, addresses, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Creates the default class when absent; false to try again later (API down, or no right to).</summary>
    private async Task<bool> EnsureDefaultClassAsync(CancellationToken cancellationToken)
    {
        if (_classes.Cache.Get(null, IngressClassSelection.DefaultClassName) is not null)
        {
            return true;
        }

        try
        {
            await _client.NetworkingV1.CreateIngressClassAsync(IngressClassSelection.DefaultClass(), cancellationToken: cancellationToken).ConfigureAwait(false);
            LogCreatedClass(_logger, IngressClassSelection.DefaultClassName);
            return true;
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == System.Net.HttpStatusCode.Conflict)
        {
            // Another node's controller (or the user) was first.
            return true;
        }
        catch (HttpOperationException e)
        {
            LogCreateClassFailed(_logger, IngressClassSelection.DefaultClassName, e.Response.Content);
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        await _run.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await _loop.DisposeAsync().ConfigureAwait(false);
        if (_proxy is not null)
        {
            await _proxy.DisposeAsync().ConfigureAwait(false);
        }

        await _recorder.DisposeAsync().ConfigureAwait(false);
        await _informers.DisposeAsync().ConfigureAwait(false);
        _stop.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "ingress proxy listening on http {Http} and https {Https}")]
    private static partial void LogListening(ILogger logger, System.Net.IPEndPoint http, System.Net.IPEndPoint https);

    [LoggerMessage(Level = LogLevel.Debug, Message = "ingress routes rebuilt from {Count} Ingresses in {ElapsedMs:F1} ms")]
    private static partial void LogRebuilt(ILogger logger, int count, double elapsedMs);

    [LoggerMessage(Level = LogLevel.Information, Message = "created IngressClass {Name} (the cluster's default)")]
    private static partial void LogCreatedClass(ILogger logger, string name);

    [LoggerMessage(Level = LogLevel.Warning, Message = "cannot create IngressClass {Name}: {Reason}; retrying")]
    private static partial void LogCreateClassFailed(ILogger logger, string name, string reason);
}
