using System.Text.Json;
using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace Timonel.Registry.CustomResources;

/// <summary>
/// The model type of every custom resource: typed metadata (so a badly typed metadata field is
/// a 400 as for any kind) and everything else kept as it came. Not a k8s.Models type, so the
/// model-driven pruner and strict decoder see no known fields to check: what a CR keeps or
/// drops is its CRD schema's business (<see cref="ICustomResourceSchema"/>).
/// </summary>
public sealed class CustomResourceObject : IKubernetesObject<V1ObjectMeta>
{
    [JsonPropertyName("apiVersion")]
    public string? ApiVersion { get; set; }

    [JsonPropertyName("kind")]
    public string? Kind { get; set; }

    [JsonPropertyName("metadata")]
    public V1ObjectMeta Metadata { get; set; } = new();

    /// <summary>spec, status and anything else the object carries.</summary>
    [JsonExtensionData]
    public IDictionary<string, JsonElement>? Content { get; set; }
}
