using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Timonel.Controllers.Dynamic;

namespace Timonel.Controllers.Autoscaling;

/// <summary>A kind as discovery serves it: its resource (plural), the version it was found in, and whether it has a scale subresource.</summary>
public sealed record KindMapping(string Plural, string Version, bool HasScale);

/// <summary>A kind could not be mapped to a resource; the message is upstream's ("no matches for kind ...") or the server's.</summary>
public sealed class KindMappingException(string message) : Exception(message);

/// <summary>
/// Maps a group and kind to the resource serving it, as upstream's discovery-backed RESTMapper:
/// every served version of the group, the preferred one first. A mapping is remembered for
/// <see cref="Lifetime"/> (upstream's mapper is reset as often), so a sync costs no discovery
/// request; failures are not remembered.
/// </summary>
public sealed class KindMapper(DynamicClient client, TimeProvider time)
{
    /// <summary>How long a kind's mapping is trusted before discovery is read again.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(30);

    private readonly ConcurrentDictionary<(string Group, string Kind), (KindMapping Mapping, DateTimeOffset At)> _mappings = new();

    /// <exception cref="KindMappingException">No served version has the kind, or discovery failed.</exception>
    public async Task<KindMapping> MapAsync(string group, string kind, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (_mappings.TryGetValue((group, kind), out var known) && now - known.At < Lifetime)
        {
            return known.Mapping;
        }

        var mapping = await ResolveAsync(group, kind, cancellationToken).ConfigureAwait(false);
        _mappings[(group, kind)] = (mapping, now);
        return mapping;
    }

    /// <summary>The group of an apiVersion ("apps/v1" → "apps", "v1" → "").</summary>
    /// <exception cref="KindMappingException">Not a group/version string.</exception>
    public static string GroupOf(string? apiVersion)
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
            _ => throw new KindMappingException($"unexpected GroupVersion string: {apiVersion}"),
        };
    }

    private async Task<KindMapping> ResolveAsync(string group, string kind, CancellationToken cancellationToken)
    {
        foreach (var version in await VersionsAsync(group, cancellationToken).ConfigureAwait(false))
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
                throw new KindMappingException(ServerMessage(e));
            }

            var resources = (list["resources"] as JsonArray ?? []).OfType<JsonObject>().ToList();
            var main = resources.FirstOrDefault(r => r["kind"]?.GetValue<string>() == kind && r["name"]?.GetValue<string>() is { } n && !n.Contains('/', StringComparison.Ordinal));
            if (main is null)
            {
                continue;
            }

            var plural = main["name"]!.GetValue<string>();
            return new KindMapping(plural, version, resources.Any(r => r["name"]?.GetValue<string>() == plural + "/scale"));
        }

        throw new KindMappingException($"no matches for kind \"{kind}\" in group \"{group}\"");
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
            throw new KindMappingException(ServerMessage(e));
        }
    }

    /// <summary>The API server's own message ("deployments.apps \"web\" not found"), without the request line DynamicClient prefixes.</summary>
    internal static string ServerMessage(DynamicApiException e)
    {
        var message = e.Message;
        var marker = $": {e.Code} ";
        var at = message.IndexOf(marker, StringComparison.Ordinal);
        return at >= 0 ? message[(at + marker.Length)..] : message;
    }
}
