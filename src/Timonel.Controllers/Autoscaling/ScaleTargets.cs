using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Timonel.Controllers.Dynamic;

namespace Timonel.Controllers.Autoscaling;

/// <summary>A target's scale subresource as read: its path, spec.replicas, status.replicas and status.selector.</summary>
public sealed record ScaleView(string Path, JsonObject Scale, int SpecReplicas, int StatusReplicas, string? Selector);

/// <summary>The target could not be resolved or its scale read or written; the message says what is wrong.</summary>
public sealed class ScaleTargetException(string message) : Exception(message);

/// <summary>
/// Reaches the scale subresource of any kind, as upstream's RESTMapper and scale client: the
/// scaleTargetRef's group and kind are looked up in discovery (every served version of the group,
/// the preferred one first; the reference's version does not choose), then
/// &lt;resource&gt;/scale is read and written as an autoscaling/v1 Scale. A resolved kind is
/// remembered for <see cref="MappingLifetime"/> (upstream's discovery-backed mapper is reset as
/// often), so each sync costs one request, not three; failures are not remembered.
/// </summary>
public sealed class ScaleTargets(DynamicClient client, TimeProvider time)
{
    /// <summary>How long a kind's resolution to a resource is trusted before discovery is read again.</summary>
    public static readonly TimeSpan MappingLifetime = TimeSpan.FromSeconds(30);

    private readonly ConcurrentDictionary<(string Group, string Kind), (string Plural, string Version, DateTimeOffset At)> _mappings = new();

    /// <summary>The target's scale.</summary>
    /// <exception cref="ScaleTargetException">Bad apiVersion, unknown kind, no scale subresource, or the read failed.</exception>
    public async Task<ScaleView> GetAsync(string @namespace, string? apiVersion, string? kind, string? name, CancellationToken cancellationToken)
    {
        var group = GroupOf(apiVersion);
        if (string.IsNullOrEmpty(kind) || string.IsNullOrEmpty(name))
        {
            throw new ScaleTargetException("scaleTargetRef must name a kind and a name");
        }

        var (plural, version) = await MappingAsync(group, kind, cancellationToken).ConfigureAwait(false);
        var root = group.Length == 0 ? $"api/{version}" : $"apis/{group}/{version}";
        var path = $"{root}/namespaces/{Uri.EscapeDataString(@namespace)}/{plural}/{Uri.EscapeDataString(name)}/scale";
        JsonObject scale;
        try
        {
            scale = await client.SendAsync(HttpMethod.Get, path, null, cancellationToken).ConfigureAwait(false);
        }
        catch (DynamicApiException e)
        {
            throw new ScaleTargetException(ServerMessage(e));
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
            throw new ScaleTargetException(ServerMessage(e));
        }
    }

    private static string GroupOf(string? apiVersion)
    {
        if (string.IsNullOrEmpty(apiVersion))
        {
            return "";
        }

        var parts = apiVersion.Split('/');
        return parts.Length switch
        {
            1 => "",
            2 when parts[0].Length > 0 && parts[1].Length > 0 => parts[0],
            _ => throw new ScaleTargetException($"unexpected GroupVersion string: {apiVersion}"),
        };
    }

    private async Task<(string Plural, string Version)> MappingAsync(string group, string kind, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (_mappings.TryGetValue((group, kind), out var known) && now - known.At < MappingLifetime)
        {
            return (known.Plural, known.Version);
        }

        var (plural, version) = await ResolveAsync(group, kind, cancellationToken).ConfigureAwait(false);
        _mappings[(group, kind)] = (plural, version, now);
        return (plural, version);
    }

    // The resource serving the kind, in the preferred version that has it, and whether it has a scale.
    private async Task<(string Plural, string Version)> ResolveAsync(string group, string kind, CancellationToken cancellationToken)
    {
        var versions = await VersionsAsync(group, cancellationToken).ConfigureAwait(false);
        foreach (var version in versions)
        {
            var path = group.Length == 0 ? $"api/{version}" : $"apis/{group}/{version}";
            JsonObject list;
            try
            {
                list = await client.SendAsync(HttpMethod.Get, path, null, cancellationToken).ConfigureAwait(false);
            }
            catch (DynamicApiException e) when (e.IsNotFound)
            {
                continue;
            }
            catch (DynamicApiException e)
            {
                throw new ScaleTargetException(ServerMessage(e));
            }

            var resources = (list["resources"] as JsonArray ?? []).OfType<JsonObject>().ToList();
            var main = resources.FirstOrDefault(r => r["kind"]?.GetValue<string>() == kind && r["name"]?.GetValue<string>() is { } n && !n.Contains('/', StringComparison.Ordinal));
            if (main is null)
            {
                continue;
            }

            var plural = main["name"]!.GetValue<string>();
            if (!resources.Any(r => r["name"]?.GetValue<string>() == plural + "/scale"))
            {
                var resource = group.Length == 0 ? plural : $"{plural}.{group}";
                throw new ScaleTargetException($"{resource} ({kind}) has no scale subresource: it cannot be the target of an autoscaler");
            }

            return (plural, version);
        }

        throw new ScaleTargetException($"no matches for kind \"{kind}\" in group \"{group}\"");
    }

    private async Task<IReadOnlyList<string>> VersionsAsync(string group, CancellationToken cancellationToken)
    {
        if (group.Length == 0)
        {
            return ["v1"];
        }

        try
        {
            var doc = await client.SendAsync(HttpMethod.Get, $"apis/{Uri.EscapeDataString(group)}", null, cancellationToken).ConfigureAwait(false);
            var preferred = doc["preferredVersion"]?["version"]?.GetValue<string>();
            var all = (doc["versions"] as JsonArray ?? []).Select(v => v?["version"]?.GetValue<string>()).OfType<string>();
            return [.. (preferred is null ? all : all.Where(v => v != preferred).Prepend(preferred))];
        }
        catch (DynamicApiException e) when (e.IsNotFound)
        {
            return [];
        }
        catch (DynamicApiException e)
        {
            throw new ScaleTargetException(ServerMessage(e));
        }
    }

    // The API server's own message ("deployments.apps \"web\" not found"), without the request line DynamicClient prefixes.
    internal static string ServerMessage(DynamicApiException e)
    {
        var message = e.Message;
        var marker = $": {e.Code} ";
        var at = message.IndexOf(marker, StringComparison.Ordinal);
        return at >= 0 ? message[(at + marker.Length)..] : message;
    }
}
