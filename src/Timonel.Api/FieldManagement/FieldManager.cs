using System.Text.Json;
using System.Text.Json.Nodes;
using Timonel.Api.Patch;

namespace Timonel.Api.FieldManagement;

/// <summary>Who writes, and how (the request's fieldManager and version).</summary>
/// <param name="Manager">The fieldManager.</param>
/// <param name="ApiVersion">The version the request was made in ("apps/v1").</param>
/// <param name="Subresource">"status" for a status write; null for the object.</param>
/// <param name="HasStatus">The resource has a status subresource: its main endpoint does not own status, and the status endpoint owns only status.</param>
/// <param name="Now">The time recorded on changed entries.</param>
public sealed record FieldManagerRequest(string Manager, string ApiVersion, string? Subresource, bool HasStatus, DateTimeOffset Now);

/// <summary>
/// Keeps metadata.managedFields (upstream's fieldmanager stack: managed-fields updater, strip of
/// server-owned metadata, cap on update managers, client-side apply migration). Update records
/// who changed what; Apply merges an applied configuration with ownership and conflicts.
/// </summary>
public static class FieldManager
{
    /// <summary>Update entries beyond this many are merged, oldest first, into "ancient-changes" (upstream's DefaultMaxUpdateManagers).</summary>
    public const int MaxUpdateManagers = 10;

    public const string AncientChangesManager = "ancient-changes";

    /// <summary>The manager kubectl's server-side apply uses; its applies keep the client-side apply annotation in step.</summary>
    public const string KubectlManager = "kubectl";

    public const string LastAppliedAnnotation = "kubectl.kubernetes.io/last-applied-configuration";

    private static readonly string[][] ServerOwned =
    [
        ["f:apiVersion"], ["f:kind"], ["f:metadata", "f:name"], ["f:metadata", "f:namespace"], ["f:metadata", "f:creationTimestamp"],
        ["f:metadata", "f:selfLink"], ["f:metadata", "f:uid"], ["f:metadata", "f:clusterName"], ["f:metadata", "f:generation"],
        ["f:metadata", "f:managedFields"], ["f:metadata", "f:resourceVersion"], ["f:metadata", "f:deletionTimestamp"], ["f:metadata", "f:deletionGracePeriodSeconds"],
    ];

    /// <summary>
    /// The managed fields of an updated object: the request's own managedFields when it sent
    /// some (upstream lets a client set them; an empty list or [{}] resets them), else the live
    /// object's; then the writer's changes recorded for <paramref name="request"/>'s manager.
    /// Sets metadata.managedFields on <paramref name="updated"/>.
    /// </summary>
    public static void Update(JsonObject? live, JsonObject updated, SchemaNode schema, FieldManagerRequest request, JsonNode? requestManagedFields)
    {
        var managed = ManagedFrom(live, requestManagedFields);
        var comparison = ObjectFields.Compare(WithoutManaged(live), WithoutManaged(updated)!, schema);
        Strip(comparison.Added, request);
        Strip(comparison.Modified, request);
        Strip(comparison.Removed, request);
        if (!comparison.IsSame)
        {
            var changed = comparison.Added.Union(comparison.Modified);
            foreach (var entry in managed)
            {
                // Updates always win: they take the fields they change from everyone.
                entry.Fields = entry.Fields.Difference(comparison.Removed).Difference(changed);
            }

            if (!changed.IsEmpty)
            {
                var key = (request.Manager, ManagedFieldsEntry.Update, request.ApiVersion, request.Subresource ?? "");
                var mine = managed.FirstOrDefault(e => e.Identity == key);
                if (mine is null)
                {
                    mine = new ManagedFieldsEntry { Manager = request.Manager, Operation = ManagedFieldsEntry.Update, ApiVersion = request.ApiVersion, Subresource = request.Subresource, Fields = new FieldSet() };
                    managed.Add(mine);
                }

                mine.Fields = mine.Fields.Union(changed);
                mine.Time = ManagedFieldsEntry.FormatTime(request.Now);
            }

            managed.RemoveAll(e => e.Fields.IsEmpty);
            CapUpdateManagers(managed);
        }

        Write(updated, managed);
    }

    /// <summary>
    /// Applies <paramref name="config"/> to <paramref name="live"/> (null: the object is created)
    /// for <paramref name="request"/>'s manager: merge, removal of what the manager no longer
    /// applies, conflicts unless <paramref name="force"/>. Returns the new object with its
    /// managedFields; throws <see cref="ApplyConflictException"/> or <see cref="FieldPathException"/>.
    /// </summary>
    public static JsonObject Apply(JsonObject? live, JsonObject config, SchemaNode schema, FieldManagerRequest request, bool force)
    {
        try
        {
            return ApplyOnce(live, config, schema, request, force);
        }
        catch (ApplyConflictException conflict) when (!force && request.Manager == KubectlManager && live is not null
            && AllowedByLastApplied(live, schema) is { } allowed && conflict.Conflicts.All(c => allowed.Has(c.Path)))
        {
            // Client-side apply migration: fields kubectl applied client-side, still as it left
            // them, are taken over by its server-side apply without a conflict.
            return ApplyOnce(live, config, schema, request, force: true);
        }
    }

    private static JsonObject ApplyOnce(JsonObject? live, JsonObject config, SchemaNode schema, FieldManagerRequest request, bool force)
    {
        var managed = ManagedFrom(live, null);
        var current = WithoutManaged(live) ?? new JsonObject();
        var applied = ObjectFields.ToFieldSet(config, schema, strict: true);
        Strip(applied, request);

        var key = (request.Manager, ManagedFieldsEntry.Apply, "", request.Subresource ?? "");
        var mine = managed.FirstOrDefault(e => e.Identity == key);
        var previous = mine?.Fields ?? new FieldSet();
        if (mine is null)
        {
            mine = new ManagedFieldsEntry { Manager = request.Manager, Operation = ManagedFieldsEntry.Apply, ApiVersion = request.ApiVersion, Subresource = request.Subresource, Fields = applied };
            managed.Add(mine);
        }

        mine.Fields = applied;
        mine.ApiVersion = request.ApiVersion;

        var merged = ApplyMerge.Merge(current, config, schema);
        var owned = new FieldSet();
        foreach (var entry in managed)
        {
            owned.UnionWith(entry.Fields);
        }

        FieldRemover.Prune(merged, previous, owned, schema);

        var comparison = ObjectFields.Compare(current, merged, schema);
        var changed = comparison.Added.Union(comparison.Modified);
        var conflicts = new List<FieldConflict>();
        foreach (var entry in managed.Where(e => e != mine))
        {
            var taken = entry.Fields.Intersection(changed);
            conflicts.AddRange(taken.Paths().Select(p => new FieldConflict(entry, p)));
            entry.Fields = entry.Fields.Difference(taken).Difference(comparison.Removed);
        }

        if (conflicts.Count > 0 && !force)
        {
            throw new ApplyConflictException(conflicts);
        }

        managed.RemoveAll(e => e.Fields.IsEmpty && e != mine);
        if (!comparison.IsSame || mine.Time is null)
        {
            mine.Time = ManagedFieldsEntry.FormatTime(request.Now);
        }

        if (mine.Fields.IsEmpty)
        {
            managed.Remove(mine);
        }

        if (request.Manager == KubectlManager && live is not null && LastApplied(live) is not null)
        {
            SetLastApplied(merged, config);
        }

        CapUpdateManagers(managed);
        Write(merged, managed);
        return merged;
    }

    /// <summary>
    /// Fields the last-applied annotation names whose live values are still the applied ones
    /// (upstream's lastAppliedManager); null without the annotation or when it is unreadable.
    /// </summary>
    private static FieldSet? AllowedByLastApplied(JsonObject live, SchemaNode schema)
    {
        if (LastApplied(live) is not { } text)
        {
            return null;
        }

        try
        {
            if (JsonNode.Parse(text) is not JsonObject lastApplied)
            {
                return null;
            }

            var set = ObjectFields.ToFieldSet(lastApplied, schema);
            var comparison = ObjectFields.Compare(lastApplied, WithoutManaged(live)!, schema);
            return set.Difference(comparison.Modified);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string? LastApplied(JsonObject obj) =>
        obj["metadata"]?["annotations"]?[LastAppliedAnnotation] is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;

    /// <summary>kubectl's server-side apply keeps the annotation a later client-side apply reads (upstream's lastAppliedUpdater).</summary>
    private static void SetLastApplied(JsonObject merged, JsonObject config)
    {
        var copy = (JsonObject)config.DeepClone();
        if (copy["metadata"]?["annotations"] is JsonObject annotations)
        {
            annotations.Remove(LastAppliedAnnotation);
            if (annotations.Count == 0)
            {
                ((JsonObject)copy["metadata"]!).Remove("annotations");
            }
        }

        if (merged["metadata"] is JsonObject meta)
        {
            if (meta["annotations"] is not JsonObject target)
            {
                target = new JsonObject();
                meta["annotations"] = target;
            }

            target[LastAppliedAnnotation] = copy.ToJsonString();
        }
    }

    private static List<ManagedFieldsEntry> ManagedFrom(JsonObject? live, JsonNode? requested)
    {
        if (requested is JsonArray list && (list.Count == 0 || list is [JsonObject { Count: 0 }]))
        {
            return [];
        }

        if (requested is not null && ManagedFieldsEntry.Decode(requested) is { Count: > 0 } fromRequest)
        {
            return fromRequest;
        }

        return ManagedFieldsEntry.Decode(live?["metadata"]?["managedFields"]) ?? [];
    }

    private static JsonObject? WithoutManaged(JsonObject? obj)
    {
        if (obj?["metadata"] is not JsonObject meta || !meta.ContainsKey("managedFields"))
        {
            return obj;
        }

        // A shallow copy: only metadata is rebuilt, the rest is shared and only read.
        var copy = new JsonObject();
        foreach (var (key, value) in obj)
        {
            copy[key] = key == "metadata" ? new JsonObject(meta.Where(p => p.Key != "managedFields").Select(p => KeyValuePair.Create(p.Key, p.Value?.DeepClone()))) : value?.DeepClone();
        }

        return copy;
    }

    private static void Strip(FieldSet set, FieldManagerRequest request)
    {
        foreach (var path in ServerOwned)
        {
            set.RemoveSubtree(path);
        }

        if (set.Members.Contains("f:metadata"))
        {
            set.RemoveSubtree(["f:metadata"]);
        }

        if (request.HasStatus && request.Subresource is null)
        {
            set.RemoveSubtree(["f:status"]);
        }
        else if (request.Subresource == "status")
        {
            foreach (var element in set.Members.Concat(set.Children.Keys).Where(e => e != "f:status").ToList())
            {
                set.RemoveSubtree([element]);
            }
        }
    }

    /// <summary>Upstream's capManagers: the oldest update entries merge into one "ancient-changes" entry per apiVersion.</summary>
    private static void CapUpdateManagers(List<ManagedFieldsEntry> managed)
    {
        var updaters = managed.Where(e => e.Operation != ManagedFieldsEntry.Apply)
            .OrderBy(e => e.Time ?? "", StringComparer.Ordinal).ThenBy(e => e.Manager, StringComparer.Ordinal).ToList();
        var count = updaters.Count;
        var firstOfVersion = new Dictionary<string, ManagedFieldsEntry>(StringComparer.Ordinal);
        for (var i = 0; i < updaters.Count && count > MaxUpdateManagers; i++)
        {
            var entry = updaters[i];
            if (!firstOfVersion.TryGetValue(entry.ApiVersion, out var first))
            {
                firstOfVersion[entry.ApiVersion] = entry;
                continue;
            }

            var bucket = managed.FirstOrDefault(e => e.Manager == AncientChangesManager && e.Operation == ManagedFieldsEntry.Update && e.ApiVersion == entry.ApiVersion && e.Subresource is null);
            if (bucket is null || bucket == first)
            {
                managed.Remove(first);
                bucket = new ManagedFieldsEntry { Manager = AncientChangesManager, Operation = ManagedFieldsEntry.Update, ApiVersion = entry.ApiVersion, Fields = first.Fields };
                managed.Add(bucket);
                firstOfVersion[entry.ApiVersion] = bucket;
            }

            bucket.Fields = bucket.Fields.Union(entry.Fields);
            bucket.Time = entry.Time;
            managed.Remove(entry);
            count--;
        }
    }

    private static void Write(JsonObject obj, List<ManagedFieldsEntry> managed)
    {
        if (obj["metadata"] is not JsonObject meta)
        {
            meta = new JsonObject();
            obj["metadata"] = meta;
        }

        if (managed.Count == 0)
        {
            meta.Remove("managedFields");
        }
        else
        {
            meta["managedFields"] = ManagedFieldsEntry.Encode(managed);
        }
    }
}
