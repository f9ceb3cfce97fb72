using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Timonel.Api.Errors;
using Timonel.Api.Selectors;
using Timonel.Api.Validation;
using Timonel.Registry.Resources;

namespace Timonel.ApiServer.Registry;

/// <summary>
/// POST pods/{name}/eviction (upstream's EvictionREST): deletes a pod unless that would break
/// its PodDisruptionBudget. A terminal, pending or already deleting pod is deleted without
/// asking; otherwise the one budget selecting the pod must allow a disruption, and that
/// allowance is spent (status.disruptionsAllowed decremented, the pod recorded in
/// status.disruptedPods) before the pod is deleted, so that two evictions cannot both use it.
/// </summary>
internal sealed class EvictionSubresource(ResourceCatalog catalog, ObjectStore objects, ObjectLister lister, ObjectDeleter deleter, GuaranteedUpdater updater, TimeProvider time, IEnumerable<Admission.IRequestAdmission> admission)
{
    /// <summary>Upstream's MaxDisruptedPodSize: more unconfirmed evictions than this and the budget refuses more.</summary>
    public const int MaxDisruptedPods = 2000;

    private const string TooManyRequestsMessage = "Cannot evict pod as it would violate the pod's disruption budget.";

    private const string EvictionReason = "EvictionByEvictionAPI";

    private const string EvictionMessage = "Eviction API: evicting";

    public async Task EvictAsync(ApiResource pods, string ns, string name, JsonObject eviction, DeleteOptions options, CancellationToken cancellationToken)
    {
        if (ObjectMetaAccess.Name(eviction) is { Length: > 0 } evictionName && evictionName != name)
        {
            throw ApiException.BadRequest("name in URL does not match name in Eviction object");
        }

        // Admission of the eviction itself (NodeRestriction), before any budget is spent.
        if (options.User is { } user)
        {
            var request = new Admission.AdmissionRequest(user, Admission.AdmissionOperation.Create, pods, "eviction", ns, name, eviction, null);
            foreach (var plugin in admission)
            {
                await plugin.ValidateAsync(request, cancellationToken).ConfigureAwait(false);
            }
        }

        var clientPinned = options.PreconditionResourceVersion is not null;
        if (await TryDeleteWithoutBudgetAsync(pods, ns, name, options, clientPinned, cancellationToken).ConfigureAwait(false) is not { } pod)
        {
            return;
        }

        var budgets = await BudgetsOfAsync(ns, pod.Object, cancellationToken).ConfigureAwait(false);
        if (budgets.Count > 1)
        {
            // Upstream answers a Status with code 500 and no reason.
            throw new ApiException(HttpStatusCode.InternalServerError, "", "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.");
        }

        var pinPod = false;
        string? budgetName = null;
        if (budgets.Count == 1)
        {
            var budget = budgets[0];
            budgetName = ObjectMetaAccess.Name(budget)!;
            if (!IsReady(pod.Object) && UnhealthyMayGo(budget))
            {
                // An unready pod does not count as healthy: deleting it spends nothing, as long as
                // it is still unready when deleted.
                pinPod = true;
            }
            else
            {
                await SpendDisruptionAsync(ns, budgetName, name, options.DryRun, cancellationToken).ConfigureAwait(false);
            }
        }

        try
        {
            await AddConditionAndDeleteAsync(pods, ns, name, pinPod && !clientPinned ? options with { PreconditionResourceVersion = ObjectMetaAccess.ResourceVersion(pod.Object) } : options, cancellationToken).ConfigureAwait(false);
        }
        catch (ApiException e) when (e.Reason == "Conflict" && pinPod && !clientPinned)
        {
            // The pod changed (perhaps became ready) since it was judged: the client asks again.
            throw StillProcessing(budgetName!);
        }
    }

    // Upstream's first step: a pod that cannot be disrupted any further (terminal, pending or
    // deleting) is deleted without looking at budgets. Returns the pod when budgets apply.
    private async Task<StoredObject?> TryDeleteWithoutBudgetAsync(ApiResource pods, string ns, string name, DeleteOptions options, bool clientPinned, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var pod = await objects.GetRequiredAsync(pods, ns, name, cancellationToken).ConfigureAwait(false);
            var phase = JsonAccess.AsString(pod.Object["status"]?["phase"]);
            var deleting = ObjectMetaAccess.IsDeleting(pod.Object);
            if (phase is not ("Succeeded" or "Failed" or "Pending") && !deleting)
            {
                return pod;
            }

            // A pending pod is pinned to the version judged, so it cannot become running (and
            // guarded) between the look and the delete.
            var pin = phase is "Pending" && !deleting && !clientPinned;
            try
            {
                await AddConditionAndDeleteAsync(pods, ns, name, pin ? options with { PreconditionResourceVersion = ObjectMetaAccess.ResourceVersion(pod.Object) } : options, cancellationToken).ConfigureAwait(false);
                return null;
            }
            catch (ApiException e) when (e.Reason == "Conflict" && !clientPinned && attempt < GuaranteedUpdater.MaxAttempts)
            {
                // The pod changed since it was judged: judge it again.
            }
        }
    }

    // Upstream's addConditionAndDeletePod: the pod first gets DisruptionTarget=True (reason
    // EvictionByEvictionAPI) through its status, so whoever watches it (its controller, a Job's
    // podFailurePolicy) learns why it goes; then it is deleted. A client's preconditions are checked
    // against the pod as it is before the condition is written, and a pinned resourceVersion moves
    // to the version that write made, since that change is the eviction's own.
    private async Task AddConditionAndDeleteAsync(ApiResource pods, string ns, string name, DeleteOptions options, CancellationToken cancellationToken)
    {
        if (!options.DryRun)
        {
            var written = await updater.GuaranteedUpdateAsync(pods, ns, name, current =>
            {
                CheckPreconditions(name, current.Object, options);
                var pod = (JsonObject)current.Object.DeepClone();
                return SetDisruptionTarget(pod, time.GetUtcNow()) ? pod : null;
            }, "status", WriteOptions.Default(), cancellationToken).ConfigureAwait(false);
            if (options.PreconditionResourceVersion is not null)
            {
                options = options with { PreconditionResourceVersion = ObjectMetaAccess.ResourceVersion(written.Object) };
            }
        }

        await deleter.DeleteAsync(pods, ns, name, options, cancellationToken).ConfigureAwait(false);
    }

    // Upstream names the resource "Pod" (kind-cased, no group) in these two conflicts.
    private static void CheckPreconditions(string name, JsonObject latest, DeleteOptions options)
    {
        if (options.PreconditionUid is { Length: > 0 } uid && uid != ObjectMetaAccess.Uid(latest))
        {
            throw ApiException.Conflict("", "Pod", name, $"the UID in the precondition ({uid}) does not match the UID in record ({ObjectMetaAccess.Uid(latest)}). The object might have been deleted and then recreated");
        }

        if (options.PreconditionResourceVersion is { Length: > 0 } rv && rv != ObjectMetaAccess.ResourceVersion(latest))
        {
            throw ApiException.Conflict("", "Pod", name, $"the ResourceVersion in the precondition ({rv}) does not match the ResourceVersion in record ({ObjectMetaAccess.ResourceVersion(latest)}). The object might have been modified");
        }
    }

    // Upstream's UpdatePodCondition: the transition time moves only when the status changes;
    // false when the pod already says exactly this.
    private static bool SetDisruptionTarget(JsonObject pod, DateTimeOffset now) =>
        SetCondition(pod.Ensure("status"), "DisruptionTarget", "True", EvictionReason, EvictionMessage, now) is not null;

    private async Task<List<JsonObject>> BudgetsOfAsync(string ns, JsonObject pod, CancellationToken cancellationToken)
    {
        var pdbs = catalog.Find("policy", "v1", "poddisruptionbudgets")!;
        var page = await lister.ListAsync(pdbs, ns, ListOptions.From(pdbs, new QueryCollection()), cancellationToken).ConfigureAwait(false);
        var labels = ObjectMetaAccess.Labels(pod);
        var matching = new List<JsonObject>();
        foreach (var pdb in page.Items)
        {
            LabelSelector selector;
            try
            {
                selector = LabelSelector.FromLabelSelectorJson(pdb["spec"]?["selector"] as JsonObject);
            }
            catch (ApiException)
            {
                // An invalid selector matches no pod, as upstream says.
                continue;
            }

            // policy/v1: a null selector selects nothing, an empty one every pod of the namespace.
            if (selector.Matches(labels))
            {
                matching.Add(pdb);
            }
        }

        return matching;
    }

    // Upstream's checkAndDecrement, on the freshest budget each time a concurrent writer wins.
    private Task SpendDisruptionAsync(string ns, string budgetName, string podName, bool dryRun, CancellationToken cancellationToken)
    {
        var pdbs = catalog.Find("policy", "v1", "poddisruptionbudgets")!;
        return updater.GuaranteedUpdateAsync(pdbs, ns, budgetName, current =>
        {
            var pdb = (JsonObject)current.Object.DeepClone();
            var status = pdb["status"] as JsonObject ?? new JsonObject();
            pdb["status"] = status;
            if ((JsonAccess.WholeNumber(status["observedGeneration"]) ?? 0) < (JsonAccess.WholeNumber(pdb["metadata"]?["generation"]) ?? 0))
            {
                throw StillProcessing(budgetName);
            }

            var allowed = JsonAccess.WholeNumber(status["disruptionsAllowed"]) ?? 0;
            if (allowed < 0)
            {
                throw BudgetForbidden(budgetName, "pdb disruptions allowed is negative");
            }

            var disrupted = status["disruptedPods"] as JsonObject ?? new JsonObject();
            if (disrupted.Count > MaxDisruptedPods)
            {
                throw BudgetForbidden(budgetName, "DisruptedPods map too big - too many evictions not confirmed by PDB controller");
            }

            if (allowed == 0)
            {
                var desired = JsonAccess.WholeNumber(status["desiredHealthy"]) ?? 0;
                var healthy = JsonAccess.WholeNumber(status["currentHealthy"]) ?? 0;
                throw TooManyRequests(0, $"The disruption budget {budgetName} needs {desired} healthy pods and has {healthy} currently");
            }

            if (dryRun)
            {
                return null;
            }

            var now = time.GetUtcNow();
            status["disruptionsAllowed"] = allowed - 1;
            if (allowed - 1 == 0)
            {
                SetDisruptionAllowedCondition(status, now);
            }

            disrupted[podName] = ObjectMetaAccess.Timestamp(now);
            status["disruptedPods"] = disrupted;
            return pdb;
        }, "status", WriteOptions.Default(), cancellationToken);
    }

    // Upstream's UpdateDisruptionAllowedCondition once no disruption is left: DisruptionAllowed
    // False for InsufficientPods, its transition time moved only when the status changes.
    private static void SetDisruptionAllowedCondition(JsonObject status, DateTimeOffset now)
    {
        // Written even when unchanged: the decrement itself is the write.
        var condition = SetCondition(status, "DisruptionAllowed", "False", "InsufficientPods", "", now)
            ?? status["conditions"]!.AsArray().OfType<JsonObject>().First(c => JsonAccess.AsString(c["type"]) == "DisruptionAllowed");
        if (JsonAccess.WholeNumber(status["observedGeneration"]) is { } generation and not 0)
        {
            condition["observedGeneration"] = generation;
        }
        else
        {
            condition.Remove("observedGeneration");
        }
    }

    // Upstream's condition update on a status's conditions list: the transition time moves only
    // when the status changes (or was never set). Returns the condition written, or null when it
    // already said exactly this.
    private static JsonObject? SetCondition(JsonObject status, string type, string value, string reason, string message, DateTimeOffset now)
    {
        var conditions = status["conditions"] as JsonArray ?? [];
        status["conditions"] = conditions;
        var condition = conditions.OfType<JsonObject>().FirstOrDefault(c => JsonAccess.AsString(c["type"]) == type);
        if (condition is null)
        {
            condition = new JsonObject { ["type"] = type };
            conditions.Add(condition);
        }
        else if (JsonAccess.AsString(condition["status"]) == value
            && JsonAccess.AsString(condition["reason"]) == reason
            && JsonAccess.AsString(condition["message"]) == message)
        {
            return null;
        }

        if (JsonAccess.AsString(condition["status"]) != value || condition["lastTransitionTime"] is null)
        {
            condition["lastTransitionTime"] = ObjectMetaAccess.Timestamp(now);
        }

        condition["status"] = value;
        condition["reason"] = reason;
        condition["message"] = message;
        return condition;
    }

    private static bool IsReady(JsonObject pod) =>
        (pod["status"]?["conditions"] as JsonArray)?.OfType<JsonObject>().Any(c => JsonAccess.AsString(c["type"]) == "Ready" && JsonAccess.AsString(c["status"]) == "True") == true;

    // Upstream's unhealthyPodEvictionPolicy: AlwaysAllow lets an unready pod go; the default
    // (IfHealthyBudget) only while the budget's healthy pods meet its desire.
    private static bool UnhealthyMayGo(JsonObject pdb)
    {
        if (JsonAccess.AsString(pdb["spec"]?["unhealthyPodEvictionPolicy"]) == "AlwaysAllow")
        {
            return true;
        }

        var desired = JsonAccess.WholeNumber(pdb["status"]?["desiredHealthy"]) ?? 0;
        return desired > 0 && (JsonAccess.WholeNumber(pdb["status"]?["currentHealthy"]) ?? 0) >= desired;
    }

    private static ApiException StillProcessing(string budgetName) =>
        TooManyRequests(10, $"The disruption budget {budgetName} is still being processed by the server.");

    private static ApiException TooManyRequests(int retryAfterSeconds, string cause) =>
        new((HttpStatusCode)429, "TooManyRequests", TooManyRequestsMessage,
            new StatusDetails(null, null, null, [new StatusCause("DisruptionBudget", cause, "")], retryAfterSeconds));

    // Upstream names the resource in the singular here (policy.Resource("poddisruptionbudget")).
    private static ApiException BudgetForbidden(string budgetName, string why) =>
        new(HttpStatusCode.Forbidden, "Forbidden", $"poddisruptionbudget.policy \"{budgetName}\" is forbidden: {why}",
            new StatusDetails(budgetName, "policy", "poddisruptionbudget"));
}
