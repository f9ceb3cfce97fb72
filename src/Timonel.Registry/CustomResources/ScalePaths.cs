namespace Timonel.Registry.CustomResources;

/// <summary>A CRD version's scale subresource: where the Scale's fields live in the object (".spec.replicas").</summary>
public sealed record ScalePaths(string SpecReplicasPath, string StatusReplicasPath, string? LabelSelectorPath);
