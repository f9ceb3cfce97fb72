namespace Timonel.Registry.CustomResources;

/// <summary>What a custom resource's definition records of its CRD: its name, uid, and whether it is being deleted (creates are then refused).</summary>
/// <param name="Schemas">Each version's openAPIV3Schema (for OpenAPI); shared, never changed.</param>
public sealed record CustomResourceInfo(string CrdName, string? CrdUid, bool Terminating, IReadOnlyDictionary<string, System.Text.Json.Nodes.JsonObject> Schemas);
