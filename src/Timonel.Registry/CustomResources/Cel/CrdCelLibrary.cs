using System.Net;
using System.Net.Sockets;
using Timonel.Cel;
using Timonel.Cel.Values;

namespace Timonel.Registry.CustomResources.Cel;

/// <summary>
/// Functions of Kubernetes' CEL libraries that CRD rules use and the engine does not have yet;
/// for now `isIP(string)` (the IP library's, used by Gateway API's TLSRoute): Go's netip
/// parsing, so no zones, no IPv4 shorthands or leading zeros.
/// </summary>
internal static class CrdCelLibrary
{
    public static CelEnvironment Environment() => new CelEnvironment().WithFunction("isIP", IsIp);

    private static CelValue IsIp(IReadOnlyList<CelValue> args) =>
        args is [CelString s] ? (IsIp(s.Value) ? CelBool.True : CelBool.False) : new CelError("no such overload");

    private static bool IsIp(string s)
    {
        if (s.Contains('%', StringComparison.Ordinal))
        {
            return false;
        }

        if (s.Contains(':', StringComparison.Ordinal))
        {
            return IPAddress.TryParse(s, out var v6) && v6.AddressFamily == AddressFamily.InterNetworkV6;
        }

        var parts = s.Split('.');
        return parts.Length == 4 && parts.All(p => p.Length is > 0 and <= 3 && p.All(char.IsAsciiDigit) && (p.Length == 1 || p[0] != '0') && int.Parse(p, System.Globalization.CultureInfo.InvariantCulture) <= 255);
    }
}
