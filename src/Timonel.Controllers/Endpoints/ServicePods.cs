using k8s.Models;
using Timonel.Client.Informers;

namespace Timonel.Controllers.Endpoints;

/// <summary>
/// Which pods back a Service and how (upstream's endpoint utilities, shared by the Endpoints and
/// EndpointSlice controllers): selector matching, readiness, the port a service port targets on a pod.
/// </summary>
public static class ServicePods
{
    /// <summary>True when the service's endpoints are derived from a selector (services without one are managed by hand).</summary>
    public static bool HasSelector(V1Service service) => service.Spec?.Selector is { Count: > 0 };

    public static bool Selects(V1Service service, V1Pod pod) =>
        HasSelector(service)
        && pod.Metadata.NamespaceProperty == service.Metadata.NamespaceProperty
        && service.Spec.Selector.All(s => pod.Metadata.Labels is { } labels && labels.TryGetValue(s.Key, out var v) && v == s.Value);

    /// <summary>The selected pods of a service, in name order.</summary>
    public static IReadOnlyList<V1Pod> For(V1Service service, ObjectCache<V1Pod> pods) =>
        [.. pods.ListByNamespace(service.Metadata.NamespaceProperty).Where(p => Selects(service, p)).OrderBy(p => p.Metadata.Name, StringComparer.Ordinal)];

    /// <summary>Keys of the services in the pod's namespace that select it.</summary>
    public static IEnumerable<string> ServicesSelecting(V1Pod pod, ObjectCache<V1Service> services) =>
        services.ListByNamespace(pod.Metadata.NamespaceProperty).Where(s => Selects(s, pod)).Select(ObjectKeys.KeyOf);

    public static bool IsReady(V1Pod pod) =>
        pod.Status?.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true;

    public static bool IsTerminating(V1Pod pod) => pod.Metadata.DeletionTimestamp is not null;

    /// <summary>
    /// Upstream's ShouldPodBeInEndpoints: a pod with an address that has not finished (terminal
    /// phase) and, unless <paramref name="includeTerminating"/>, is not being deleted.
    /// </summary>
    public static bool ShouldBeInEndpoints(V1Pod pod, bool includeTerminating)
    {
        if (string.IsNullOrEmpty(pod.Status?.PodIP))
        {
            return false;
        }

        if (pod.Status.Phase is "Succeeded" or "Failed")
        {
            return false;
        }

        return includeTerminating || !IsTerminating(pod);
    }

    /// <summary>The port number a service port reaches on this pod: the targetPort number, or the named container port; null when the pod has no such name.</summary>
    public static int? FindPort(V1Pod pod, V1ServicePort servicePort)
    {
        var target = servicePort.TargetPort?.Value;
        if (string.IsNullOrEmpty(target))
        {
            return servicePort.Port;
        }

        if (int.TryParse(target, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var number))
        {
            return number;
        }

        var protocol = servicePort.Protocol ?? "TCP";
        foreach (var container in pod.Spec?.Containers ?? [])
        {
            foreach (var port in container.Ports ?? [])
            {
                if (port.Name == target && (port.Protocol ?? "TCP") == protocol)
                {
                    return port.ContainerPort;
                }
            }
        }

        return null;
    }

    /// <summary>The pod's DNS hostname within the service: set when the pod names this service as its subdomain.</summary>
    public static string? Hostname(V1Pod pod, V1Service service) =>
        !string.IsNullOrEmpty(pod.Spec?.Hostname) && pod.Spec.Subdomain == service.Metadata.Name ? pod.Spec.Hostname : null;

    public static V1ObjectReference TargetRef(V1Pod pod) => new()
    {
        Kind = "Pod",
        NamespaceProperty = pod.Metadata.NamespaceProperty,
        Name = pod.Metadata.Name,
        Uid = pod.Metadata.Uid,
    };

    /// <summary>Enqueues (through <paramref name="enqueue"/>) the services whose endpoints a pod event may change.</summary>
    public static void SubscribePods(SharedInformer<V1Pod> pods, SharedInformer<V1Service> services, Action<string> enqueue)
    {
        ArgumentNullException.ThrowIfNull(pods);
        ArgumentNullException.ThrowIfNull(services);
        pods.AddEventHandler(
            onAdd: p =>
            {
                foreach (var key in ServicesSelecting(p, services.Cache))
                {
                    enqueue(key);
                }
            },
            onUpdate: (old, current) =>
            {
                if (!EndpointsRelevantChange(old, current))
                {
                    return;
                }

                foreach (var key in ServicesSelecting(old, services.Cache).Union(ServicesSelecting(current, services.Cache)))
                {
                    enqueue(key);
                }
            },
            onDelete: p =>
            {
                foreach (var key in ServicesSelecting(p, services.Cache))
                {
                    enqueue(key);
                }
            });
    }

    /// <summary>True when a pod change may move it into, out of, or within a service's endpoints.</summary>
    public static bool EndpointsRelevantChange(V1Pod old, V1Pod current) =>
        old.Status?.PodIP != current.Status?.PodIP
        || old.Status?.Phase != current.Status?.Phase
        || IsReady(old) != IsReady(current)
        || IsTerminating(old) != IsTerminating(current)
        || old.Spec?.NodeName != current.Spec?.NodeName
        || old.Spec?.Hostname != current.Spec?.Hostname
        || old.Spec?.Subdomain != current.Spec?.Subdomain
        || !LabelsEqual(old.Metadata.Labels, current.Metadata.Labels);

    private static bool LabelsEqual(IDictionary<string, string>? a, IDictionary<string, string>? b) =>
        (a?.Count ?? 0) == (b?.Count ?? 0) && (a is null || a.All(kv => b!.TryGetValue(kv.Key, out var v) && v == kv.Value));
}
