namespace Timonel.Kubelet.Runtime;

/// <summary>Which cgroup hierarchy the machine mounts and which driver manages it.</summary>
public enum CgroupVersion
{
    V1,
    V2,
}

/// <summary>
/// The machine's cgroup setup and how pod cgroups are named under it: with the cgroupfs driver a
/// parent is a path (/kubepods/burstable/pod&lt;uid&gt;), with the systemd driver a slice name
/// (kubepods-burstable-pod&lt;uid&gt;.slice), as upstream's kubelet names them.
/// </summary>
public sealed record CgroupLayout(CgroupVersion Version, bool Systemd, string Root = "/sys/fs/cgroup")
{
    /// <summary>Reads the running machine: v2 when the unified hierarchy is mounted at the root, systemd when it is PID 1.</summary>
    public static CgroupLayout Detect(string root = "/sys/fs/cgroup")
    {
        var version = File.Exists(Path.Combine(root, "cgroup.controllers")) ? CgroupVersion.V2 : CgroupVersion.V1;
        var systemd = Directory.Exists("/run/systemd/system");
        return new CgroupLayout(version, systemd, root);
    }

    /// <summary>The cgroup parent of one pod, by QoS class ("Guaranteed", "Burstable", "BestEffort").</summary>
    public string PodParent(string qosClass, string podUid)
    {
        var uid = podUid.Replace('-', '_');
        var qos = qosClass switch
        {
            "Guaranteed" => null,
            "Burstable" => "burstable",
            _ => "besteffort",
        };
        if (Systemd)
        {
            return qos is null ? $"kubepods-pod{uid}.slice" : $"kubepods-{qos}-pod{uid}.slice";
        }

        return qos is null ? $"/kubepods/pod{podUid}" : $"/kubepods/{qos}/pod{podUid}";
    }

    /// <summary>
    /// The directories of a cgroupfs pod parent on disk (one per v1 controller hierarchy, or the
    /// one unified directory): containerd never removes them, so the kubelet does.
    /// </summary>
    public IEnumerable<string> PodDirectories(string parent)
    {
        if (Systemd)
        {
            yield break;
        }

        if (Version == CgroupVersion.V2)
        {
            yield return Root + parent;
            yield break;
        }

        if (!Directory.Exists(Root))
        {
            yield break;
        }

        foreach (var hierarchy in Directory.EnumerateDirectories(Root))
        {
            yield return hierarchy + parent;
        }
    }

    /// <summary>The file holding a cgroup's memory limit for the memory controller, for tests and stats.</summary>
    public string MemoryLimitFile(string cgroupPath) =>
        Version == CgroupVersion.V2 ? $"{Root}{cgroupPath}/memory.max" : $"{Root}/memory{cgroupPath}/memory.limit_in_bytes";
}
