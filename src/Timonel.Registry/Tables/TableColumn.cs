namespace Timonel.Registry.Tables;

/// <summary>A meta.k8s.io/v1 Table column definition.</summary>
/// <param name="Name">Header, e.g. "Ready".</param>
/// <param name="Type">OpenAPI type: "string", "integer", "date", "number", "boolean".</param>
/// <param name="Format">"name" for the NAME column, else "".</param>
/// <param name="Description">What the column shows.</param>
/// <param name="Priority">0 = always shown; 1 = only with -o wide.</param>
public sealed record TableColumn(string Name, string Type, string Format, string Description, int Priority);
