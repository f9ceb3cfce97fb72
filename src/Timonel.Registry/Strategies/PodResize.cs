using System.Text.Json.Nodes;
using Timonel.Api.Errors;
using Timonel.Api.Validation;
using Timonel.Registry.Strategies.Validation;

namespace Timonel.Registry.Strategies;

/// <summary>
/// The pods/resize subresource (upstream 1.33's podResizeStrategy and ValidatePodResize,
/// KEP-1287): a write there changes only containers' (and sidecars') cpu and memory requests and
/// limits; everything else the body carries is dropped, and what is left must keep the pod's QoS
/// class, its containers and its other resources. The main pod update still refuses resource
/// changes (<see cref="PodStrategy"/>).
/// </summary>
public static class PodResize
{
    /// <summary>The annotation a static pod's mirror carries; such pods are resized through their manifest, never here.</summary>
    public const string MirrorPodAnnotation = "kubernetes.io/config.mirror";

    private static readonly string[] Resizable = ["cpu", "memory"];

    /// <summary>
    /// Keeps from <paramref name="obj"/> only containers' resources and resizePolicy (upstream's
    /// dropNonResizeUpdates): spec, status, labels, annotations, finalizers and owners come from
    /// the stored pod. Added, removed, renamed or reordered containers are left as sent, for
    /// validation to refuse.
    /// </summary>
    public static void PrepareForUpdate(JsonObject obj, JsonObject old)
    {
        var spec = obj.Obj("spec");
        var oldSpec = old.Obj("spec") ?? [];
        if (!Merge(spec.Arr("containers"), oldSpec.Arr("containers"), out var containers)
            || !Merge(spec.Arr("initContainers"), oldSpec.Arr("initContainers"), out var initContainers))
        {
            return;
        }

        var merged = (JsonObject)oldSpec.DeepClone();
        SetOrRemove(merged, "containers", containers);
        SetOrRemove(merged, "initContainers", initContainers);
        obj["spec"] = merged;
        obj["status"] = old["status"]?.DeepClone();
        if (obj["status"] is null)
        {
            obj.Remove("status");
        }

        if (obj["metadata"] is JsonObject meta)
        {
            var oldMeta = old.Obj("metadata") ?? [];
            foreach (var key in new[] { "labels", "annotations", "finalizers", "ownerReferences", "deletionTimestamp" })
            {
                if (oldMeta[key] is { } value)
                {
                    meta[key] = value.DeepClone();
                }
                else
                {
                    meta.Remove(key);
                }
            }
        }
    }

    /// <summary>Upstream's ValidatePodResize: the pod as a whole, then what a resize may change.</summary>
    public static IReadOnlyList<FieldError> Validate(JsonObject obj, JsonObject old)
    {
        var errs = new List<FieldError>();
        ObjectMetaValidation.ValidateUpdate(obj.Obj("metadata"), old.Obj("metadata"), NameRules.DnsSubdomain, namespaced: true, errs);
        var spec = obj.Obj("spec");
        var oldSpec = old.Obj("spec") ?? [];
        PodSpecValidation.Validate(spec, "spec", errs);

        // Kinds of pod the kubelet cannot resize are refused outright, as upstream.
        if (oldSpec.Has("resources") || spec.Has("resources"))
        {
            return [FieldError.Forbidden("", "pods with pod-level resources cannot be resized")];
        }

        if (old.Obj("metadata").Obj("annotations")?.ContainsKey(MirrorPodAnnotation) == true)
        {
            return [FieldError.Forbidden("", "static pods cannot be resized")];
        }

        if (oldSpec.Obj("os").Str("name") == "windows")
        {
            return [FieldError.Forbidden("", "windows pods cannot be resized")];
        }

        var oldQos = old.Obj("status").Str("qosClass") ?? PodQos.Classify(oldSpec);
        if (PodQos.Classify(spec) != oldQos)
        {
            errs.Add(FieldError.Invalid("spec", obj.Obj("status").Str("qosClass") ?? "", "Pod QOS Class may not change as a result of resizing"));
        }

        if (!NodeSupportsResize(old))
        {
            errs.Add(FieldError.Forbidden("spec", "Pod running on node without support for resize"));
        }

        if (ValidateOrdering(spec, oldSpec, errs))
        {
            return errs;
        }

        foreach (var (list, i, oldContainer) in ResizableContainers(oldSpec))
        {
            ValidateNoRemoval(spec.Arr(list)![i] as JsonObject, oldContainer, $"spec.{list}[{i}].resources", errs);
        }

        // With cpu and memory (and resizePolicy) taken back from the stored pod, nothing may differ.
        var munged = (JsonObject)spec!.DeepClone();
        foreach (var (list, i, oldContainer) in ResizableContainers(oldSpec))
        {
            var container = (JsonObject)munged.Arr(list)![i]!;
            var resources = new JsonObject();
            foreach (var kind in new[] { "limits", "requests" })
            {
                if (KeepOldCpuMemory(container.Obj("resources").Obj(kind), oldContainer.Obj("resources").Obj(kind)) is { } list2)
                {
                    resources[kind] = list2;
                }
            }

            SetOrRemove(container, "resources", resources.Count == 0 ? null : resources);
            SetOrRemove(container, "resizePolicy", oldContainer["resizePolicy"]?.DeepClone());
        }

        if (!SameSpec(munged, oldSpec))
        {
            errs.Add(FieldError.Forbidden("spec", "only cpu and memory resources are mutable"));
        }

        return errs;
    }

    /// <summary>
    /// A running pod whose kubelet never reported container resources runs on a node that cannot
    /// resize (upstream's version-skew guard, looking at the first running container).
    /// </summary>
    private static bool NodeSupportsResize(JsonObject old)
    {
        foreach (var (_, status) in old.Obj("status").Arr("containerStatuses").Objects())
        {
            if (status.Obj("state").Has("running"))
            {
                return status.Has("resources");
            }
        }

        return true;
    }

    /// <summary>True when containers were added, removed, renamed or reordered (the rest of the checks assume they were not).</summary>
    private static bool ValidateOrdering(JsonObject? spec, JsonObject oldSpec, List<FieldError> errs)
    {
        var before = errs.Count;
        foreach (var list in new[] { "containers", "initContainers" })
        {
            var now = spec.Arr(list) ?? [];
            var then = oldSpec.Arr(list) ?? [];
            if (now.Count != then.Count)
            {
                errs.Add(FieldError.Forbidden($"spec.{list}", "containers may not be added or removed on resize"));
                continue;
            }

            for (var i = 0; i < then.Count; i++)
            {
                if (then[i].Str("name") != now[i].Str("name"))
                {
                    errs.Add(FieldError.Forbidden($"spec.{list}[{i}].name", "containers may not be renamed or reordered on resize"));
                }
            }
        }

        return errs.Count > before;
    }

    /// <summary>App containers and sidecars (restartable init containers): the only ones a resize may touch.</summary>
    private static IEnumerable<(string List, int Index, JsonObject Container)> ResizableContainers(JsonObject spec)
    {
        foreach (var (i, c) in spec.Arr("initContainers").Objects())
        {
            if (c.Str("restartPolicy") == "Always")
            {
                yield return ("initContainers", i, c);
            }
        }

        foreach (var (i, c) in spec.Arr("containers").Objects())
        {
            yield return ("containers", i, c);
        }
    }

    private static void ValidateNoRemoval(JsonObject? container, JsonObject oldContainer, string path, List<FieldError> errs)
    {
        var oldResources = oldContainer.Obj("resources");
        var resources = container.Obj("resources");
        foreach (var kind in new[] { "requests", "limits" })
        {
            foreach (var (name, _) in oldResources.Obj(kind) ?? [])
            {
                if (resources.Obj(kind)?.ContainsKey(name) != true)
                {
                    errs.Add(FieldError.Forbidden($"{path}.{kind}[{name}]", "resource removal is not supported"));
                }
            }
        }

        // 1.33 cannot take memory back from a running process in place: only a restart may lower the limit.
        var restartsForMemory = container.Arr("resizePolicy").Objects()
            .Any(p => p.Item.Str("resourceName") == "memory" && p.Item.Str("restartPolicy") == "RestartContainer");
        if (!restartsForMemory
            && Quantity.TryParse(JsonAccess.Scalar(oldResources.Obj("limits")?["memory"]), out var before)
            && Quantity.TryParse(JsonAccess.Scalar(resources.Obj("limits")?["memory"]), out var after)
            && after < before)
        {
            errs.Add(FieldError.Forbidden($"{path}.limits[memory]", "memory limits cannot be decreased unless resizePolicy is RestartContainer"));
        }
    }

    /// <summary>
    /// The new list with cpu and memory as they were (upstream's dropCPUMemoryUpdates): adding a
    /// list where there was none is allowed, so a missing old list gives none.
    /// </summary>
    private static JsonObject? KeepOldCpuMemory(JsonObject? now, JsonObject? then)
    {
        if (then is null)
        {
            return null;
        }

        var result = (JsonObject?)now?.DeepClone() ?? [];
        foreach (var name in Resizable)
        {
            result.Remove(name);
            if (then[name] is { } value)
            {
                result[name] = value.DeepClone();
            }
        }

        return result.Count == 0 ? null : result;
    }

    private static bool SameSpec(JsonObject a, JsonObject b)
    {
        var left = (JsonObject)a.DeepClone();
        var right = (JsonObject)b.DeepClone();
        foreach (var spec in new[] { left, right })
        {
            foreach (var list in new[] { "containers", "initContainers" })
            {
                foreach (var (_, c) in spec.Arr(list).Objects())
                {
                    // An empty resources object is how Go sees none.
                    if (c.Obj("resources") is { } r)
                    {
                        foreach (var kind in new[] { "limits", "requests", "claims" })
                        {
                            if (r[kind] is JsonObject { Count: 0 } or JsonArray { Count: 0 })
                            {
                                r.Remove(kind);
                            }
                        }

                        if (r.Count == 0)
                        {
                            c.Remove("resources");
                        }
                    }
                }
            }
        }

        return JsonNode.DeepEquals(left, right);
    }

    /// <summary>The stored containers with resources and resizePolicy taken from <paramref name="now"/>; false when the lists do not line up.</summary>
    private static bool Merge(JsonArray? now, JsonArray? then, out JsonArray? merged)
    {
        merged = (JsonArray?)then?.DeepClone();
        if ((now?.Count ?? 0) != (then?.Count ?? 0))
        {
            return false;
        }

        for (var i = 0; i < (merged?.Count ?? 0); i++)
        {
            if (merged![i] is not JsonObject before || now![i] is not JsonObject after || before.Str("name") != after.Str("name"))
            {
                return false;
            }

            SetOrRemove(before, "resources", after["resources"]?.DeepClone());
            SetOrRemove(before, "resizePolicy", after["resizePolicy"]?.DeepClone());
        }

        return true;
    }

    private static void SetOrRemove(JsonObject obj, string key, JsonNode? value)
    {
        if (value is null)
        {
            obj.Remove(key);
        }
        else
        {
            obj[key] = value;
        }
    }
}
