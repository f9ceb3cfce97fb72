using k8s.Models;
using Timonel.Kubelet.Cri.V1;
using Timonel.Kubelet.Pods;

namespace Timonel.Kubelet.Volumes;

/// <summary>A container's volumeMounts as CRI mounts: the volume's host path (or a subPath in it) and read-only.</summary>
public static class ContainerMounts
{
    /// <exception cref="InvalidOperationException">A mount names a volume that is not set up, or a subPath leaves its volume (CreateContainerConfigError).</exception>
    public static List<Mount> Build(V1Container container, IReadOnlyDictionary<string, MountedVolume> volumes, IReadOnlyDictionary<string, string> env)
    {
        var mounts = new List<Mount>();
        foreach (var vm in container.VolumeMounts ?? [])
        {
            if (!volumes.TryGetValue(vm.Name, out var volume))
            {
                throw new InvalidOperationException($"cannot find volume \"{vm.Name}\" to mount into container \"{container.Name}\"");
            }

            var hostPath = volume.HostPath;
            var subPath = !string.IsNullOrEmpty(vm.SubPathExpr) ? EnvResolver.Expand(vm.SubPathExpr, env) : vm.SubPath;
            if (!string.IsNullOrEmpty(subPath))
            {
                hostPath = SubPath(volume.HostPath, subPath, vm.Name);
            }

            mounts.Add(new Mount { ContainerPath = vm.MountPath, HostPath = hostPath, Readonly = vm.ReadOnlyProperty == true || volume.ReadOnly });
        }

        return mounts;
    }

    /// <summary>The subPath inside the volume, created as a directory when missing (as upstream); it must not lead out of the volume.</summary>
    private static string SubPath(string root, string subPath, string volumeName)
    {
        if (subPath.StartsWith('/') || subPath.Split('/').Contains(".."))
        {
            throw new InvalidOperationException($"subPath \"{subPath}\" of volume \"{volumeName}\" must be a relative path without \"..\"");
        }

        var full = Path.Combine(root, subPath);
        if (!Path.Exists(full))
        {
            Directory.CreateDirectory(full);
        }

        // Follow symlinks (a configMap key is one): the real target must still be inside the volume.
        var real = RealPath(full);
        var realRoot = RealPath(root);
        if (real != realRoot && !real.StartsWith(realRoot.TrimEnd('/') + "/", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"subPath \"{subPath}\" of volume \"{volumeName}\" resolves to {real}, outside the volume");
        }

        return real;
    }

    private static string RealPath(string path, int depth = 0)
    {
        if (depth > 40)
        {
            throw new InvalidOperationException($"too many levels of symbolic links at {path}");
        }

        // Resolve each component, so a symlinked directory in the middle (..data) is followed too.
        var current = "/";
        foreach (var part in Path.GetFullPath(path).Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            var next = Path.Combine(current, part);
            if (new FileInfo(next).LinkTarget is { } target)
            {
                next = RealPath(Path.GetFullPath(target, current), depth + 1);
            }

            current = next;
        }

        return current;
    }
}
