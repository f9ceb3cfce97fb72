using System.Globalization;
using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;

namespace Timonel.Kubelet.Node;

/// <summary>What the node offers, read from /proc and the data dir's file system.</summary>
public sealed record MachineInfo(int Cpus, long MemoryBytes, long DiskBytes, string MachineId, string KernelVersion, string OsImage)
{
    public static MachineInfo Read(string dataDir)
    {
        var memory = MeminfoBytes("MemTotal") ?? 0;
        long disk = 0;
        try
        {
            disk = new DriveInfo(Path.GetFullPath(dataDir)).TotalSize;
        }
        catch (IOException)
        {
            // Unknown size: report 0 rather than fail registration.
        }

        return new MachineInfo(
            Environment.ProcessorCount,
            memory,
            disk,
            ReadFirstLine("/etc/machine-id") ?? string.Empty,
            ReadFirstLine("/proc/sys/kernel/osrelease") ?? Environment.OSVersion.Version.ToString(),
            OsPrettyName());
    }

    /// <summary>A /proc/meminfo value in bytes ("MemAvailable", "MemTotal"), or null.</summary>
    public static long? MeminfoBytes(string key, string path = "/proc/meminfo")
    {
        if (!File.Exists(path))
        {
            return null;
        }

        foreach (var line in File.ReadLines(path))
        {
            if (line.StartsWith(key + ":", StringComparison.Ordinal))
            {
                var parts = line[(key.Length + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (parts.Length > 0 && long.TryParse(parts[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out var kib))
                {
                    return kib * 1024;
                }
            }
        }

        return null;
    }

    /// <summary>The first IPv4 address of an interface that is up and not loopback; loopback when there is none.</summary>
    public static IPAddress DefaultNodeIp()
    {
        foreach (var nic in NetworkInterface.GetAllNetworkInterfaces())
        {
            if (nic.OperationalStatus != OperationalStatus.Up || nic.NetworkInterfaceType == NetworkInterfaceType.Loopback)
            {
                continue;
            }

            foreach (var address in nic.GetIPProperties().UnicastAddresses)
            {
                if (address.Address.AddressFamily == AddressFamily.InterNetwork)
                {
                    return address.Address;
                }
            }
        }

        return IPAddress.Loopback;
    }

    private static string? ReadFirstLine(string path)
    {
        try
        {
            return File.Exists(path) ? File.ReadLines(path).FirstOrDefault()?.Trim() : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static string OsPrettyName()
    {
        const string Key = "PRETTY_NAME=";
        if (File.Exists("/etc/os-release"))
        {
            var line = File.ReadLines("/etc/os-release").FirstOrDefault(l => l.StartsWith(Key, StringComparison.Ordinal));
            if (line is not null)
            {
                return line[Key.Length..].Trim('"');
            }
        }

        return "Linux";
    }
}
