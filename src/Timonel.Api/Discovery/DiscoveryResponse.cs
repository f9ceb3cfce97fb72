namespace Timonel.Api.Discovery;

/// <summary>A discovery answer: the exact Content-Type to send (client-go compares it as a string) and the body.</summary>
public sealed record DiscoveryResponse(string ContentType, byte[] Body);
