using System.Text.Json.Nodes;

namespace Timonel.Api.Patch;

/// <summary>Strategic merge of lists, and the item order upstream gives the result.</summary>
internal static partial class StrategicMergePatch
{
    /// <summary>Merges a patch list into <paramref name="current"/> (owned: its items are taken) and returns the new list.</summary>
    private static JsonArray MergeList(JsonArray current, JsonArray patch, Type? listType, PatchStrategy? strategy, string path)
    {
        var itemType = ModelSchema.ItemType(listType);
        if (strategy is not { Merges: true })
        {
            return new JsonArray(patch.Select((item, i) => Fresh(item, itemType, null, $"{path}[{i}]")).ToArray());
        }

        var original = Take(current);
        if (original.Count == 0 && patch.Count == 0)
        {
            return [];
        }

        var kind = ItemKind(original, patch, path);
        return kind == "object"
            ? MergeObjectList(original, patch, itemType, strategy.MergeKey, path)
            : MergeScalarList(original, patch);
    }

    /// <summary>Lists of scalars merge as a union, without duplicates.</summary>
    private static JsonArray MergeScalarList(List<JsonNode?> original, JsonArray patch)
    {
        var merged = new List<JsonNode?>();
        var seen = new ListIndex(merged, null);
        foreach (var item in original.Concat(patch))
        {
            if (seen.IndexOf(item) < 0)
            {
                merged.Add(ReferenceEquals(item?.Parent, patch) ? item!.DeepClone() : item);
                seen.Added(merged[^1]);
            }
        }

        var patchItems = patch.ToList();
        return Ordered(merged, patchItems, patchItems, original, null);
    }

    private static JsonArray MergeObjectList(List<JsonNode?> original, JsonArray patch, Type? itemType, string? mergeKey, string path)
    {
        if (mergeKey is null)
        {
            throw PatchErrors.BadRequest($"cannot merge the list at \"{path}\": its items are objects but it has no merge key");
        }

        var regular = new List<JsonObject>();
        var deleted = new List<JsonNode?>();
        var replace = false;
        foreach (var item in patch.Cast<JsonObject>())
        {
            if (!item.TryGetPropertyValue(DirectiveMarker, out var directive))
            {
                regular.Add(item);
                continue;
            }

            switch (DirectiveName(directive, path))
            {
                case "delete":
                    _ = KeyOf(item, mergeKey, path);
                    deleted.Add(item);
                    break;
                case "replace":
                    replace = true;
                    break;
                default:
                    regular.Add(item);
                    break;
            }
        }

        if (deleted.Count > 0)
        {
            // One pass instead of one scan of the list per deleted item.
            var doomed = new ListIndex(deleted, mergeKey);
            original.RemoveAll(o => o is JsonObject && doomed.IndexOf(o) >= 0);
        }

        if (replace)
        {
            return new JsonArray(regular.Select(item => Fresh(item, itemType, null, path)).ToArray());
        }

        var merged = new List<JsonNode?>(original);
        var byKey = new ListIndex(merged, mergeKey);
        foreach (var item in regular)
        {
            var key = KeyOf(item, mergeKey, path);
            var index = byKey.IndexOf(item);
            if (index >= 0)
            {
                merged[index] = MergeObject((JsonObject)merged[index]!, item, itemType, ItemPath(path, mergeKey, key));
            }
            else
            {
                merged.Add(Fresh(item, itemType, null, ItemPath(path, mergeKey, key)));
                byKey.Added(merged[^1]);
            }
        }

        return Ordered(merged, [.. regular], [.. regular], original, mergeKey);
    }

    /// <summary>
    /// $setElementOrder/field: merges the field's list as usual, then orders the items the
    /// directive lists as it says; other items keep their place relative to the live list.
    /// </summary>
    private static void MergeOrderedList(JsonObject target, JsonObject patch, string field, JsonNode? order, Type? type, string path)
    {
        if (order is not JsonArray orderList)
        {
            throw PatchErrors.BadRequest($"invalid patch format of setElementOrder list at \"{path}\": it must be a list, got {PatchErrors.Show(order)}");
        }

        var current = ListMember(target, field, "object", path);
        var patchList = ListMember(patch, field, "patch", path);
        var strategy = StrategyOf(type, field);
        var mergeKey = strategy?.MergeKey;
        ValidateOrder(patchList, orderList, mergeKey, path);

        var original = current?.ToList() ?? [];
        var listType = ModelSchema.Member(type, field);
        JsonArray merged;
        switch (current, patchList)
        {
            case (null, null):
                return;
            case (not null, null):
                merged = current;
                break;
            default:
                merged = MergeList(current ?? [], patchList!, listType, strategy, path);
                break;
        }

        var items = Take(merged);
        target[field] = Ordered(items, [.. orderList], [.. orderList], original, mergeKey);
    }

    /// <summary>
    /// Upstream's normalizeElementOrder: items present in <paramref name="partitionBy"/> are put in
    /// <paramref name="patchOrder"/>, the others in <paramref name="serverOrder"/>; then the second
    /// group is woven into the first wherever the live list put them earlier.
    /// </summary>
    private static JsonArray Ordered(List<JsonNode?> merged, List<JsonNode?> partitionBy, List<JsonNode?> patchOrder, List<JsonNode?> serverOrder, string? mergeKey)
    {
        var partition = new ListIndex(partitionBy, mergeKey);
        var patchRanks = ReferenceEquals(patchOrder, partitionBy) ? partition : new ListIndex(patchOrder, mergeKey);
        var serverRanks = new ListIndex(serverOrder, mergeKey);
        var inPatch = merged.Where(m => partition.IndexOf(m) >= 0).ToList();
        var serverOnly = merged.Where(m => partition.IndexOf(m) < 0).ToList();
        var right = inPatch.OrderBy(m => Rank(patchRanks, m)).ToList();
        var left = serverOnly.OrderBy(m => Rank(serverRanks, m)).ToList();

        var result = new List<JsonNode?>(merged.Count);
        int i = 0, j = 0;
        while (i < left.Count || j < right.Count)
        {
            if (j >= right.Count)
            {
                result.Add(left[i++]);
            }
            else if (i >= left.Count)
            {
                result.Add(right[j++]);
            }
            else
            {
                var li = serverRanks.IndexOf(left[i]);
                var ri = serverRanks.IndexOf(right[j]);
                result.Add(li >= 0 && ri >= 0 && li < ri ? left[i++] : right[j++]);
            }
        }

        return new JsonArray(result.ToArray());
    }

    /// <summary>Checks that the patch list's items come in the order $setElementOrder gives (upstream's validatePatchWithSetOrderList).</summary>
    private static void ValidateOrder(JsonArray? patchList, JsonArray order, string? mergeKey, string path)
    {
        if (mergeKey is not null)
        {
            foreach (var entry in order)
            {
                if (entry is not JsonObject entryObject || !entryObject.ContainsKey(mergeKey))
                {
                    throw PatchErrors.BadRequest($"invalid patch format of setElementOrder list at \"{path}\": every entry must be an object with the merge key \"{mergeKey}\", got {PatchErrors.Show(entry)}");
                }
            }
        }

        if (patchList is null || patchList.Count == 0 || order.Count == 0)
        {
            return;
        }

        var items = patchList.Where(p => mergeKey is null || p is not JsonObject o || !o.ContainsKey(DirectiveMarker)).ToList();
        int patchIndex = 0, orderIndex = 0;
        while (patchIndex < items.Count && orderIndex < order.Count)
        {
            if (mergeKey is null ? JsonValues.DeepEqual(items[patchIndex], order[orderIndex]) : SameKey(items[patchIndex], order[orderIndex], mergeKey, path))
            {
                patchIndex++;
            }

            orderIndex++;
        }

        if (patchIndex < items.Count)
        {
            throw PatchErrors.BadRequest($"invalid patch format of setElementOrder list at \"{path}\": the patch list {PatchErrors.Show(patchList)} does not follow the order of $setElementOrder {PatchErrors.Show(order)}");
        }
    }

    private static JsonArray? ListMember(JsonObject owner, string field, string what, string path)
    {
        if (!owner.TryGetPropertyValue(field, out var node))
        {
            return null;
        }

        return node as JsonArray
            ?? throw PatchErrors.BadRequest($"$setElementOrder at \"{path}\" orders a list, but the {what} has {PatchErrors.KindName(node)} there");
    }

    /// <summary>The one kind shared by all items of both lists (upstream's sliceElementType).</summary>
    private static string ItemKind(List<JsonNode?> original, JsonArray patch, string path)
    {
        var kinds = original.Concat(patch).Select(JsonValues.KindOf).Distinct().ToList();
        if (kinds.Contains("array"))
        {
            throw PatchErrors.CannotApply($"lists of lists are not supported (at \"{path}\")");
        }

        if (kinds.Count > 1)
        {
            throw PatchErrors.BadRequest($"list element types are not identical at \"{path}\": {string.Join(", ", kinds)}");
        }

        return kinds[0];
    }

    private static JsonNode KeyOf(JsonObject item, string mergeKey, string path) =>
        item.TryGetPropertyValue(mergeKey, out var key) && key is not null
            ? key
            : throw PatchErrors.BadRequest($"map {PatchErrors.Show(item)} in the list at \"{path}\" does not contain declared merge key: {mergeKey}");

    private static bool SameKey(JsonNode? item, JsonNode? entry, string mergeKey, string path)
    {
        if (item is not JsonObject itemObject)
        {
            throw PatchErrors.BadRequest($"the list at \"{path}\" merges by \"{mergeKey}\" but has the item {PatchErrors.Show(item)}");
        }

        return Matches(entry, mergeKey, KeyOf(itemObject, mergeKey, path));
    }

    private static bool Matches(JsonNode? item, string mergeKey, JsonNode key) =>
        item is JsonObject o && o.TryGetPropertyValue(mergeKey, out var value) && JsonValues.DeepEqual(value, key);

    private static int Rank(ListIndex order, JsonNode? item) =>
        order.IndexOf(item) is var index and >= 0 ? index : int.MaxValue;

    private static string ItemPath(string path, string mergeKey, JsonNode key) => $"{path}[{mergeKey}={PatchErrors.Show(key)}]";

    /// <summary>Detaches and returns the items of an owned list, so they can move into a new one.</summary>
    private static List<JsonNode?> Take(JsonArray list)
    {
        var items = list.ToList();
        list.Clear();
        return items;
    }
}
