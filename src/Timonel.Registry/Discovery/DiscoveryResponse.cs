namespace Timonel.Registry.Discovery;

/// <summary>
/// A discovery answer: the exact Content-Type to send (client-go compares it as a string), the
/// body, and for aggregated documents their ETag (upstream's, so clients revalidate with If-None-Match).
/// </summary>
public sealed record DiscoveryResponse(string ContentType, byte[] Body, string? ETag = null);
