namespace Timonel.Dns.Wire;

/// <summary>A packet that is not a well-formed DNS message; a server answers it with FORMERR.</summary>
public sealed class DnsFormatException(string message) : Exception(message)
{
}
