namespace Timonel.Proxy.Model;

/// <summary>One endpoint of a Service port, from an EndpointSlice; conditions defaulted as discovery/v1 says.</summary>
public sealed record ProxyEndpoint(string Ip, int Port, bool Ready, bool Serving, bool Terminating, bool IsLocal)
{
    public override string ToString() => $"{Ip}:{Port}";
}
