using System.Security.Cryptography;
using System.Text;
using k8s.Models;

namespace Timonel.Kubelet.Pods;

/// <summary>
/// A short, stable hash of the parts of a container's spec that may change during a pod's life
/// (the image is the only mutable container field): stored on the runtime container, it tells
/// the kubelet that a running instance no longer matches its spec and must be restarted.
/// </summary>
public static class ContainerSpecHash
{
    public static string Of(V1Container container) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(container.Image ?? string.Empty)).AsSpan(0, 8));
}
