using System.Globalization;
using System.Runtime.InteropServices;

namespace Timonel.Cli.Bench;

/// <summary>The machine a benchmark ran on, read from /proc and /etc/os-release, in one line.</summary>
internal static class MachineInfo
{
    public static string Describe()
    {
        var cpu = ReadField("/proc/cpuinfo", "model name", ':') ?? RuntimeInformation.ProcessArchitecture.ToString();
        var memKb = ReadField("/proc/meminfo", "MemTotal", ':')?.Split(' ', StringSplitOptions.RemoveEmptyEntries)[0];
        var mem = memKb is not null && long.TryParse(memKb, CultureInfo.InvariantCulture, out var kb) ? $"{kb / 1024.0 / 1024.0:F0} GiB" : "? GiB";
        var os = ReadField("/etc/os-release", "PRETTY_NAME", '=')?.Trim('"') ?? RuntimeInformation.OSDescription;
        return $"{Environment.ProcessorCount} vCPU ({cpu}), {mem} RAM, {os}, {RuntimeInformation.FrameworkDescription}";
    }

    private static string? ReadField(string file, string name, char separator)
    {
        try
        {
            foreach (var line in File.ReadLines(file))
            {
                var at = line.IndexOf(separator, StringComparison.Ordinal);
                if (at > 0 && line[..at].Trim() == name)
                {
                    return line[(at + 1)..].Trim();
                }
            }
        }
        catch (IOException)
        {
        }

        return null;
    }
}
