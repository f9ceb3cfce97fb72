using Timonel.Api.Images;
using k8s.Models;
using Timonel.Kubelet.Cri.V1;
using Timonel.Kubelet.Images;
using Timonel.Kubelet.Runtime;

namespace Timonel.Kubelet.Pods;

/// <summary>Turns a pod and its containers into CRI sandbox and container configs.</summary>
public static class RuntimeConfigBuilder
{
    /// <param name="dns">The pod's resolv.conf (<see cref="PodDns.Config(V1Pod, KubeletOptions)"/>); null leaves the runtime's default.</param>
    public static PodSandboxConfig Sandbox(V1Pod pod, uint attempt, string logRoot, CgroupLayout cgroups, DNSConfig? dns = null)
    {
        var meta = pod.Metadata;
        var config = new PodSandboxConfig
        {
            Metadata = new PodSandboxMetadata { Name = meta.Name, Namespace = meta.NamespaceProperty ?? "default", Uid = meta.Uid, Attempt = attempt },
            Hostname = PodDns.Hostname(pod),
            LogDirectory = LogDirectory(pod, logRoot),
            Linux = new LinuxPodSandboxConfig
            {
                CgroupParent = cgroups.PodParent(PodResources.QosClass(pod.Spec), meta.Uid),
                SecurityContext = new LinuxSandboxSecurityContext
                {
                    NamespaceOptions = new NamespaceOption
                    {
                        Network = pod.Spec.HostNetwork == true ? NamespaceMode.Node : NamespaceMode.Pod,
                        Pid = pod.Spec.HostPID == true ? NamespaceMode.Node : pod.Spec.ShareProcessNamespace == true ? NamespaceMode.Pod : NamespaceMode.Container,
                        Ipc = pod.Spec.HostIPC == true ? NamespaceMode.Node : NamespaceMode.Pod,
                    },
                },
            },
        };
        if (pod.Spec.SecurityContext is { } psc)
        {
            if (psc.RunAsUser is { } uid)
            {
                config.Linux.SecurityContext.RunAsUser = new Int64Value { Value = uid };
            }

            if (psc.RunAsGroup is { } gid)
            {
                config.Linux.SecurityContext.RunAsGroup = new Int64Value { Value = gid };
            }

            config.Linux.SecurityContext.SupplementalGroups.AddRange((psc.SupplementalGroups ?? []).OfType<long>());
            foreach (var sysctl in psc.Sysctls ?? [])
            {
                config.Linux.Sysctls[sysctl.Name] = sysctl.Value;
            }
        }

        AddPodLabels(config.Labels, pod);
        foreach (var container in pod.Spec.Containers ?? [])
        {
            foreach (var port in container.Ports ?? [])
            {
                if (port.HostPort is { } hostPort and > 0)
                {
                    config.PortMappings.Add(new PortMapping
                    {
                        ContainerPort = port.ContainerPort,
                        HostPort = hostPort,
                        HostIp = port.HostIP ?? string.Empty,
                        Protocol = port.Protocol switch { "UDP" => Protocol.Udp, "SCTP" => Protocol.Sctp, _ => Protocol.Tcp },
                    });
                }
            }
        }

        if (dns is not null)
        {
            config.DnsConfig = dns;
        }

        return config;
    }

    public static ContainerConfig Container(V1Pod pod, V1Container container, bool init, int restartCount, IEnumerable<KeyValuePair<string, string>> env)
    {
        var envList = env.ToList();
        var values = envList.GroupBy(e => e.Key).ToDictionary(g => g.Key, g => g.Last().Value, StringComparer.Ordinal);
        var config = new ContainerConfig
        {
            Metadata = new ContainerMetadata { Name = container.Name, Attempt = (uint)restartCount },
            Image = new ImageSpec { Image = ImageReference.Normalize(container.Image) },
            WorkingDir = container.WorkingDir ?? string.Empty,
            LogPath = $"{container.Name}/{restartCount}.log",
            Stdin = container.Stdin == true,
            StdinOnce = container.StdinOnce == true,
            Tty = container.Tty == true,
            Linux = new LinuxContainerConfig { Resources = PodResources.ForContainer(container), SecurityContext = Security(pod, container) },
        };
        config.Command.AddRange((container.Command ?? []).Select(c => EnvResolver.Expand(c, values)));
        config.Args.AddRange((container.Args ?? []).Select(a => EnvResolver.Expand(a, values)));
        config.Envs.AddRange(envList.Select(e => new KeyValue { Key = e.Key, Value = e.Value }));
        AddPodLabels(config.Labels, pod);
        config.Labels[CriLabels.ContainerName] = container.Name;
        config.Labels[CriLabels.ContainerType] = init ? "init" : "app";
        config.Annotations[CriLabels.RestartCount] = restartCount.ToString(System.Globalization.CultureInfo.InvariantCulture);
        config.Annotations[CriLabels.ContainerHash] = ContainerSpecHash.Of(container);
        config.Annotations[CriLabels.TerminationGrace] = (pod.Spec.TerminationGracePeriodSeconds ?? 30).ToString(System.Globalization.CultureInfo.InvariantCulture);
        return config;
    }

    public static string LogDirectory(V1Pod pod, string logRoot) =>
        Path.Combine(logRoot, $"{pod.Metadata.NamespaceProperty ?? "default"}_{pod.Metadata.Name}_{pod.Metadata.Uid}");

    private static LinuxContainerSecurityContext Security(V1Pod pod, V1Container container)
    {
        var psc = pod.Spec.SecurityContext;
        var sc = container.SecurityContext;
        var result = new LinuxContainerSecurityContext
        {
            Privileged = sc?.Privileged == true,
            ReadonlyRootfs = sc?.ReadOnlyRootFilesystem == true,
            // allowPrivilegeEscalation defaults to true unless privileged is false and set explicitly.
            NoNewPrivs = sc?.AllowPrivilegeEscalation == false,
            NamespaceOptions = new NamespaceOption
            {
                Network = pod.Spec.HostNetwork == true ? NamespaceMode.Node : NamespaceMode.Pod,
                Pid = pod.Spec.HostPID == true ? NamespaceMode.Node : pod.Spec.ShareProcessNamespace == true ? NamespaceMode.Pod : NamespaceMode.Container,
                Ipc = pod.Spec.HostIPC == true ? NamespaceMode.Node : NamespaceMode.Pod,
            },
        };
        if ((sc?.RunAsUser ?? psc?.RunAsUser) is { } uid)
        {
            result.RunAsUser = new Int64Value { Value = uid };
        }

        if ((sc?.RunAsGroup ?? psc?.RunAsGroup) is { } gid)
        {
            result.RunAsGroup = new Int64Value { Value = gid };
        }

        result.SupplementalGroups.AddRange((psc?.SupplementalGroups ?? []).OfType<long>());
        if (sc?.Capabilities is { } caps)
        {
            result.Capabilities = new Capability();
            result.Capabilities.AddCapabilities.AddRange((caps.Add ?? []).Select(CapabilityName));
            result.Capabilities.DropCapabilities.AddRange((caps.Drop ?? []).Select(CapabilityName));
        }

        return result;
    }

    /// <summary>Kubernetes writes "NET_ADMIN" or "ALL"; the runtime wants "CAP_NET_ADMIN" (ALL stays).</summary>
    private static string CapabilityName(string name) =>
        name == "ALL" || name.StartsWith("CAP_", StringComparison.Ordinal) ? name : "CAP_" + name;

    private static void AddPodLabels(Google.Protobuf.Collections.MapField<string, string> labels, V1Pod pod)
    {
        foreach (var (k, v) in pod.Metadata.Labels ?? new Dictionary<string, string>())
        {
            labels[k] = v;
        }

        labels[CriLabels.PodUid] = pod.Metadata.Uid;
        labels[CriLabels.PodName] = pod.Metadata.Name;
        labels[CriLabels.PodNamespace] = pod.Metadata.NamespaceProperty ?? "default";
        labels[CriLabels.Managed] = "true";
    }
}
