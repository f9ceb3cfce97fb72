using k8s.Models;
using Timonel.Api.Selectors;

namespace Timonel.Client.Controllers;

/// <summary>A workload's metav1.LabelSelector as a matcher for the labels of the objects it may own.</summary>
public static class ObjectSelectors
{
    /// <summary>
    /// upstream's LabelSelectorAsSelector: null selects nothing, an empty selector everything; an
    /// invalid selector throws ApiException 400. Built from the typed model directly: controllers call
    /// this per event.
    /// </summary>
    public static LabelSelector From(V1LabelSelector? selector) => LabelSelector.From(selector);

    public static bool Matches(LabelSelector selector, V1ObjectMeta? meta) =>
        selector.Matches((IReadOnlyDictionary<string, string>?)meta?.Labels ?? new Dictionary<string, string>());

    /// <summary>The object's controller reference (the owner reference with controller=true), or null.</summary>
    public static V1OwnerReference? ControllerOf(V1ObjectMeta? meta) => meta?.OwnerReferences?.FirstOrDefault(r => r.Controller == true);

    /// <summary>
    /// The owners that may adopt <paramref name="orphan"/>: those among <paramref name="owners"/>
    /// whose selector matches it. None for an object that has a controller or is being deleted.
    /// </summary>
    public static IEnumerable<TOwner> MayAdopt<TOwner>(V1ObjectMeta orphan, IEnumerable<TOwner> owners, Func<TOwner, V1LabelSelector?> selectorOf)
    {
        if (orphan.DeletionTimestamp is not null || ControllerOf(orphan) is not null)
        {
            return [];
        }

        return owners.Where(owner => Matches(From(selectorOf(owner)), orphan));
    }
}
