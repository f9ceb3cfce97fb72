namespace Timonel.Proxy.Model;

/// <summary>One port of one Service: what kube-proxy programs a chain for. Protocol is lower-case (tcp, udp, sctp).</summary>
public sealed record ServicePortName(string Namespace, string Service, string Port, string Protocol)
{
    /// <summary>ns/svc/proto/port, the readable tail of the chain names; an unnamed port is shown by number.</summary>
    public override string ToString() => $"{Namespace}/{Service}/{Protocol}/{Port}";
}
