using System.Net;
using System.Text.Json.Nodes;
using Timonel.Api.Errors;
using Timonel.Api.Quota;
using Timonel.Api.Validation;
using Timonel.ApiServer.Registry;
using Timonel.Registry.Resources;
using Timonel.Storage;

namespace Timonel.ApiServer.Admission;

/// <summary>
/// Refuses a create that would take a namespace past one of its ResourceQuotas, and charges the
/// quota's status.used in the same step (compare-and-swap on the quota), as upstream's quota
/// admission does. Usage going down (deletes, finished pods) is the ResourceQuota controller's
/// job: it recalculates status.used from what exists.
/// </summary>
internal sealed class ResourceQuotaAdmission(ObjectStore objects, WatchedObjects quotas) : IAdmissionHook
{
    private readonly ApiResource _quotas = quotas.Resource;

    public bool AppliesTo(ApiResource resource) => resource.Namespaced && resource.Plural != "events";

    public async Task AdmitCreateAsync(ApiResource resource, JsonObject obj, bool dryRun, CancellationToken cancellationToken)
    {
        var ns = ObjectMetaAccess.Namespace(obj)!;
        for (var attempt = 0; ; attempt++)
        {
            var quotas = await ListQuotasAsync(ns, cancellationToken).ConfigureAwait(false);
            if (quotas.Count == 0)
            {
                return;
            }

            var usage = QuotaUsage.For(resource.Group, resource.Plural, obj);
            var charges = new List<(StoredObject Quota, ResourceAmounts Used)>();
            foreach (var quota in quotas)
            {
                if (Charge(resource, obj, quota.Object, usage) is { } used)
                {
                    charges.Add((quota, used));
                }
            }

            if (dryRun || charges.Count == 0)
            {
                return;
            }

            try
            {
                foreach (var (quota, used) in charges)
                {
                    var updated = quota.Object.DeepClone().AsObject();
                    updated.Ensure("status")["used"] = used.ToJson();
                    await objects.UpdateAsync(_quotas, updated, quota.ModRevision, cancellationToken).ConfigureAwait(false);
                }

                return;
            }
            catch (ApiException e) when (e.Reason == "Conflict" && attempt < 10)
            {
                // Another writer charged the quota first: re-read and decide again.
            }
        }
    }

    /// <summary>The quota's new status.used with <paramref name="usage"/> added, or null when it does not constrain this object.</summary>
    private static ResourceAmounts? Charge(ApiResource resource, JsonObject obj, JsonObject quota, ResourceAmounts usage)
    {
        if (!QuotaUsage.MatchesScopes(quota, resource.Group, resource.Plural, obj))
        {
            return null;
        }

        var hard = ResourceAmounts.FromJson(quota.Obj("status").Obj("hard") ?? quota.Obj("spec").Obj("hard"));
        var quotaName = quota.Obj("metadata").Str("name");
        var relevant = hard.Names.Where(usage.Contains).ToList();

        // A quota on compute resources requires pods to state them (upstream: "must specify").
        if (resource.Group.Length == 0 && resource.Plural == "pods" && !QuotaUsage.IsTerminal(obj))
        {
            var missing = hard.Names.Where(n => IsComputeName(n) && !usage.Contains(n)).ToList();
            if (missing.Count > 0)
            {
                throw Forbidden(resource, obj, $"failed quota: {quotaName}: must specify {string.Join(",", missing.Order(StringComparer.Ordinal))}");
            }
        }

        if (relevant.Count == 0)
        {
            return null;
        }

        var used = ResourceAmounts.FromJson(quota.Obj("status").Obj("used"));
        var unknown = relevant.Where(n => !used.Contains(n)).ToList();
        if (unknown.Count > 0)
        {
            // The quota controller has not counted yet: refuse rather than guess.
            throw Forbidden(resource, obj, $"status unknown for quota: {quotaName}, resources: {string.Join(",", unknown.Order(StringComparer.Ordinal))}");
        }

        var exceeded = relevant.Where(n => used[n] + usage[n] > hard[n]).ToList();
        if (exceeded.Count > 0)
        {
            throw Forbidden(resource, obj, $"exceeded quota: {quotaName}, requested: {usage.Describe(exceeded)}, used: {used.Describe(exceeded)}, limited: {hard.Describe(exceeded)}");
        }

        foreach (var name in relevant)
        {
            used.Add(name, usage[name], usage.IsBinary(name));
        }

        return used;
    }

    private static bool IsComputeName(string name) =>
        name is "cpu" or "memory" or "requests.cpu" or "requests.memory" or "limits.cpu" or "limits.memory";

    private static ApiException Forbidden(ApiResource resource, JsonObject obj, string message) =>
        new(HttpStatusCode.Forbidden, "Forbidden", $"{resource.GroupResource} \"{ObjectMetaAccess.Name(obj)}\" is forbidden: {message}",
            new StatusDetails(ObjectMetaAccess.Name(obj), resource.Group, resource.Plural, []));

    private async Task<List<StoredObject>> ListQuotasAsync(string ns, CancellationToken cancellationToken)
    {
        // The charge is a compare-and-swap on the quota, so quotas that exist are always read live.
        if (quotas.NoneIn(ns))
        {
            return [];
        }

        var page = await objects.Store.RangeAsync(new RangeRequest($"{_quotas.KeyPrefix}{ns}/"), cancellationToken).ConfigureAwait(false);
        return page.Items.Select(ObjectStore.Decode).ToList();
    }

    public Task AdmitUpdateAsync(ApiResource resource, JsonObject obj, JsonObject old, bool dryRun, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task AbortAsync(ApiResource resource, JsonObject obj, JsonObject? old, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task UpdatedAsync(ApiResource resource, JsonObject obj, JsonObject old, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task DeletedAsync(ApiResource resource, JsonObject deleted, CancellationToken cancellationToken) => Task.CompletedTask;
}
