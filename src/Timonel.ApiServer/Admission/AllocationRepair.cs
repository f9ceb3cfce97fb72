using Microsoft.Extensions.Logging;
using Timonel.ApiServer.Registry;
using Timonel.Registry.Resources;
using Timonel.Storage;

namespace Timonel.ApiServer.Admission;

/// <summary>
/// Keeps the allocation claims (IPAddress objects for ClusterIPs) in step with the stored
/// Services, as upstream's ClusterIP and NodePort repair controllers do: a value a Service holds
/// without a claim (data written before claims existed, a migrated datastore, an IPAddress
/// deleted by hand) is claimed for it; a claim no Service holds (a server crashed between claim
/// and write, or its Service now has another address) is freed once it has looked leaked on
/// <see cref="PassesBeforeLeakCleanup"/> consecutive passes, so an in-flight create whose
/// Service is not written yet is never robbed. Every server may run it: each write is
/// conditional, so concurrent passes do not fight.
/// </summary>
internal sealed partial class AllocationRepair(ServiceAllocations allocations, IStore store, ApiResource services, ILogger logger)
{
    public const int PassesBeforeLeakCleanup = 3;

    /// <summary>Upstream repairs every 3 minutes.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromMinutes(3);

    // Claim key → (mod revision seen leaked, how many passes in a row).
    private readonly Dictionary<string, (long ModRevision, int Passes)> _suspects = [];

    /// <summary>One pass; returns how many claims it created and freed.</summary>
    public async Task<(int Claimed, int Freed)> RepairAsync(CancellationToken cancellationToken)
    {
        // Claims are read before Services: a create in flight then shows its claim without its
        // Service, which only makes it a suspect, never a victim.
        var claims = new Dictionary<string, (StoreAllocator Allocator, long Value, KeyValue Claim)>();
        foreach (var allocator in new[] { allocations.Ips, allocations.Ports })
        {
            await foreach (var (value, claim) in allocator.ListClaimsAsync(cancellationToken).ConfigureAwait(false))
            {
                // An IPAddress a user created blocks its address but is not the repair's to free.
                if (allocator.IsManaged(claim))
                {
                    claims[claim.Key] = (allocator, value, claim);
                }
            }
        }

        var held = new HashSet<string>();
        var claimed = 0;
        string? after = null;
        while (true)
        {
            var page = await store.RangeAsync(new RangeRequest(services.KeyPrefix, after, 1000), cancellationToken).ConfigureAwait(false);
            foreach (var kv in page.Items)
            {
                var svc = ObjectStore.Decode(kv).Object;
                var owner = ServiceAllocations.Owner(svc);
                var values = allocations.HeldIps(svc).Select(v => (allocations.Ips, v)).Concat(allocations.HeldPorts(svc).Select(v => (allocations.Ports, v)));
                foreach (var (allocator, value) in values)
                {
                    var key = allocator.KeyFor(value);
                    held.Add(key);
                    if (claims.TryGetValue(key, out var existing))
                    {
                        if (allocator.OwnerOf(existing.Claim) != owner)
                        {
                            // Another Service's IPAddress: leave it (upstream reports the duplicate too).
                            Log.Duplicate(logger, key, owner);
                        }

                        continue;
                    }

                    var result = await allocator.TryClaimAsync(value, owner, cancellationToken).ConfigureAwait(false);
                    if (result.Outcome == ClaimOutcome.Claimed)
                    {
                        claimed++;
                    }
                    else if (result.Outcome == ClaimOutcome.Taken)
                    {
                        Log.Duplicate(logger, key, owner);
                    }
                }
            }

            if (!page.More || page.Items.Count == 0)
            {
                break;
            }

            after = page.Items[^1].Key;
        }

        var freed = 0;
        var leaked = claims.Where(c => !held.Contains(c.Key)).ToList();
        foreach (var key in _suspects.Keys.Except(leaked.Select(l => l.Key)).ToList())
        {
            _suspects.Remove(key);
        }

        foreach (var (key, (allocator, value, claim)) in leaked)
        {
            var passes = _suspects.TryGetValue(key, out var seen) && seen.ModRevision == claim.ModRevision ? seen.Passes + 1 : 1;
            if (passes < PassesBeforeLeakCleanup)
            {
                _suspects[key] = (claim.ModRevision, passes);
                continue;
            }

            _suspects.Remove(key);
            if ((await allocator.ReleaseExactAsync(value, claim.ModRevision, cancellationToken).ConfigureAwait(false)).Succeeded)
            {
                freed++;
                Log.Freed(logger, key, allocator.OwnerOf(claim));
            }
        }

        return (claimed, freed);
    }

    /// <summary>Repairs every <see cref="Interval"/> until cancelled; failures are logged and retried next time.</summary>
    public async Task RunAsync(TimeProvider time, CancellationToken cancellationToken)
    {
        while (true)
        {
            try
            {
                await Task.Delay(Interval, time, cancellationToken).ConfigureAwait(false);
                await RepairAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is StoreUnavailableException or Timonel.Api.Errors.ApiException)
            {
                Log.PassFailed(logger, e);
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Warning, Message = "service {Owner} holds {Key}, which another service has claimed: two services share it (data written before claims existed)")]
        public static partial void Duplicate(ILogger logger, string key, string owner);

        [LoggerMessage(Level = LogLevel.Information, Message = "freed leaked allocation {Key} (claimed by {Owner}, held by no service)")]
        public static partial void Freed(ILogger logger, string key, string owner);

        [LoggerMessage(Level = LogLevel.Warning, Message = "allocation repair pass failed; retrying at the next interval")]
        public static partial void PassFailed(ILogger logger, Exception error);
    }
}
