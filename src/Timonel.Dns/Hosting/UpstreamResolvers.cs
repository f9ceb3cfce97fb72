using System.Net;

namespace Timonel.Dns.Hosting;

/// <summary>The node's resolvers as the DNS server forwards to them, from resolv.conf.</summary>
public static class UpstreamResolvers
{
    /// <summary>systemd-resolved's list of real upstreams, used when resolv.conf names its loopback stub (as k3s does).</summary>
    public const string SystemdResolvConf = "/run/systemd/resolve/resolv.conf";

    /// <summary>
    /// The nameservers of <paramref name="resolvConfPath"/> on port 53, minus the server's own
    /// address (a loop). A systemd-resolved stub (127.0.0.53) is replaced by the resolvers behind it.
    /// </summary>
    public static IReadOnlyList<IPEndPoint> FromResolvConf(string resolvConfPath, IPEndPoint self)
    {
        ArgumentNullException.ThrowIfNull(self);
        var conf = ResolvConf.Read(resolvConfPath);
        if (conf.Nameservers.Any(n => n.StartsWith("127.0.0.53", StringComparison.Ordinal)) && File.Exists(SystemdResolvConf))
        {
            conf = ResolvConf.Read(SystemdResolvConf);
        }

        return [.. conf.Nameservers
            .Select(n => IPAddress.TryParse(n.Split('%')[0], out var ip) ? new IPEndPoint(ip, 53) : null)
            .OfType<IPEndPoint>()
            .Where(e => !e.Equals(self))];
    }
}
