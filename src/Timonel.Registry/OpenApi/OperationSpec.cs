namespace Timonel.Registry.OpenApi;

/// <summary>A query or path parameter of an operation.</summary>
internal sealed record ParameterSpec(string Name, string In, string Type, string Description, bool Required = false);

/// <summary>One response: status code and the definition it returns (null for none).</summary>
internal sealed record ResponseSpec(string Code, string Description, string? Schema);

/// <summary>
/// One HTTP operation on one path, in neither OpenAPI version yet.
/// <paramref name="Method"/> is lower-case ("get", "patch"); <paramref name="Action"/> is
/// upstream's x-kubernetes-action ("list", "post", "deletecollection").
/// </summary>
internal sealed record OperationSpec(
    string Method,
    string Action,
    string OperationId,
    string Description,
    string Tag,
    (string Group, string Version, string Kind) GroupVersionKind,
    string? BodySchema,
    IReadOnlyList<ParameterSpec> Parameters,
    IReadOnlyList<ResponseSpec> Responses,
    bool AcceptsStrategicMerge = true)
{
    public bool IsPatch => Method == "patch";

    /// <summary>The request body's content types: a PATCH lists the patch formats it takes, others any.</summary>
    public IReadOnlyList<string> Consumes => !IsPatch ? ["*/*"]
        : AcceptsStrategicMerge ? ResourceOperations.PatchContentTypes : ResourceOperations.PatchContentTypesWithoutStrategicMerge;
}

/// <summary>A path with its operations and its path-level parameters.</summary>
internal sealed record PathSpec(string Path, IReadOnlyList<ParameterSpec> Parameters, IReadOnlyList<OperationSpec> Operations);
