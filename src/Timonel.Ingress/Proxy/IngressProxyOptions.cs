using System.Net;

namespace Timonel.Ingress.Proxy;

/// <summary>Where the proxy listens. Ports 0 pick free ports (tests); the agent's defaults are 80 and 443.</summary>
public sealed record IngressProxyOptions
{
    /// <summary>The address both listeners bind; every address of the node by default.</summary>
    public IPAddress ListenAddress { get; init; } = IPAddress.Any;

    /// <summary>--ingress-http-port.</summary>
    public int HttpPort { get; init; } = 80;

    /// <summary>--ingress-https-port.</summary>
    public int HttpsPort { get; init; } = 443;

    /// <summary>How long open requests may finish when the proxy stops.</summary>
    public TimeSpan ShutdownTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a connection to a backend may take before the request is answered 502.</summary>
    public TimeSpan BackendConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <exception cref="ArgumentException">A port is outside 0..65535 (the message names the flag).</exception>
    public void Validate()
    {
        if (HttpPort is < 0 or > 65535)
        {
            throw new ArgumentException($"--ingress-http-port {HttpPort} is not between 0 and 65535");
        }

        if (HttpsPort is < 0 or > 65535)
        {
            throw new ArgumentException($"--ingress-https-port {HttpsPort} is not between 0 and 65535");
        }

        if (HttpPort != 0 && HttpPort == HttpsPort)
        {
            throw new ArgumentException($"--ingress-http-port and --ingress-https-port are both {HttpPort}");
        }
    }
}
