using System.Text.Json.Serialization;
using k8s.Models;

namespace Timonel.Ingress.Gateway.Model;

/// <summary>gateway.networking.k8s.io/v1 Gateway.</summary>
public sealed class V1Gateway : GatewayApiObject<V1GatewaySpec>
{
    [JsonPropertyName("status")]
    public V1GatewayStatus? Status { get; set; }
}

public sealed class V1GatewaySpec
{
    [JsonPropertyName("gatewayClassName")]
    public string? GatewayClassName { get; set; }

    [JsonPropertyName("listeners")]
    public IList<V1Listener>? Listeners { get; set; }
}

public sealed class V1Listener
{
    [JsonPropertyName("name")]
    public string Name { get; set; } = "";

    [JsonPropertyName("hostname")]
    public string? Hostname { get; set; }

    [JsonPropertyName("port")]
    public int Port { get; set; }

    [JsonPropertyName("protocol")]
    public string Protocol { get; set; } = "";

    [JsonPropertyName("tls")]
    public V1ListenerTls? Tls { get; set; }

    [JsonPropertyName("allowedRoutes")]
    public V1AllowedRoutes? AllowedRoutes { get; set; }
}

public sealed class V1ListenerTls
{
    [JsonPropertyName("mode")]
    public string? Mode { get; set; }

    [JsonPropertyName("certificateRefs")]
    public IList<V1ObjectRef>? CertificateRefs { get; set; }
}

/// <summary>A reference to an object by group, kind, namespace and name (SecretObjectReference; ParentReference and BackendRef extend it).</summary>
public class V1ObjectRef
{
    [JsonPropertyName("group")]
    public string? Group { get; set; }

    [JsonPropertyName("kind")]
    public string? Kind { get; set; }

    [JsonPropertyName("namespace")]
    public string? Namespace { get; set; }

    [JsonPropertyName("name")]
    public string Name { get; set; } = "";
}

public sealed class V1AllowedRoutes
{
    [JsonPropertyName("namespaces")]
    public V1RouteNamespaces? Namespaces { get; set; }

    [JsonPropertyName("kinds")]
    public IList<V1RouteGroupKind>? Kinds { get; set; }
}

public sealed class V1RouteNamespaces
{
    /// <summary>Same (the default), All or Selector.</summary>
    [JsonPropertyName("from")]
    public string? From { get; set; }

    [JsonPropertyName("selector")]
    public V1LabelSelector? Selector { get; set; }
}

public sealed class V1RouteGroupKind
{
    [JsonPropertyName("group")]
    public string? Group { get; set; }

    [JsonPropertyName("kind")]
    public string Kind { get; set; } = "";
}

public sealed class V1GatewayStatus
{
    [JsonPropertyName("addresses")]
    public IList<V1GatewayStatusAddress>? Addresses { get; set; }

    [JsonPropertyName("conditions")]
    public IList<V1Condition>? Conditions { get; set; }

    [JsonPropertyName("listeners")]
    public IList<V1ListenerStatus>? Listeners { get; set; }
}

public sealed class V1GatewayStatusAddress
{
    [JsonPropertyName("type")]
    public string? Type { get; set; }

    [JsonPropertyName("value")]
    public string Value { get; set; } = "";
}

public sealed class V1ListenerStatus
{
    [JsonPropertyName("name")]
    public string Name { get; set; } = "";

    [JsonPropertyName("supportedKinds")]
    public IList<V1RouteGroupKind> SupportedKinds { get; set; } = [];

    [JsonPropertyName("attachedRoutes")]
    public int AttachedRoutes { get; set; }

    [JsonPropertyName("conditions")]
    public IList<V1Condition> Conditions { get; set; } = [];
}
