using System.Text.Json.Nodes;

namespace Timonel.Registry.CustomResources.Schema;

/// <summary>
/// The schema hook of a CRD version's openAPIV3Schema: the list of parts applied to its objects on
/// every write. Each concern (structural schema here, CEL rules alongside) adds its own part.
/// </summary>
public static class CustomResourceSchemas
{
    public static ICustomResourceSchema For(JsonObject? openApiV3Schema) =>
        openApiV3Schema is null
            ? PreservingSchema.Instance
            : new CustomResourceSchemaChain([new StructuralCustomResourceSchema(openApiV3Schema)]);
}
