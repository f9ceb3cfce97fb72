using System.Text.Json.Nodes;
using Timonel.Api.Errors;
using Timonel.Api.Selectors;
using Timonel.ApiServer.Registry;

namespace Timonel.ApiServer.Admission.Webhooks;

/// <summary>
/// A webhook's namespaceSelector and objectSelector, as upstream matches them: the namespace
/// selector is tested against the labels of the request's namespace (a Namespace's own labels
/// when the request is for a Namespace; cluster-scoped requests always match); the object
/// selector against the new object's labels or the old one's (either matching is enough).
/// </summary>
internal sealed class WebhookSelectors(WatchedObjects namespaces)
{
    public async Task<bool> MatchesAsync(AdmissionWebhook webhook, AdmissionRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(webhook);
        ArgumentNullException.ThrowIfNull(request);
        var objectSelector = Selector(webhook, webhook.ObjectSelector, "objectSelector");
        if (!objectSelector.IsEmpty
            && !(request.Object is { } obj && objectSelector.Matches(LabelSelector.LabelsOf(obj)))
            && !(request.OldObject is { } old && objectSelector.Matches(LabelSelector.LabelsOf(old))))
        {
            return false;
        }

        var namespaceSelector = Selector(webhook, webhook.NamespaceSelector, "namespaceSelector");
        if (namespaceSelector.IsEmpty)
        {
            return true;
        }

        if (request.Resource.Group.Length == 0 && request.Resource.Plural == "namespaces")
        {
            return namespaceSelector.Matches(LabelSelector.LabelsOf(request.Object ?? request.OldObject ?? []));
        }

        if (request.Namespace.Length == 0)
        {
            return true;
        }

        var ns = await namespaces.GetAsync(null, request.Namespace, cancellationToken).ConfigureAwait(false);
        return namespaceSelector.Matches(ns is null ? new Dictionary<string, string>() : LabelSelector.LabelsOf(ns));
    }

    // An absent selector is upstream's default {}: everything. A bad one was refused on write; should one be stored, the webhook's name says whose it is.
    private static LabelSelector Selector(AdmissionWebhook webhook, JsonObject? selector, string field)
    {
        if (selector is null)
        {
            return LabelSelector.Everything;
        }

        try
        {
            return LabelSelector.FromLabelSelectorJson(selector);
        }
        catch (ApiException e)
        {
            throw ApiException.Internal($"failed calling webhook \"{webhook.Name}\": invalid {field}: {e.Message}");
        }
    }
}
