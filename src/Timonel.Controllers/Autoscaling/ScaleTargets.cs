using System.Text.Json.Nodes;
using Timonel.Controllers.Dynamic;

namespace Timonel.Controllers.Autoscaling;

/// <summary>A target's scale subresource as read: its path, spec.replicas, status.replicas and status.selector.</summary>
public sealed record ScaleView(string Path, JsonObject Scale, int SpecReplicas, int StatusReplicas, string? Selector);

/// <summary>The target could not be resolved or its scale read or written; the message says what is wrong.</summary>
public sealed class ScaleTargetException(string message) : Exception(message);

/// <summary>
/// Reaches the scale subresource of any kind, as upstream's RESTMapper and scale client: the
/// scaleTargetRef's group and kind are mapped through discovery (<see cref="KindMapper"/>: every
/// served version of the group, the preferred one first; the reference's version does not
/// choose), then &lt;resource&gt;/scale is read and written as an autoscaling/v1 Scale.
/// </summary>
public sealed class ScaleTargets(DynamicClient client, KindMapper mapper)
{
    /// <summary>The target's scale.</summary>
    /// <exception cref="ScaleTargetException">Bad apiVersion, unknown kind, no scale subresource, or the read failed.</exception>
    public async Task<ScaleView> GetAsync(string @namespace, string? apiVersion, string? kind, string? name, CancellationToken cancellationToken)
    {
        string group;
        KindMapping mapping;
        try
        {
            group = KindMapper.GroupOf(apiVersion);
            if (string.IsNullOrEmpty(kind) || string.IsNullOrEmpty(name))
            {
                throw new ScaleTargetException("scaleTargetRef must name a kind and a name");
            }

            mapping = await mapper.MapAsync(group, kind, cancellationToken).ConfigureAwait(false);
        }
        catch (KindMappingException e)
        {
            throw new ScaleTargetException(e.Message);
        }

        if (!mapping.HasScale)
        {
            var resource = group.Length == 0 ? mapping.Plural : $"{mapping.Plural}.{group}";
            throw new ScaleTargetException($"{resource} ({kind}) has no scale subresource: it cannot be the target of an autoscaler");
        }

        var root = group.Length == 0 ? $"api/{mapping.Version}" : $"apis/{group}/{mapping.Version}";
        var path = $"{root}/namespaces/{Uri.EscapeDataString(@namespace)}/{mapping.Plural}/{Uri.EscapeDataString(name)}/scale";
        JsonObject scale;
        try
        {
            scale = await client.SendAsync(HttpMethod.Get, path, null, cancellationToken).ConfigureAwait(false);
        }
        catch (DynamicApiException e)
        {
            throw new ScaleTargetException(KindMapper.ServerMessage(e));
        }

        return new ScaleView(
            path,
            scale,
            scale["spec"]?["replicas"]?.GetValue<int>() ?? 0,
            scale["status"]?["replicas"]?.GetValue<int>() ?? 0,
            scale["status"]?["selector"]?.GetValue<string>());
    }

    /// <summary>Writes spec.replicas through the scale subresource (optimistic on the Scale's resourceVersion).</summary>
    /// <exception cref="ScaleTargetException">The server refused it.</exception>
    public async Task UpdateAsync(ScaleView view, int replicas, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(view);
        var scale = (JsonObject)view.Scale.DeepClone();
        scale["apiVersion"] = "autoscaling/v1";
        scale["kind"] = "Scale";
        (scale["spec"] as JsonObject ?? (JsonObject)(scale["spec"] = new JsonObject()))["replicas"] = replicas;
        try
        {
            await client.SendAsync(HttpMethod.Put, view.Path, scale, cancellationToken).ConfigureAwait(false);
        }
        catch (DynamicApiException e)
        {
            throw new ScaleTargetException(KindMapper.ServerMessage(e));
        }
    }
}
