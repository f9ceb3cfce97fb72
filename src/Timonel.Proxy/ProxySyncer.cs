using Timonel.Proxy.Model;
using Timonel.Proxy.Nft;

namespace Timonel.Proxy;

/// <summary>The outcome of one applied transaction.</summary>
/// <param name="Ruleset">The per-service ruleset now in the kernel.</param>
public sealed record ProxySyncResult(DateTimeOffset Completed, TimeSpan Duration, TransactionSummary Summary, DesiredRuleset Ruleset);

/// <summary>
/// Takes the kernel from the last applied ruleset to the one the Services describe, one
/// transaction per call. Remembers what it applied, so the next call writes only the
/// difference; after a failure (or when asked) it reads the kernel's table and rewrites it whole.
/// </summary>
public sealed class ProxySyncer(ProxyOptions options, INftables nft, TimeProvider time)
{
    private readonly RulesetRenderer _renderer = new(options);
    private readonly TransactionBuilder _transactions = new(options);
    private DesiredRuleset? _applied;

    /// <summary>The ruleset of the last successful transaction; null before the first.</summary>
    public DesiredRuleset? Applied => _applied;

    public async Task<ProxySyncResult> SyncAsync(IReadOnlyList<ServiceState> services, bool full, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        var desired = _renderer.Render(services);
        var previous = full ? null : _applied;
        IReadOnlySet<string> existing = previous is null
            ? await nft.ListObjectsAsync(cancellationToken).ConfigureAwait(false)
            : new HashSet<string>();
        var (script, summary) = _transactions.Build(previous, desired, existing);
        if (previous is null || summary.ChainsWritten + summary.ChainsDeleted + summary.ElementsChanged > 0)
        {
            _applied = null;
            await nft.ApplyAsync(script, cancellationToken).ConfigureAwait(false);
        }

        _applied = desired;
        return new ProxySyncResult(time.GetUtcNow(), time.GetElapsedTime(started), summary, desired);
    }
}
