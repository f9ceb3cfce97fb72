namespace Timonel.Registry.OpenApi;

/// <summary>Where definitions live and how a described reference is written, per OpenAPI version.</summary>
internal sealed record SchemaDialect(string RefPrefix, bool WrapDescribedRefs, bool OneOfForIntOrString)
{
    /// <summary>Swagger 2.0: "#/definitions/", a description may sit beside $ref.</summary>
    public static SchemaDialect V2 { get; } = new("#/definitions/", false, false);

    /// <summary>OpenAPI 3.0: "#/components/schemas/", siblings of $ref are ignored so upstream wraps it in allOf.</summary>
    public static SchemaDialect V3 { get; } = new("#/components/schemas/", true, true);

    public string Ref(string definitionName) => RefPrefix + definitionName;
}
