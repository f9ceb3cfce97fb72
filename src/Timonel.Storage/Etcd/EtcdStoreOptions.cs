namespace Timonel.Storage.Etcd;

/// <summary>How to reach an etcd cluster and how long to wait for it.</summary>
public sealed class EtcdStoreOptions
{
    /// <summary>Client URLs of the cluster's members (http:// or https://); calls fail over between them.</summary>
    public IReadOnlyList<Uri> Endpoints { get; init; } = [];

    /// <summary>PEM file of the CA that signed the etcd servers' certificates (https endpoints); null trusts the system roots.</summary>
    public string? CaFile { get; init; }

    /// <summary>PEM client certificate presented to etcd (with <see cref="KeyFile"/>).</summary>
    public string? CertFile { get; init; }

    /// <summary>PEM private key of <see cref="CertFile"/>.</summary>
    public string? KeyFile { get; init; }

    /// <summary>How long to wait for a TCP/TLS connection to one member before trying the next.</summary>
    public TimeSpan DialTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Deadline of one request to one member.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a watch keeps reconnecting after losing every member before it fails.</summary>
    public TimeSpan WatchReconnectTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Offer watch progress (<see cref="IWatchProgressStore"/>) even on an etcd older than
    /// 3.4.31 / 3.5.13, whose progress answers may overtake queued events (etcd-io/etcd#15220).
    /// For tests and measurements on such an etcd only; off, those versions offer none.
    /// </summary>
    public bool TrustOldEtcdProgress { get; init; }

    /// <summary>How often to compact history (as kube-apiserver's --etcd-compaction-interval); zero disables.</summary>
    public TimeSpan CompactionInterval { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Revisions of history kept behind the current one by periodic compaction.</summary>
    public long RetainedRevisions { get; init; } = 10_000;

    /// <summary>
    /// Parses a comma-separated endpoint list (<c>http://a:2379,http://b:2379</c>); a bare
    /// <c>host:port</c> means http. Throws <see cref="ArgumentException"/> with a clear message on bad input.
    /// </summary>
    public static IReadOnlyList<Uri> ParseEndpoints(string endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var result = new List<Uri>();
        foreach (var part in endpoints.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var text = part.Contains("://", StringComparison.Ordinal) ? part : "http://" + part;
            if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || string.IsNullOrEmpty(uri.Host) || uri.AbsolutePath != "/")
            {
                throw new ArgumentException($"invalid etcd endpoint \"{part}\": expected http://host:port or https://host:port", nameof(endpoints));
            }

            result.Add(uri);
        }

        if (result.Count == 0)
        {
            throw new ArgumentException("no etcd endpoint given", nameof(endpoints));
        }

        return result;
    }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first bad setting (missing TLS file, half a key pair).</summary>
    public void Validate()
    {
        if (Endpoints.Count == 0)
        {
            throw new ArgumentException("EtcdStoreOptions.Endpoints is empty");
        }

        if ((CertFile is null) != (KeyFile is null))
        {
            throw new ArgumentException("an etcd client certificate needs both a certificate file and a key file");
        }

        foreach (var file in new[] { CaFile, CertFile, KeyFile })
        {
            if (file is not null && !File.Exists(file))
            {
                throw new ArgumentException($"etcd TLS file \"{file}\" does not exist");
            }
        }

        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(DialTimeout, TimeSpan.Zero, nameof(DialTimeout));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(RequestTimeout, TimeSpan.Zero, nameof(RequestTimeout));
        ArgumentOutOfRangeException.ThrowIfNegative(RetainedRevisions, nameof(RetainedRevisions));
    }
}
