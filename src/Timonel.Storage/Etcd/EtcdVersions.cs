using System.Globalization;

namespace Timonel.Storage.Etcd;

/// <summary>Which etcd versions answer watch progress requests in order with the events.</summary>
public static class EtcdVersions
{
    /// <summary>
    /// True for etcd 3.4.31+, 3.5.13+ and 3.6+: the versions upstream's kube-apiserver requires
    /// before it serves consistent lists from its watch cache. Older ones answer a progress
    /// request at once, possibly before events still queued for the watch (etcd-io/etcd#15220),
    /// which would let a read miss a write the store had acknowledged.
    /// </summary>
    public static bool OrdersProgress(string? version)
    {
        var parts = (version ?? "").Split('-', 2)[0].Split('.');
        if (parts.Length < 3
            || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var major)
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var minor)
            || !int.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var patch))
        {
            return false;
        }

        return (major, minor) switch
        {
            ( > 3, _) => true,
            (3, > 5) => true,
            (3, 5) => patch >= 13,
            (3, 4) => patch >= 31,
            _ => false,
        };
    }
}
