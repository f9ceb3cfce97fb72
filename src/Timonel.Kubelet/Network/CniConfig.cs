using System.Text.Json;
using System.Text.Json.Nodes;

namespace Timonel.Kubelet.Network;

/// <summary>
/// The CNI network list the agent writes for containerd: a bridge (the node's gateway, hairpin)
/// with host-local IPAM over the node's podCIDR, and portmap for hostPorts. containerd adds
/// loopback itself and reads only the first file of its conf dir. The bridge does not masquerade:
/// its ipMasq would also rewrite pod-to-pod traffic to other nodes (it exempts only the node's own
/// podCIDR), so the agent masquerades itself, exempting the whole cluster CIDR (IpRouteTable).
/// </summary>
public static class CniConfig
{
    public const string FileName = "10-timonel.conflist";

    public static string Render(string podCidr, string bridgeName, string ipamDataDir)
    {
        var (network, prefix) = ParseCidr(podCidr);
        var config = new JsonObject
        {
            ["cniVersion"] = "1.0.0",
            ["name"] = "timonel",
            ["plugins"] = new JsonArray(
                new JsonObject
                {
                    ["type"] = "bridge",
                    ["bridge"] = bridgeName,
                    ["isGateway"] = true,
                    ["ipMasq"] = false,
                    ["hairpinMode"] = true,
                    ["ipam"] = new JsonObject
                    {
                        ["type"] = "host-local",
                        ["dataDir"] = ipamDataDir,
                        ["ranges"] = new JsonArray(new JsonArray(new JsonObject { ["subnet"] = $"{network}/{prefix}" })),
                        ["routes"] = new JsonArray(new JsonObject { ["dst"] = "0.0.0.0/0" }),
                    },
                },
                new JsonObject
                {
                    ["type"] = "portmap",
                    ["capabilities"] = new JsonObject { ["portMappings"] = true },
                }),
        };
        return config.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    /// <summary>Writes the conflist when its content changed; returns the file path.</summary>
    public static string Write(string confDir, string podCidr, string bridgeName, string ipamDataDir)
    {
        Directory.CreateDirectory(confDir);
        var path = Path.Combine(confDir, FileName);
        var text = Render(podCidr, bridgeName, ipamDataDir);
        if (!File.Exists(path) || File.ReadAllText(path) != text)
        {
            File.WriteAllText(path + ".tmp", text);
            File.Move(path + ".tmp", path, overwrite: true);
        }

        return path;
    }

    /// <summary>An IPv4 CIDR with its host bits cleared; throws ArgumentException for anything else.</summary>
    public static (System.Net.IPAddress Network, int Prefix) ParseCidr(string cidr)
    {
        if (!System.Net.IPNetwork.TryParse(cidr, out var parsed) && !TryParseLoose(cidr, out parsed))
        {
            throw new ArgumentException($"\"{cidr}\" is not a CIDR such as 10.42.0.0/24");
        }

        if (parsed.BaseAddress.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork || parsed.PrefixLength is < 8 or > 30)
        {
            throw new ArgumentException($"pod CIDR \"{cidr}\" must be IPv4 with a prefix between /8 and /30");
        }

        return (parsed.BaseAddress, parsed.PrefixLength);
    }

    private static bool TryParseLoose(string cidr, out System.Net.IPNetwork network)
    {
        network = default;
        var slash = cidr.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0 || !System.Net.IPAddress.TryParse(cidr[..slash], out var address) || !int.TryParse(cidr[(slash + 1)..], out var prefix) || prefix is < 0 or > 32)
        {
            return false;
        }

        var bytes = address.GetAddressBytes();
        var mask = prefix == 0 ? 0u : uint.MaxValue << (32 - prefix);
        var value = ((uint)bytes[0] << 24 | (uint)bytes[1] << 16 | (uint)bytes[2] << 8 | bytes[3]) & mask;
        network = new System.Net.IPNetwork(new System.Net.IPAddress([(byte)(value >> 24), (byte)(value >> 16), (byte)(value >> 8), (byte)value]), prefix);
        return true;
    }
}
