using System.Text;
using Microsoft.Extensions.Logging;
using Timonel.Storage;

namespace Timonel.ApiServer.Admission;

/// <summary>
/// Turns the ClusterIP claims of a data dir written before IPAddress objects
/// (<see cref="ServiceAllocations.LegacyIpPrefix"/>, value "namespace/name") into IPAddress
/// objects, then removes them. Each old claim goes only once its address is claimed as an
/// IPAddress, so an upgrade never hands out an address twice; a crash midway resumes at the next start.
/// </summary>
internal sealed partial class ServiceIpMigration(IStore store, ServiceAllocations allocations, ILogger logger)
{
    /// <summary>Migrates every old claim; returns how many it removed.</summary>
    public async Task<int> MigrateAsync(CancellationToken cancellationToken)
    {
        var migrated = 0;
        string? after = null;
        while (true)
        {
            var page = await store.RangeAsync(new RangeRequest(ServiceAllocations.LegacyIpPrefix, after, 1000), cancellationToken).ConfigureAwait(false);
            foreach (var claim in page.Items)
            {
                var address = claim.Key[ServiceAllocations.LegacyIpPrefix.Length..];
                var owner = Encoding.UTF8.GetString(claim.Value.Span);
                if (IpRange.ParseCanonical(address) is { } ip)
                {
                    var result = await allocations.Ips.TryClaimAsync(ip, owner, cancellationToken).ConfigureAwait(false);
                    if (result.Outcome == ClaimOutcome.Taken)
                    {
                        // Someone else's IPAddress holds it already: still held, so nothing is handed out twice.
                        Log.HeldElsewhere(logger, address, owner);
                    }
                }

                await store.DeleteAsync(claim.Key, claim.ModRevision, cancellationToken).ConfigureAwait(false);
                migrated++;
            }

            if (!page.More || page.Items.Count == 0)
            {
                break;
            }

            after = page.Items[^1].Key;
        }

        if (migrated > 0)
        {
            Log.Migrated(logger, migrated);
        }

        return migrated;
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Information, Message = "migrated {Count} ClusterIP claims to IPAddress objects")]
        public static partial void Migrated(ILogger logger, int count);

        [LoggerMessage(Level = LogLevel.Warning, Message = "old claim of {Address} by {Owner}: an IPAddress of another owner holds the address already")]
        public static partial void HeldElsewhere(ILogger logger, string address, string owner);
    }
}
