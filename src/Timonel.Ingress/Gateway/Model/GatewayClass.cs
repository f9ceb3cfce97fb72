using System.Text.Json.Serialization;
using k8s.Models;

namespace Timonel.Ingress.Gateway.Model;

/// <summary>gateway.networking.k8s.io/v1 GatewayClass (cluster-scoped).</summary>
public sealed class V1GatewayClass : GatewayApiObject<V1GatewayClassSpec>
{
    [JsonPropertyName("status")]
    public V1GatewayClassStatus? Status { get; set; }
}

public sealed class V1GatewayClassSpec
{
    [JsonPropertyName("controllerName")]
    public string? ControllerName { get; set; }
}

public sealed class V1GatewayClassStatus
{
    [JsonPropertyName("conditions")]
    public IList<V1Condition>? Conditions { get; set; }
}
