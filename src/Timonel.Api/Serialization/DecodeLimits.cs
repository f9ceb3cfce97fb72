using System.Text.Json;

namespace Timonel.Api.Serialization;

/// <summary>
/// Bounds on what one request body may make the server build, shared by the JSON, YAML and
/// protobuf decoders (docs/limits.md, "Request bodies").
/// </summary>
public static class DecodeLimits
{
    /// <summary>
    /// Deepest nesting of objects and lists. Upstream's decoders stop at 10000; here the decoded
    /// tree is walked recursively afterwards (validation, patches, pruning) on pool threads with
    /// small stacks, and real Kubernetes objects stay well under 50 levels.
    /// </summary>
    public const int MaxDepth = 256;

    /// <summary>
    /// Most nodes a YAML document may produce through alias expansion, whatever its size
    /// (go-yaml bounds only the ratio; this caps the memory one body can claim).
    /// </summary>
    public const int MaxAliasNodes = 1_000_000;

    /// <summary>How JSON bodies are parsed: <see cref="MaxDepth"/>, and a repeated key is an error.</summary>
    public static JsonDocumentOptions JsonOptions => new() { MaxDepth = MaxDepth, AllowDuplicateProperties = false };
}
