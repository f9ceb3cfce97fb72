using System.Text.Json.Serialization;

namespace Timonel.Ingress.Gateway.Model;

/// <summary>gateway.networking.k8s.io/v1beta1 ReferenceGrant: lets objects of other namespaces refer to objects of its own.</summary>
public sealed class V1Beta1ReferenceGrant : GatewayApiObject<V1Beta1ReferenceGrantSpec>
{
}

public sealed class V1Beta1ReferenceGrantSpec
{
    [JsonPropertyName("from")]
    public IList<V1ReferenceGrantFrom>? From { get; set; }

    [JsonPropertyName("to")]
    public IList<V1ReferenceGrantTo>? To { get; set; }
}

public sealed class V1ReferenceGrantFrom
{
    [JsonPropertyName("group")]
    public string Group { get; set; } = "";

    [JsonPropertyName("kind")]
    public string Kind { get; set; } = "";

    [JsonPropertyName("namespace")]
    public string Namespace { get; set; } = "";
}

public sealed class V1ReferenceGrantTo
{
    [JsonPropertyName("group")]
    public string Group { get; set; } = "";

    [JsonPropertyName("kind")]
    public string Kind { get; set; } = "";

    [JsonPropertyName("name")]
    public string? Name { get; set; }
}
