using k8s;
using k8s.Autorest;
using k8s.Models;
using Timonel.Ingress.Gateway.Model;
using Timonel.Ingress.Gateway.Routing;

namespace Timonel.Ingress.Gateway.Hosting;

/// <summary>
/// Publishes the statuses a <see cref="GatewayBuild"/> computed, merge-patching the status
/// subresource only when it differs (every node's controller computes the same, so they agree).
/// A condition keeps its lastTransitionTime while its status stays; GatewayClass conditions and
/// route parents of other controllers are kept.
/// </summary>
internal sealed partial class GatewayStatusWriter(IKubernetes client, TimeProvider time, Microsoft.Extensions.Logging.ILogger logger)
{
    private const string Group = GatewayApiObject<V1GatewaySpec>.Group;

    public async Task WriteAsync(GatewayBuild build, CancellationToken cancellationToken)
    {
        foreach (var gatewayClass in build.AcceptedClasses)
        {
            var old = gatewayClass.Status?.Conditions ?? [];
            var accepted = Condition(new GatewayCondition("Accepted", "True", "Accepted", "served by the ingress controller of every Timonel node"), old, gatewayClass.Metadata.Generation);
            var status = new V1GatewayClassStatus { Conditions = [.. old.Where(c => c.Type != "Accepted"), accepted] };
            await PatchAsync(gatewayClass.Status, status, null, gatewayClass.Metadata.Name, "gatewayclasses", cancellationToken).ConfigureAwait(false);
        }

        foreach (var result in build.Gateways)
        {
            var gateway = result.Gateway;
            var generation = gateway.Metadata.Generation;
            var status = new V1GatewayStatus
            {
                Addresses = [.. result.Addresses.Select(a => new V1GatewayStatusAddress { Type = "IPAddress", Value = a })],
                Conditions = [.. result.Conditions.Select(c => Condition(c, gateway.Status?.Conditions, generation))],
                Listeners = [.. result.Listeners.Select(l => new V1ListenerStatus
                {
                    Name = l.Name,
                    AttachedRoutes = l.AttachedRoutes,
                    SupportedKinds = l.SupportsHttpRoute ? [new V1RouteGroupKind { Group = Group, Kind = "HTTPRoute" }] : [],
                    Conditions = [.. l.Conditions.Select(c => Condition(c, gateway.Status?.Listeners?.FirstOrDefault(o => o.Name == l.Name)?.Conditions, generation))],
                })],
            };
            await PatchAsync(gateway.Status, status, gateway.Metadata.NamespaceProperty, gateway.Metadata.Name, "gateways", cancellationToken).ConfigureAwait(false);
        }

        foreach (var result in build.Routes)
        {
            var route = result.Route;
            var old = route.Status?.Parents ?? [];
            var ours = result.Parents.Select(p => new V1RouteParentStatus
            {
                ParentRef = p.Parent,
                ControllerName = GatewayBuilder.ControllerName,
                Conditions = [.. p.Conditions.Select(c => Condition(c, old.FirstOrDefault(o => o.ControllerName == GatewayBuilder.ControllerName && SameParent(o.ParentRef, p.Parent))?.Conditions, route.Metadata.Generation))],
            });
            var status = new V1RouteStatus { Parents = [.. old.Where(o => o.ControllerName != GatewayBuilder.ControllerName), .. ours] };
            await PatchAsync(route.Status, status, route.Metadata.NamespaceProperty, route.Metadata.Name, "httproutes", cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The condition with the old one's lastTransitionTime when its status did not change, else now.</summary>
    private V1Condition Condition(GatewayCondition c, IEnumerable<V1Condition>? old, long? generation)
    {
        var before = old?.FirstOrDefault(o => o.Type == c.Type);
        var now = time.GetUtcNow().UtcDateTime;
        var since = before is not null && before.Status == c.Status ? before.LastTransitionTime : new DateTime(now.Ticks - (now.Ticks % TimeSpan.TicksPerSecond), DateTimeKind.Utc);
        return new V1Condition { Type = c.Type, Status = c.Status, Reason = c.Reason, Message = c.Message, LastTransitionTime = since, ObservedGeneration = generation };
    }

    private static bool SameParent(V1ParentRef a, V1ParentRef b) =>
        a.Name == b.Name && a.Namespace == b.Namespace && a.SectionName == b.SectionName && a.Port == b.Port && (a.Group ?? Group) == (b.Group ?? Group) && (a.Kind ?? "Gateway") == (b.Kind ?? "Gateway");

    /// <summary>
    /// The status as JSON with the CRDs' schema defaults filled in (parentRef group and kind,
    /// supportedKinds group), so a status the server defaulted compares equal to the one written
    /// and a write never triggers another.
    /// </summary>
    private static string Comparable<TStatus>(TStatus status)
        where TStatus : class
    {
        var copy = KubernetesJson.Deserialize<TStatus>(KubernetesJson.Serialize(status));
        foreach (var parent in (copy as V1RouteStatus)?.Parents ?? [])
        {
            parent.ParentRef.Group ??= Group;
            parent.ParentRef.Kind ??= "Gateway";
        }

        foreach (var kind in ((copy as V1GatewayStatus)?.Listeners ?? []).SelectMany(l => l.SupportedKinds))
        {
            kind.Group ??= Group;
        }

        return KubernetesJson.Serialize(copy);
    }

    private async Task PatchAsync<TStatus>(TStatus? current, TStatus desired, string? ns, string name, string plural, CancellationToken cancellationToken)
        where TStatus : class
    {
        if (current is not null && Comparable(current) == Comparable(desired))
        {
            return;
        }

        var body = new V1Patch($"{{\"status\":{KubernetesJson.Serialize(desired)}}}", V1Patch.PatchType.MergePatch);
        try
        {
            if (ns is null)
            {
                await client.CustomObjects.PatchClusterCustomObjectStatusAsync(body, Group, "v1", plural, name, cancellationToken: cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await client.CustomObjects.PatchNamespacedCustomObjectStatusAsync(body, Group, "v1", ns, plural, name, cancellationToken: cancellationToken).ConfigureAwait(false);
            }
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            // Deleted meanwhile: nothing to publish.
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == System.Net.HttpStatusCode.UnprocessableEntity)
        {
            // A status the CRD's schema refuses must not stall the loop (routes are already served).
            LogStatusRefused(logger, plural, ns ?? "", name, e.Response.Content);
        }
    }

    [Microsoft.Extensions.Logging.LoggerMessage(Level = Microsoft.Extensions.Logging.LogLevel.Warning, Message = "gateway: status of {Plural} {Namespace}/{Name} refused: {Reason}")]
    private static partial void LogStatusRefused(Microsoft.Extensions.Logging.ILogger logger, string plural, string @namespace, string name, string reason);
}
