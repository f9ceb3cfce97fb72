using System.Globalization;
using Timonel.Api.Errors;

namespace Timonel.ApiServer.Proxy;

/// <summary>
/// The name in a proxy path: "name", "name:port" or "scheme:name:port", scheme "http" or "https"
/// (upstream's SplitSchemeNamePort). The port is a number, or for services a port name.
/// </summary>
internal sealed record ProxyTargetName(string Scheme, string Name, string Port)
{
    /// <summary>Parses <paramref name="id"/>; a 400 "invalid {kind} request" Status when it is malformed.</summary>
    public static ProxyTargetName Parse(string kind, string id)
    {
        ArgumentNullException.ThrowIfNull(id);
        var parts = id.Split(':');
        var (scheme, name, port) = parts.Length switch
        {
            1 => ("", parts[0], ""),
            2 => ("", parts[0], parts[1]),
            3 => (parts[0], parts[1], parts[2]),
            _ => (null, "", ""),
        };
        if (scheme is null || name.Length == 0 || scheme is not ("" or "http" or "https"))
        {
            throw ApiException.BadRequest($"invalid {kind} request \"{id}\"");
        }

        return new ProxyTargetName(scheme, name, port);
    }

    /// <summary>The port as a number, when it is one (1-65535); null when it is empty or a name.</summary>
    public int? PortNumber =>
        int.TryParse(Port, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n is > 0 and <= 65535 ? n : null;

    /// <summary>
    /// The port for a target that has no named ports (a pod, a node): empty, or a number. Anything
    /// else is a 400 (upstream would fail later, dialling "ip:abc").
    /// </summary>
    public void RequireNumericPort(string kind, string id)
    {
        if (Port.Length > 0 && PortNumber is null)
        {
            throw ApiException.BadRequest($"invalid {kind} request \"{id}\": port \"{Port}\" is not a number from 1 to 65535");
        }
    }

    /// <summary>The scheme to dial: the one asked for, else http (as upstream's proxy handler defaults).</summary>
    public string SchemeOrHttp => Scheme.Length > 0 ? Scheme : "http";
}
