using System.Net;
using System.Runtime.ExceptionServices;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Timonel.Client.LeaderElection;

/// <summary>
/// Lease-based leader election, as client-go's leaderelection package does it: candidates
/// compete for one coordination.k8s.io/v1 Lease; the holder renews it every RetryPeriod and
/// others take it over only once it is free (holderIdentity empty) or has not changed for
/// leaseDurationSeconds, measured on the candidate's own clock from when it last saw the
/// Lease change (so clock skew between machines does not matter, only clock rates).
/// </summary>
/// <remarks>
/// Guarantees: every write is conditional on the Lease's resourceVersion (a 409 loses the
/// round and is retried), so at most one candidate holds the Lease at a time; the leading
/// work gets a token that is cancelled as soon as renewal fails for RenewDeadline, and the
/// Lease is released only after that work has returned, so a successor never overlaps it.
/// One elector runs one election at a time; create another to run again.
/// </remarks>
public sealed partial class LeaderElector
{
    private readonly IKubernetes _client;
    private readonly LeaderElectionConfig _config;
    private readonly ILogger _logger;
    private readonly Random _random;
    private V1Lease? _observed;
    private DateTimeOffset _observedTime;
    private volatile string? _holder;
    private string? _reportedLeader;
    private int _running;

    /// <summary>Creates an elector; <paramref name="config"/> is validated here.</summary>
    /// <exception cref="ArgumentException">The config breaks a rule of <see cref="LeaderElectionConfig.Validate"/>.</exception>
    public LeaderElector(IKubernetes client, LeaderElectionConfig config, ILogger<LeaderElector>? logger = null, Random? random = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        _client = client;
        _config = config;
        _logger = logger ?? (ILogger)NullLogger.Instance;
        _random = random ?? Random.Shared;
    }

    public LeaderElectionConfig Config => _config;

    /// <summary>True while the last observed Lease names this candidate as holder.</summary>
    public bool IsLeader => _holder == _config.Identity;

    /// <summary>The holder in the last observed Lease; null before the first read or when the Lease is free.</summary>
    public string? CurrentLeader => string.IsNullOrEmpty(_holder) ? null : _holder;

    /// <summary>
    /// Competes for the Lease until this candidate leads, runs <paramref name="onStartedLeading"/>
    /// while it does, and returns when leadership ends: renewal failed for RenewDeadline, the
    /// work returned or threw (the exception is rethrown after the Lease is released), or
    /// <paramref name="cancellationToken"/> fired (then the Lease is released when
    /// <see cref="LeaderElectionConfig.ReleaseOnCancel"/>).
    /// </summary>
    /// <param name="onStartedLeading">The leader's work; it must stop promptly when its token is cancelled (leadership lost or shutdown).</param>
    /// <param name="onStoppedLeading">Called once after the work has returned, only if this candidate led (client-go calls it even if it never led).</param>
    /// <param name="onNewLeader">Called with each newly observed holder, including this candidate; must not block.</param>
    /// <param name="cancellationToken">Stops the election.</param>
    public async Task RunAsync(Func<CancellationToken, Task> onStartedLeading, Action? onStoppedLeading = null, Action<string>? onNewLeader = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(onStartedLeading);
        if (Interlocked.Exchange(ref _running, 1) != 0)
        {
            throw new InvalidOperationException("this LeaderElector is already running; create one elector per election");
        }

        if (!await AcquireAsync(onNewLeader, cancellationToken).ConfigureAwait(false))
        {
            return;
        }

        Log.StartedLeading(_logger, _config.Identity, _config.LeaseNamespace, _config.LeaseName);
        using var leading = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var work = Task.Run(() => onStartedLeading(leading.Token), CancellationToken.None);
        ExceptionDispatchInfo? failure = null;
        try
        {
            await RenewAsync(work, onNewLeader, leading.Token).ConfigureAwait(false);
        }
        finally
        {
            await leading.CancelAsync().ConfigureAwait(false);
            try
            {
                await work.ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (leading.IsCancellationRequested)
            {
                // The work stopped because we told it to.
            }
            catch (Exception e)
            {
                failure = ExceptionDispatchInfo.Capture(e);
            }

            // Only now that the work has returned may a successor start.
            if (_config.ReleaseOnCancel || work.IsCompleted && !cancellationToken.IsCancellationRequested)
            {
                await ReleaseAsync().ConfigureAwait(false);
            }

            Log.StoppedLeading(_logger, _config.Identity, _config.LeaseNamespace, _config.LeaseName);
            onStoppedLeading?.Invoke();
        }

        failure?.Throw();
    }

    /// <summary>Tries every RetryPeriod (with jitter) until the Lease is ours; false when cancelled first.</summary>
    private async Task<bool> AcquireAsync(Action<string>? onNewLeader, CancellationToken cancellationToken)
    {
        while (true)
        {
            var acquired = false;
            try
            {
                acquired = await TryAcquireOrRenewAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return false;
            }
            catch (Exception e) when (e is HttpOperationException or HttpRequestException or OperationCanceledException or IOException)
            {
                Log.AttemptFailed(_logger, _config.LeaseNamespace, _config.LeaseName, e);
            }

            ReportTransition(onNewLeader);
            if (acquired)
            {
                return true;
            }

            var delay = _config.RetryPeriod * (1 + (_random.NextDouble() * LeaderElectionConfig.JitterFactor));
            try
            {
                await Task.Delay(delay, _config.Time, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return false;
            }
        }
    }

    /// <summary>Renews every RetryPeriod; returns when a round fails for RenewDeadline, the work ends, or the token fires.</summary>
    private async Task RenewAsync(Task work, Action<string>? onNewLeader, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested && !work.IsCompleted)
        {
            if (!await RenewRoundAsync(onNewLeader, cancellationToken).ConfigureAwait(false))
            {
                if (!cancellationToken.IsCancellationRequested)
                {
                    Log.LostLeadership(_logger, _config.Identity, _config.LeaseNamespace, _config.LeaseName, CurrentLeader ?? "nobody");
                }

                return;
            }

            try
            {
                await Task.WhenAny(work, Task.Delay(_config.RetryPeriod, _config.Time, cancellationToken)).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>One renewal round: retries until it succeeds, another holds the Lease, or RenewDeadline passes.</summary>
    private async Task<bool> RenewRoundAsync(Action<string>? onNewLeader, CancellationToken cancellationToken)
    {
        using var deadline = new CancellationTokenSource(_config.RenewDeadline, _config.Time);
        using var round = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        while (true)
        {
            var renewed = false;
            try
            {
                renewed = await TryAcquireOrRenewAsync(round.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (round.IsCancellationRequested)
            {
                return false;
            }
            catch (Exception e) when (e is HttpOperationException or HttpRequestException or OperationCanceledException or IOException)
            {
                Log.AttemptFailed(_logger, _config.LeaseNamespace, _config.LeaseName, e);
            }

            ReportTransition(onNewLeader);
            if (renewed)
            {
                return true;
            }

            if (CurrentLeader is not null && !IsLeader)
            {
                // Someone else holds it: it can only have taken it after our lease expired.
                return false;
            }

            try
            {
                await Task.Delay(_config.RetryPeriod, _config.Time, round.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return false;
            }
        }
    }

    /// <summary>client-go's tryAcquireOrRenew: one read and at most one conditional write.</summary>
    private async Task<bool> TryAcquireOrRenewAsync(CancellationToken cancellationToken)
    {
        var now = _config.Time.GetUtcNow();
        V1Lease lease;
        try
        {
            lease = await _client.CoordinationV1.ReadNamespacedLeaseAsync(_config.LeaseName, _config.LeaseNamespace, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            var fresh = new V1Lease
            {
                Metadata = new V1ObjectMeta { Name = _config.LeaseName, NamespaceProperty = _config.LeaseNamespace },
                Spec = HeldSpec(now, now, 0),
            };
            try
            {
                Observe(await _client.CoordinationV1.CreateNamespacedLeaseAsync(fresh, _config.LeaseNamespace, cancellationToken: cancellationToken).ConfigureAwait(false), now);
                return true;
            }
            catch (HttpOperationException c) when (c.Response.StatusCode == HttpStatusCode.Conflict)
            {
                return false;
            }
        }

        if (_observed?.Metadata?.ResourceVersion != lease.Metadata?.ResourceVersion)
        {
            Observe(lease, now);
        }

        var spec = lease.Spec ?? new V1LeaseSpec();
        var mine = spec.HolderIdentity == _config.Identity;
        var duration = spec.LeaseDurationSeconds is > 0 ? TimeSpan.FromSeconds(spec.LeaseDurationSeconds.Value) : _config.LeaseDuration;
        if (!string.IsNullOrEmpty(spec.HolderIdentity) && !mine && _observedTime + duration > now)
        {
            return false;
        }

        lease.Spec = mine
            ? HeldSpec(spec.AcquireTime is { } acquired ? new DateTimeOffset(DateTime.SpecifyKind(acquired, DateTimeKind.Utc)) : now, now, spec.LeaseTransitions ?? 0)
            : HeldSpec(now, now, (spec.LeaseTransitions ?? 0) + 1);
        try
        {
            Observe(await _client.CoordinationV1.ReplaceNamespacedLeaseAsync(lease, _config.LeaseName, _config.LeaseNamespace, cancellationToken: cancellationToken).ConfigureAwait(false), now);
            return true;
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Conflict)
        {
            // Someone wrote between our read and our write: the next attempt reads again.
            return false;
        }
    }

    /// <summary>Gives the Lease up (holder cleared, duration 1 s, as client-go does) if we still hold it.</summary>
    private async Task ReleaseAsync()
    {
        if (!IsLeader || _observed is null)
        {
            return;
        }

        using var timeout = new CancellationTokenSource(_config.RenewDeadline, _config.Time);
        var lease = _observed;
        try
        {
            // A renewal cut off by the same cancellation may still have landed, leaving our copy one
            // version behind: on a conflict read the Lease again and release it if it is still ours.
            for (var attempt = 0; ; attempt++)
            {
                var now = _config.Time.GetUtcNow();
                lease.Spec = new V1LeaseSpec
                {
                    HolderIdentity = null,
                    LeaseDurationSeconds = 1,
                    AcquireTime = now.UtcDateTime,
                    RenewTime = now.UtcDateTime,
                    LeaseTransitions = lease.Spec?.LeaseTransitions ?? 0,
                };
                try
                {
                    Observe(await _client.CoordinationV1.ReplaceNamespacedLeaseAsync(lease, _config.LeaseName, _config.LeaseNamespace, cancellationToken: timeout.Token).ConfigureAwait(false), now);
                    Log.Released(_logger, _config.Identity, _config.LeaseNamespace, _config.LeaseName);
                    return;
                }
                catch (HttpOperationException e) when (e.Response.StatusCode == System.Net.HttpStatusCode.Conflict && attempt < 2)
                {
                    lease = await _client.CoordinationV1.ReadNamespacedLeaseAsync(_config.LeaseName, _config.LeaseNamespace, cancellationToken: timeout.Token).ConfigureAwait(false);
                    if (lease.Spec?.HolderIdentity != _config.Identity)
                    {
                        _holder = null;
                        return;
                    }
                }
            }
        }
        catch (Exception e) when (e is HttpOperationException or HttpRequestException or OperationCanceledException or IOException)
        {
            // Not fatal: the Lease then expires after its duration.
            Log.ReleaseFailed(_logger, _config.LeaseNamespace, _config.LeaseName, e);
            _holder = null;
        }
    }

    private V1LeaseSpec HeldSpec(DateTimeOffset acquired, DateTimeOffset now, int transitions) => new()
    {
        HolderIdentity = _config.Identity,
        LeaseDurationSeconds = (int)Math.Ceiling(_config.LeaseDuration.TotalSeconds),
        AcquireTime = acquired.UtcDateTime,
        RenewTime = now.UtcDateTime,
        LeaseTransitions = transitions,
    };

    private void Observe(V1Lease lease, DateTimeOffset now)
    {
        _observed = lease;
        _observedTime = now;
        _holder = lease.Spec?.HolderIdentity;
    }

    private void ReportTransition(Action<string>? onNewLeader)
    {
        var holder = CurrentLeader;
        if (holder is null || holder == _reportedLeader)
        {
            return;
        }

        _reportedLeader = holder;
        Log.NewLeader(_logger, holder, _config.LeaseNamespace, _config.LeaseName);
        try
        {
            onNewLeader?.Invoke(holder);
        }
        catch (Exception e)
        {
            Log.CallbackFailed(_logger, e);
        }
    }
}
