namespace Timonel.Registry.Strategies;

/// <summary>
/// A kind with no rules of its own: metadata validated (DNS-1123 subdomain names), status reset on
/// create and kept on update when the kind has a status subresource.
/// </summary>
public class GenericStrategy(bool namespaced, bool hasStatus) : ResourceStrategy(namespaced, hasStatus);
