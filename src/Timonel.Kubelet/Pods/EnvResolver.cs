using System.Globalization;
using System.Net;
using System.Text;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Timonel.Kubelet.Pods;

/// <summary>
/// A container's environment as upstream builds it: envFrom first, then env in order (literal
/// values with $(VAR) expansion, configMapKeyRef, secretKeyRef, fieldRef, resourceFieldRef).
/// A missing non-optional reference is an error the pod worker reports as CreateContainerConfigError.
/// The Service variables (<see cref="ServiceEnvironment"/>) come last, where the container does not
/// set the same name itself, and are visible to $(VAR) expansion, as upstream.
/// </summary>
public sealed class EnvResolver
{
    private readonly IKubernetes _client;

    public EnvResolver(IKubernetes client)
    {
        _client = client;
    }

    /// <summary>
    /// False on hollow nodes, where nothing reads a variable: no Service list and read per
    /// container start (this resolver asks the API each time; upstream reads a Service informer).
    /// </summary>
    public bool ServiceVariables { get; init; } = true;

    public async Task<List<KeyValuePair<string, string>>> ResolveAsync(V1Pod pod, V1Container container, string? podIp, string hostIp, CancellationToken cancellationToken)
    {
        var ns = pod.Metadata.NamespaceProperty ?? "default";
        var serviceEnv = ServiceEnvironment.FromServices(await ServicesAsync(ns, pod.Spec.EnableServiceLinks ?? true, cancellationToken).ConfigureAwait(false));
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var order = new List<string>();

        // $(VAR) sees the container's own variables first, then the Service variables.
        var expansion = serviceEnv.ToDictionary(e => e.Key, e => e.Value, StringComparer.Ordinal);
        void Set(string key, string value)
        {
            if (!values.ContainsKey(key))
            {
                order.Add(key);
            }

            values[key] = value;
            expansion[key] = value;
        }

        foreach (var source in container.EnvFrom ?? [])
        {
            var prefix = source.Prefix ?? string.Empty;
            if (source.ConfigMapRef is { } cmRef)
            {
                var cm = await ReadConfigMapAsync(ns, cmRef.Name, cmRef.Optional == true, cancellationToken).ConfigureAwait(false);
                foreach (var (k, v) in cm?.Data ?? new Dictionary<string, string>())
                {
                    Set(prefix + k, v);
                }
            }

            if (source.SecretRef is { } secretRef)
            {
                var secret = await ReadSecretAsync(ns, secretRef.Name, secretRef.Optional == true, cancellationToken).ConfigureAwait(false);
                foreach (var (k, v) in secret?.Data ?? new Dictionary<string, byte[]>())
                {
                    Set(prefix + k, Encoding.UTF8.GetString(v));
                }
            }
        }

        foreach (var env in container.Env ?? [])
        {
            if (env.ValueFrom is null)
            {
                Set(env.Name, Expand(env.Value ?? string.Empty, expansion));
                continue;
            }

            var from = env.ValueFrom;
            if (from.FieldRef is { } field)
            {
                Set(env.Name, FieldValue(pod, field.FieldPath, podIp, hostIp));
            }
            else if (from.ResourceFieldRef is { } resource)
            {
                Set(env.Name, ResourceValue(pod, container, resource));
            }
            else if (from.ConfigMapKeyRef is { } cmKey)
            {
                var cm = await ReadConfigMapAsync(ns, cmKey.Name, cmKey.Optional == true, cancellationToken).ConfigureAwait(false);
                if (cm?.Data?.TryGetValue(cmKey.Key, out var v) == true)
                {
                    Set(env.Name, v);
                }
                else if (cmKey.Optional != true)
                {
                    throw new InvalidOperationException($"couldn't find key {cmKey.Key} in ConfigMap {ns}/{cmKey.Name}");
                }
            }
            else if (from.SecretKeyRef is { } secretKey)
            {
                var secret = await ReadSecretAsync(ns, secretKey.Name, secretKey.Optional == true, cancellationToken).ConfigureAwait(false);
                if (secret?.Data?.TryGetValue(secretKey.Key, out var v) == true)
                {
                    Set(env.Name, Encoding.UTF8.GetString(v));
                }
                else if (secretKey.Optional != true)
                {
                    throw new InvalidOperationException($"couldn't find key {secretKey.Key} in Secret {ns}/{secretKey.Name}");
                }
            }
        }

        foreach (var (key, value) in serviceEnv)
        {
            if (!values.ContainsKey(key))
            {
                Set(key, value);
            }
        }

        return [.. order.Select(k => new KeyValuePair<string, string>(k, values[k]))];
    }

    /// <summary>
    /// Upstream's $(VAR) expansion: $(NAME) becomes the variable's value when it is defined,
    /// stays as written otherwise; $$ escapes a dollar.
    /// </summary>
    public static string Expand(string input, IReadOnlyDictionary<string, string> values)
    {
        if (!input.Contains('$', StringComparison.Ordinal))
        {
            return input;
        }

        var b = new StringBuilder();
        for (var i = 0; i < input.Length; i++)
        {
            if (input[i] == '$' && i + 1 < input.Length)
            {
                if (input[i + 1] == '$')
                {
                    b.Append('$');
                    i++;
                    continue;
                }

                if (input[i + 1] == '(')
                {
                    var close = input.IndexOf(')', i + 2);
                    if (close > 0)
                    {
                        var name = input[(i + 2)..close];
                        if (values.TryGetValue(name, out var value))
                        {
                            b.Append(value);
                        }
                        else
                        {
                            b.Append(input, i, close - i + 1);
                        }

                        i = close;
                        continue;
                    }
                }
            }

            b.Append(input[i]);
        }

        return b.ToString();
    }

    public static string FieldValue(V1Pod pod, string path, string? podIp, string hostIp)
    {
        var meta = pod.Metadata;
        if (TrySubscript(path, "metadata.labels", out var label))
        {
            return meta.Labels?.TryGetValue(label, out var v) == true ? v : string.Empty;
        }

        if (TrySubscript(path, "metadata.annotations", out var annotation))
        {
            return meta.Annotations?.TryGetValue(annotation, out var v) == true ? v : string.Empty;
        }

        return path switch
        {
            "metadata.name" => meta.Name,
            "metadata.namespace" => meta.NamespaceProperty ?? "default",
            "metadata.uid" => meta.Uid,
            "spec.nodeName" => pod.Spec.NodeName ?? string.Empty,
            "spec.serviceAccountName" => pod.Spec.ServiceAccountName ?? "default",
            "status.hostIP" or "status.hostIPs" => hostIp,
            "status.podIP" or "status.podIPs" => podIp ?? string.Empty,
            _ => throw new InvalidOperationException($"unsupported fieldRef fieldPath \"{path}\""),
        };
    }

    public static string ResourceValue(V1Pod pod, V1Container container, V1ResourceFieldSelector selector)
    {
        var target = string.IsNullOrEmpty(selector.ContainerName)
            ? container
            : (pod.Spec.Containers ?? []).Concat(pod.Spec.InitContainers ?? []).FirstOrDefault(c => c.Name == selector.ContainerName)
                ?? throw new InvalidOperationException($"resourceFieldRef names unknown container \"{selector.ContainerName}\"");
        var parts = selector.Resource.Split('.', 2);
        if (parts.Length != 2)
        {
            throw new InvalidOperationException($"unsupported resourceFieldRef resource \"{selector.Resource}\"");
        }

        var list = parts[0] == "limits" ? target.Resources?.Limits : target.Resources?.Requests;
        decimal value;
        if (list?.TryGetValue(parts[1], out var quantity) == true)
        {
            value = quantity.ToDecimal();
        }
        else if (parts[0] == "limits")
        {
            // An unset limit reports the node's allocatable, as upstream.
            value = parts[1] switch
            {
                "cpu" => Environment.ProcessorCount,
                "memory" => Node.MachineInfo.MeminfoBytes("MemTotal") ?? 0,
                _ => 0,
            };
        }
        else
        {
            value = 0;
        }

        var divisor = selector.Divisor?.ToDecimal() is { } d and > 0 ? d : 1;
        // Upstream rounds up, so 250m of cpu with divisor 1 reads "1".
        return ((long)Math.Ceiling(value / divisor)).ToString(CultureInfo.InvariantCulture);
    }

    private static bool TrySubscript(string path, string prefix, out string key)
    {
        key = string.Empty;
        if (!path.StartsWith(prefix + "['", StringComparison.Ordinal) || !path.EndsWith("']", StringComparison.Ordinal))
        {
            return false;
        }

        key = path[(prefix.Length + 2)..^2];
        return true;
    }

    /// <summary>The Services whose variables the pod gets: its namespace's (with service links) and default/kubernetes.</summary>
    private async Task<IReadOnlyList<V1Service>> ServicesAsync(string ns, bool enableServiceLinks, CancellationToken cancellationToken)
    {
        var services = new List<V1Service>();
        if (!ServiceVariables)
        {
            return services;
        }

        if (enableServiceLinks)
        {
            var list = await _client.CoreV1.ListNamespacedServiceAsync(ns, cancellationToken: cancellationToken).ConfigureAwait(false);
            services.AddRange(list.Items ?? []);
        }

        if (!enableServiceLinks || ns != ServiceEnvironment.MasterServiceNamespace)
        {
            try
            {
                services.Add(await _client.CoreV1.ReadNamespacedServiceAsync(ServiceEnvironment.MasterServiceName, ServiceEnvironment.MasterServiceNamespace, cancellationToken: cancellationToken).ConfigureAwait(false));
            }
            catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
            {
                // No API server Service yet: no KUBERNETES_* variables, as upstream before its first sync.
            }
        }

        return ServiceEnvironment.Select(services, ns, enableServiceLinks);
    }

    private async Task<V1ConfigMap?> ReadConfigMapAsync(string ns, string name, bool optional, CancellationToken cancellationToken)
    {
        try
        {
            return await _client.CoreV1.ReadNamespacedConfigMapAsync(name, ns, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return optional ? null : throw new InvalidOperationException($"configmap \"{name}\" not found");
        }
    }

    private async Task<V1Secret?> ReadSecretAsync(string ns, string name, bool optional, CancellationToken cancellationToken)
    {
        try
        {
            return await _client.CoreV1.ReadNamespacedSecretAsync(name, ns, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return optional ? null : throw new InvalidOperationException($"secret \"{name}\" not found");
        }
    }
}
