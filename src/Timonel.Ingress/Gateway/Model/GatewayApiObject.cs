using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace Timonel.Ingress.Gateway.Model;

/// <summary>
/// The common shape of the gateway.networking.k8s.io objects this controller reads. KubernetesClient
/// has no models for them (they are CRDs a user installs), so only the fields Timonel serves are
/// modelled; unknown fields are ignored when read and never written back (status is merge-patched).
/// </summary>
public abstract class GatewayApiObject<TSpec> : IKubernetesObject<V1ObjectMeta>
    where TSpec : class, new()
{
    public const string Group = "gateway.networking.k8s.io";

    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; } = "";

    [JsonPropertyName("kind")]
    public string Kind { get; set; } = "";

    [JsonPropertyName("metadata")]
    public V1ObjectMeta Metadata { get; set; } = new();

    [JsonPropertyName("spec")]
    public TSpec Spec { get; set; } = new();

    /// <summary>"namespace/name" ("name" for cluster-scoped objects).</summary>
    [JsonIgnore]
    public string Key => string.IsNullOrEmpty(Metadata.NamespaceProperty) ? Metadata.Name : $"{Metadata.NamespaceProperty}/{Metadata.Name}";
}

/// <summary>A condition as Gateway API statuses carry them (metav1.Condition).</summary>
public sealed record GatewayCondition(string Type, string Status, string Reason, string Message);
