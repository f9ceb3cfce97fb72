using System.Globalization;
using System.Net;
using k8s.Models;

namespace Timonel.Kubelet.Pods;

/// <summary>
/// The Service environment variables upstream's kubelet gives every container: for each Service
/// with a ClusterIP, {NAME}_SERVICE_HOST / _SERVICE_PORT / _SERVICE_PORT_{PORTNAME} and the
/// docker-link style {NAME}_PORT, {NAME}_PORT_{port}_{PROTO}[_PROTO|_PORT|_ADDR].
/// </summary>
public static class ServiceEnvironment
{
    /// <summary>The API server's own Service, whose variables every pod gets.</summary>
    public const string MasterServiceName = "kubernetes";

    public const string MasterServiceNamespace = "default";

    /// <summary>
    /// The Services whose variables a pod in <paramref name="podNamespace"/> gets, as upstream's
    /// getServiceEnvVarMap picks them: the pod's namespace's Services when service links are on,
    /// and always default/kubernetes unless the pod's namespace has its own "kubernetes" Service
    /// (which then wins). Services without a ClusterIP (headless, ExternalName) give none.
    /// </summary>
    public static IReadOnlyList<V1Service> Select(IEnumerable<V1Service> services, string podNamespace, bool enableServiceLinks)
    {
        var byName = new Dictionary<string, V1Service>(StringComparer.Ordinal);
        V1Service? master = null;
        foreach (var service in services)
        {
            if (!HasClusterIp(service))
            {
                continue;
            }

            var ns = service.Metadata.NamespaceProperty ?? MasterServiceNamespace;
            if (ns == podNamespace && enableServiceLinks)
            {
                byName[service.Metadata.Name] = service;
            }
            else if (ns == MasterServiceNamespace && service.Metadata.Name == MasterServiceName)
            {
                master = service;
            }
        }

        if (master is not null)
        {
            byName.TryAdd(MasterServiceName, master);
        }

        return [.. byName.Values.OrderBy(s => s.Metadata.Name, StringComparer.Ordinal)];
    }

    /// <summary>The variables of <paramref name="services"/>, in order (upstream's envvars.FromServices).</summary>
    public static IReadOnlyList<KeyValuePair<string, string>> FromServices(IEnumerable<V1Service> services)
    {
        var result = new List<KeyValuePair<string, string>>();
        foreach (var service in services)
        {
            if (!HasClusterIp(service) || service.Spec.Ports is not { Count: > 0 } ports)
            {
                continue;
            }

            var prefix = VariableName(service.Metadata.Name);
            var ip = service.Spec.ClusterIP;
            result.Add(new(prefix + "_SERVICE_HOST", ip));
            // The first port keeps the unsuffixed name; every named port gets its own too.
            result.Add(new(prefix + "_SERVICE_PORT", Number(ports[0].Port)));
            foreach (var port in ports.Where(p => !string.IsNullOrEmpty(p.Name)))
            {
                result.Add(new(prefix + "_SERVICE_PORT_" + VariableName(port.Name), Number(port.Port)));
            }

            for (var i = 0; i < ports.Count; i++)
            {
                var port = ports[i];
                var protocol = string.IsNullOrEmpty(port.Protocol) ? "TCP" : port.Protocol;
                var lower = protocol.ToLowerInvariant();
                var url = $"{lower}://{HostPort(ip, port.Port)}";
                if (i == 0)
                {
                    result.Add(new(prefix + "_PORT", url));
                }

                var portPrefix = $"{prefix}_PORT_{Number(port.Port)}_{protocol.ToUpperInvariant()}";
                result.Add(new(portPrefix, url));
                result.Add(new(portPrefix + "_PROTO", lower));
                result.Add(new(portPrefix + "_PORT", Number(port.Port)));
                result.Add(new(portPrefix + "_ADDR", ip));
            }
        }

        return result;
    }

    /// <summary>A Service or port name as a variable name: upper case, '-' as '_'.</summary>
    public static string VariableName(string name) => name.Replace('-', '_').ToUpperInvariant();

    private static bool HasClusterIp(V1Service service) =>
        service.Spec?.ClusterIP is { Length: > 0 } ip && ip != "None";

    /// <summary>host:port, with an IPv6 address in brackets (Go's net.JoinHostPort).</summary>
    private static string HostPort(string ip, int port) =>
        IPAddress.TryParse(ip, out var address) && address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6
            ? $"[{ip}]:{Number(port)}"
            : $"{ip}:{Number(port)}";

    private static string Number(int value) => value.ToString(CultureInfo.InvariantCulture);
}
