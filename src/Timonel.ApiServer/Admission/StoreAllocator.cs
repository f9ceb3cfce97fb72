using Timonel.Storage;

namespace Timonel.ApiServer.Admission;

/// <summary>
/// Integers in [First, First+Size) handed out through the store, so that every API server
/// sharing the datastore sees one set: a value is taken by creating its claim key
/// (<c>prefix + value</c>, its value written by the claim codec), which the store grants to
/// exactly one writer. ClusterIPs are claimed as IPAddress objects (<see cref="IpAddressClaims"/>),
/// as upstream's allocator does. Nothing is cached in memory, so nothing goes stale.
/// </summary>
internal sealed class StoreAllocator(IStore store, string prefix, long first, long size, Func<long, string> format, Func<string, long?> parse, Random random, IClaimCodec? claims = null)
{
    private readonly IClaimCodec _claims = claims ?? PlainClaims.Instance;

    /// <summary>Random picks tried before the allocator lists the claims to find a free value.</summary>
    private const int RandomProbes = 8;

    public long First => first;

    public long Size => size;

    public string Prefix => prefix;

    public bool Contains(long value) => value >= first && value < first + size;

    public string KeyFor(long value) => prefix + format(value);

    /// <summary>The value a claim key stands for; null for a key this allocator does not own.</summary>
    public long? ValueOf(string key) => key.StartsWith(prefix, StringComparison.Ordinal) && parse(key[prefix.Length..]) is { } v && Contains(v) ? v : null;

    /// <summary>The owner ("namespace/name") a claim names.</summary>
    public string OwnerOf(KeyValue claim) => _claims.OwnerOf(claim);

    /// <summary>Whether a claim was written by an allocator (not, say, an IPAddress a user created), so the repair may free it.</summary>
    public bool IsManaged(KeyValue claim) => _claims.IsManaged(claim);

    /// <summary>Claims <paramref name="value"/> for <paramref name="owner"/>.</summary>
    public async Task<ClaimResult> TryClaimAsync(long value, string owner, CancellationToken cancellationToken)
    {
        var key = KeyFor(value);
        var result = await store.CreateAsync(key, _claims.Encode(format(value), owner), cancellationToken).ConfigureAwait(false);
        if (result.Succeeded)
        {
            _claims.Written(key, result.Current!.ModRevision);
        }

        return result.Succeeded ? new ClaimResult(ClaimOutcome.Claimed, result.Current!.ModRevision)
            : result.Current is { } held && OwnerOf(held) == owner ? new ClaimResult(ClaimOutcome.AlreadyOwned, held.ModRevision)
            : new ClaimResult(ClaimOutcome.Taken, 0);
    }

    /// <summary>True when nobody but <paramref name="owner"/> holds <paramref name="value"/>.</summary>
    public async Task<bool> IsFreeAsync(long value, string owner, CancellationToken cancellationToken) =>
        await store.GetAsync(KeyFor(value), cancellationToken).ConfigureAwait(false) is not { } held || OwnerOf(held) == owner;

    /// <summary>Claims a free value (random picks, then a scan from a random start); null when the range is full.</summary>
    public async Task<(long Value, long ModRevision)?> ClaimNextAsync(string owner, bool dryRun, CancellationToken cancellationToken)
    {
        for (var i = 0; i < Math.Min(RandomProbes, size); i++)
        {
            var candidate = first + random.NextInt64(size);
            if (dryRun)
            {
                if (await store.GetAsync(KeyFor(candidate), cancellationToken).ConfigureAwait(false) is null)
                {
                    return (candidate, 0);
                }
            }
            else if (await TryClaimAsync(candidate, owner, cancellationToken).ConfigureAwait(false) is { Outcome: ClaimOutcome.Claimed } claimed)
            {
                return (candidate, claimed.ModRevision);
            }
        }

        // Crowded: read which values are taken and try only the others.
        var taken = new HashSet<long>();
        await foreach (var claim in ListClaimsAsync(cancellationToken).ConfigureAwait(false))
        {
            taken.Add(claim.Value);
        }

        var start = random.NextInt64(size);
        for (long i = 0; i < size && taken.Count < size; i++)
        {
            var candidate = first + ((start + i) % size);
            if (taken.Contains(candidate))
            {
                continue;
            }

            if (dryRun)
            {
                return (candidate, 0);
            }

            if (await TryClaimAsync(candidate, owner, cancellationToken).ConfigureAwait(false) is { Outcome: ClaimOutcome.Claimed } claimed)
            {
                return (candidate, claimed.ModRevision);
            }
        }

        return null;
    }

    /// <summary>Gives <paramref name="value"/> back if <paramref name="owner"/> holds it (another owner's claim is left alone).</summary>
    public async Task ReleaseAsync(long value, string owner, CancellationToken cancellationToken)
    {
        var held = await store.GetAsync(KeyFor(value), cancellationToken).ConfigureAwait(false);
        if (held is not null && OwnerOf(held) == owner)
        {
            await ReleaseExactAsync(value, held.ModRevision, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Deletes the claim written at <paramref name="modRevision"/>, if it is still that one.</summary>
    public async Task<WriteResult> ReleaseExactAsync(long value, long modRevision, CancellationToken cancellationToken)
    {
        var key = KeyFor(value);
        var result = await store.DeleteAsync(key, modRevision, cancellationToken).ConfigureAwait(false);
        if (result.Succeeded)
        {
            _claims.Written(key, result.Revision);
        }

        return result;
    }

    /// <summary>Every claim in the range, in key order.</summary>
    public async IAsyncEnumerable<(long Value, KeyValue Claim)> ListClaimsAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        string? after = null;
        while (true)
        {
            var page = await store.RangeAsync(new RangeRequest(prefix, after, 1000), cancellationToken).ConfigureAwait(false);
            foreach (var kv in page.Items)
            {
                if (ValueOf(kv.Key) is { } value)
                {
                    yield return (value, kv);
                }
            }

            if (!page.More || page.Items.Count == 0)
            {
                yield break;
            }

            after = page.Items[^1].Key;
        }
    }
}

internal enum ClaimOutcome
{
    /// <summary>The claim key was created by this call.</summary>
    Claimed,

    /// <summary>The same owner already held it (e.g. a create retried after a crash).</summary>
    AlreadyOwned,

    /// <summary>Someone else holds it.</summary>
    Taken,
}

internal readonly record struct ClaimResult(ClaimOutcome Outcome, long ModRevision);
