using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Timonel.Client.Events;
using Timonel.Client.Hosting;
using Timonel.Client.Informers;
using Timonel.Proxy.Nft;

namespace Timonel.Proxy.NetworkPolicy;

/// <summary>The outcome of one sync: the ruleset now in the kernel, or refused (and the kernel left as it was).</summary>
public sealed record PolicySyncResult(DateTimeOffset Completed, TimeSpan Duration, PolicyRuleset Ruleset, bool Applied);

/// <summary>
/// The node's NetworkPolicy enforcer (k3s runs kube-router's controller for this): watches
/// NetworkPolicies, Pods and Namespaces and keeps `table inet timonel-netpol` in the node's network
/// namespace in step with them, rewriting the whole table in one atomic `nft -f` per change
/// (changes closer together than <see cref="ProxyOptions.MinSyncPeriod"/> become one).
/// </summary>
/// <remarks>
/// A policy that cannot be compiled, or a table the kernel refuses, leaves the table applied
/// before in place (never a part of the new one) and records a Warning event on each policy at
/// fault; the next change tries again.
/// </remarks>
public sealed partial class NetworkPolicyController : IAsyncDisposable
{
    public const string Component = "network-policy-controller";
    public const string NotAppliedReason = "NetworkPolicyNotApplied";

    private readonly ProxyOptions _options;
    private readonly SharedInformerFactory _informers;
    private readonly SharedInformer<V1NetworkPolicy> _policies;
    private readonly SharedInformer<V1Pod> _pods;
    private readonly SharedInformer<V1Namespace> _namespaces;
    private readonly IPolicyNftables _nft;
    private readonly EventRecorder _events;
    private readonly TimeProvider _time;
    private readonly ILogger _log;
    private readonly CoalescingSyncLoop _loop;
    private readonly TaskCompletionSource _firstSync = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly HashSet<string> _reported = new(StringComparer.Ordinal);
    private string? _appliedScript;
    private int _disposed;

    private NetworkPolicyController(ProxyOptions options, IKubernetes client, IPolicyNftables nft, ILoggerFactory loggers, TimeProvider time)
    {
        _options = options;
        _nft = nft;
        _time = time;
        _log = loggers.CreateLogger("netpol");
        _loop = new CoalescingSyncLoop(
            new CoalescingSyncOptions { Name = "network policy", MinInterval = options.MinSyncPeriod, ResyncPeriod = options.FullSyncPeriod },
            SyncAsync,
            _log,
            time);
        _events = new EventRecorder(client, Component, options.NodeName, _log, time);
        _informers = new SharedInformerFactory(client, loggers, time);
        _policies = _informers.Get(ResourceKinds.For<V1NetworkPolicy>());
        _pods = _informers.Get(ResourceKinds.Pods);
        _namespaces = _informers.Get(ResourceKinds.Namespaces);
        _policies.AddEventHandler(_ => _loop.Request(), (_, _) => _loop.Request(), _ => _loop.Request());
        _pods.AddEventHandler(_ => _loop.Request(), (_, _) => _loop.Request(), _ => _loop.Request());
        _namespaces.AddEventHandler(_ => _loop.Request(), (_, _) => _loop.Request(), _ => _loop.Request());
    }

    /// <summary>Raised after every sync (on the sync loop; keep handlers short).</summary>
    public event Action<PolicySyncResult>? Synced;

    /// <summary>The ruleset of the table in the kernel; null before the first applied sync.</summary>
    public PolicyRuleset? Applied { get; private set; }

    public static Task<NetworkPolicyController> StartAsync(ProxyOptions options, IKubernetes client, ILoggerFactory loggers, CancellationToken cancellationToken) =>
        StartAsync(options, client, new PolicyNftCommand(options.NftPath, options.NetworkNamespace), loggers, TimeProvider.System, cancellationToken);

    public static async Task<NetworkPolicyController> StartAsync(ProxyOptions options, IKubernetes client, IPolicyNftables nft, ILoggerFactory loggers, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var controller = new NetworkPolicyController(options, client, nft, loggers, time);
        if (await nft.EnableBridgeFilteringAsync(cancellationToken).ConfigureAwait(false) is { } error)
        {
            LogBridgeFilteringOff(controller._log, error);
        }

        controller._informers.Start();
        try
        {
            await controller._informers.WaitForCacheSyncAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await controller.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        controller._loop.Start();
        return controller;
    }

    /// <summary>
    /// What an agent runs (`--disable-network-policy` turns it off, as k3s's flag): the started
    /// controller, or, when disabled, none, after deleting the table a previous run with policies
    /// enforced left behind (its rules would otherwise keep isolating pods, never updated).
    /// </summary>
    public static Task<NetworkPolicyController?> StartIfEnabledAsync(bool enabled, ProxyOptions options, IKubernetes client, ILoggerFactory loggers, CancellationToken cancellationToken) =>
        StartIfEnabledAsync(enabled, options, client, new PolicyNftCommand(options.NftPath, options.NetworkNamespace), loggers, TimeProvider.System, cancellationToken);

    /// <inheritdoc cref="StartIfEnabledAsync(bool, ProxyOptions, IKubernetes, ILoggerFactory, CancellationToken)"/>
    public static async Task<NetworkPolicyController?> StartIfEnabledAsync(bool enabled, ProxyOptions options, IKubernetes client, IPolicyNftables nft, ILoggerFactory loggers, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(nft);
        ArgumentNullException.ThrowIfNull(loggers);
        if (enabled)
        {
            return await StartAsync(options, client, nft, loggers, time, cancellationToken).ConfigureAwait(false);
        }

        await nft.DeleteTableAsync(cancellationToken).ConfigureAwait(false);
        LogDisabled(loggers.CreateLogger("netpol"), PolicyNames.Family, PolicyNames.Table);
        return null;
    }

    /// <summary>`timonel agent --cleanup`: deletes the policy table from the namespace.</summary>
    public static Task CleanupAsync(ProxyOptions options, CancellationToken cancellationToken) =>
        new PolicyNftCommand(options.NftPath, options.NetworkNamespace).DeleteTableAsync(cancellationToken);

    /// <summary>Completes after the first table was applied.</summary>
    public Task WaitForFirstSyncAsync(CancellationToken cancellationToken) => _firstSync.Task.WaitAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        // The table stays, as the proxy's does: pods stay guarded while the agent restarts.
        await _loop.DisposeAsync().ConfigureAwait(false);
        await _informers.DisposeAsync().ConfigureAwait(false);
        await _events.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// One pass of the loop: the table in step with the caches, reapplied even when unchanged if
    /// <paramref name="full"/>. A refused table is reported and kept out; nft failing to run throws (the loop retries).
    /// </summary>
    private async Task SyncAsync(bool full, CancellationToken cancellationToken)
    {
        var started = _time.GetTimestamp();
        var policies = _policies.Cache.List();
        var ruleset = PolicyCompiler.Compile(policies, _pods.Cache.List(), _namespaces.Cache.List(), _options.NodeName);
        var refused = ruleset.Errors;
        if (refused.Count == 0)
        {
            var script = ruleset.Render();
            if (!full && script == _appliedScript)
            {
                return;
            }

            try
            {
                await _nft.ApplyAsync(script, cancellationToken).ConfigureAwait(false);
                _appliedScript = script;
                Applied = ruleset;
                _reported.Clear();
                LogApplied(_log, policies.Count, ruleset.IngressPods.Count, ruleset.EgressPods.Count, _time.GetElapsedTime(started).TotalMilliseconds);
                _firstSync.TrySetResult();
                Synced?.Invoke(new PolicySyncResult(_time.GetUtcNow(), _time.GetElapsedTime(started), ruleset, true));
                return;
            }
            catch (NftException e)
            {
                refused = await FindRefusedAsync(policies, e.Message, cancellationToken).ConfigureAwait(false);
                if (refused.Count == 0)
                {
                    throw;
                }
            }
        }

        Report(policies, refused);
        Synced?.Invoke(new PolicySyncResult(_time.GetUtcNow(), _time.GetElapsedTime(started), ruleset, false));
    }

    /// <summary>The kernel refused the table: which policies, each checked alone, does it refuse?</summary>
    private async Task<List<PolicyError>> FindRefusedAsync(IReadOnlyList<V1NetworkPolicy> policies, string error, CancellationToken cancellationToken)
    {
        var refused = new List<PolicyError>();
        var pods = _pods.Cache.List();
        var namespaces = _namespaces.Cache.List();
        foreach (var policy in policies)
        {
            var alone = PolicyCompiler.Compile([policy], pods, namespaces, _options.NodeName);
            try
            {
                await _nft.CheckAsync(alone.Render(), cancellationToken).ConfigureAwait(false);
            }
            catch (NftException e)
            {
                refused.Add(new PolicyError(policy.Metadata?.NamespaceProperty ?? "", policy.Metadata?.Name ?? "", $"the kernel refused its rules: {e.Message}"));
            }
        }

        LogKernelRefused(_log, refused.Count, error);
        return refused;
    }

    private void Report(IReadOnlyList<V1NetworkPolicy> policies, IReadOnlyList<PolicyError> refused)
    {
        foreach (var error in refused)
        {
            LogPolicyRefused(_log, error.Namespace, error.Name, error.Message);
            var policy = policies.FirstOrDefault(p => p.Metadata?.NamespaceProperty == error.Namespace && p.Metadata?.Name == error.Name);
            var key = $"{error.Namespace}/{error.Name}/{policy?.Metadata?.ResourceVersion}/{error.Message}";
            if (policy is null || !_reported.Add(key))
            {
                continue;
            }

            _events.Event(policy, EventTypes.Warning, NotAppliedReason,
                $"node {_options.NodeName} cannot enforce this NetworkPolicy: {error.Message}; the node keeps the rules it had before this change (for every policy) until this one is fixed or deleted");
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "network policies applied: {Policies} policies, {Ingress} pods isolated for ingress, {Egress} for egress, in {Milliseconds} ms")]
    private static partial void LogApplied(ILogger log, int policies, int ingress, int egress, double milliseconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "network policy {Namespace}/{Name} not applied, the previous table stays: {Error}")]
    private static partial void LogPolicyRefused(ILogger log, string @namespace, string name, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "the kernel refused the network policy table ({Count} policies at fault): {Error}")]
    private static partial void LogKernelRefused(ILogger log, int count, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "network policy enforcement disabled (--disable-network-policy): NetworkPolicies are not enforced on this node; table {Family} {Table} removed")]
    private static partial void LogDisabled(ILogger log, string family, string table);

    [LoggerMessage(Level = LogLevel.Warning, Message = "bridged pod traffic cannot be filtered, pods on one node are not isolated from each other: {Error}")]
    private static partial void LogBridgeFilteringOff(ILogger log, string error);
}
