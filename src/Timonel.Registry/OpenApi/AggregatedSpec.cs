namespace Timonel.Registry.OpenApi;

/// <summary>
/// The OpenAPI an extension API server (an APIService with a service) published, as the
/// aggregator last fetched it: its /openapi/v2 document and its /openapi/v3 document of the
/// APIService's group/version. Either may be missing (the backend does not serve it, or it has
/// never answered). Shared and never changed once handed over.
/// </summary>
/// <param name="ApiService">The APIService's name (VERSION.GROUP): specs merge in name order.</param>
/// <param name="V3Path">The v3 document's path ("apis/GROUP/VERSION").</param>
/// <param name="V2">The /openapi/v2 JSON (parsed when merged: parsed JSON nodes are not safe to share between threads).</param>
public sealed record AggregatedSpec(string ApiService, string V3Path, byte[]? V2, byte[]? V3);
