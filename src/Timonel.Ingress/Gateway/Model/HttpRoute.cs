using System.Text.Json.Serialization;
using k8s.Models;

namespace Timonel.Ingress.Gateway.Model;

/// <summary>gateway.networking.k8s.io/v1 HTTPRoute.</summary>
public sealed class V1HttpRoute : GatewayApiObject<V1HttpRouteSpec>
{
    [JsonPropertyName("status")]
    public V1RouteStatus? Status { get; set; }
}

public sealed class V1HttpRouteSpec
{
    [JsonPropertyName("parentRefs")]
    public IList<V1ParentRef>? ParentRefs { get; set; }

    [JsonPropertyName("hostnames")]
    public IList<string>? Hostnames { get; set; }

    [JsonPropertyName("rules")]
    public IList<V1HttpRouteRule>? Rules { get; set; }
}

public sealed class V1ParentRef : V1ObjectRef
{
    [JsonPropertyName("sectionName")]
    public string? SectionName { get; set; }

    [JsonPropertyName("port")]
    public int? Port { get; set; }
}

public sealed class V1HttpRouteRule
{
    [JsonPropertyName("matches")]
    public IList<V1HttpRouteMatch>? Matches { get; set; }

    [JsonPropertyName("filters")]
    public IList<V1HttpRouteFilter>? Filters { get; set; }

    [JsonPropertyName("backendRefs")]
    public IList<V1HttpBackendRef>? BackendRefs { get; set; }
}

public sealed class V1HttpRouteMatch
{
    [JsonPropertyName("path")]
    public V1HttpPathMatch? Path { get; set; }

    [JsonPropertyName("headers")]
    public IList<V1HttpValueMatch>? Headers { get; set; }

    [JsonPropertyName("queryParams")]
    public IList<V1HttpValueMatch>? QueryParams { get; set; }

    [JsonPropertyName("method")]
    public string? Method { get; set; }
}

public sealed class V1HttpPathMatch
{
    /// <summary>Exact, PathPrefix (the default) or RegularExpression.</summary>
    [JsonPropertyName("type")]
    public string? Type { get; set; }

    [JsonPropertyName("value")]
    public string? Value { get; set; }
}

/// <summary>A header or query parameter match: Exact (the default) or RegularExpression.</summary>
public sealed class V1HttpValueMatch
{
    [JsonPropertyName("type")]
    public string? Type { get; set; }

    [JsonPropertyName("name")]
    public string Name { get; set; } = "";

    [JsonPropertyName("value")]
    public string Value { get; set; } = "";
}

public sealed class V1HttpBackendRef : V1ObjectRef
{
    [JsonPropertyName("port")]
    public int? Port { get; set; }

    /// <summary>1 when absent; 0 sends nothing to this backend.</summary>
    [JsonPropertyName("weight")]
    public int? Weight { get; set; }
}

public sealed class V1HttpRouteFilter
{
    /// <summary>RequestHeaderModifier, ResponseHeaderModifier, RequestRedirect, URLRewrite (others are refused).</summary>
    [JsonPropertyName("type")]
    public string Type { get; set; } = "";

    [JsonPropertyName("requestHeaderModifier")]
    public V1HeaderModifier? RequestHeaderModifier { get; set; }

    [JsonPropertyName("responseHeaderModifier")]
    public V1HeaderModifier? ResponseHeaderModifier { get; set; }

    [JsonPropertyName("requestRedirect")]
    public V1RequestRedirect? RequestRedirect { get; set; }

    [JsonPropertyName("urlRewrite")]
    public V1UrlRewrite? UrlRewrite { get; set; }
}

public sealed class V1HeaderModifier
{
    [JsonPropertyName("set")]
    public IList<V1HttpHeader>? Set { get; set; }

    [JsonPropertyName("add")]
    public IList<V1HttpHeader>? Add { get; set; }

    [JsonPropertyName("remove")]
    public IList<string>? Remove { get; set; }
}

public sealed class V1HttpHeader
{
    [JsonPropertyName("name")]
    public string Name { get; set; } = "";

    [JsonPropertyName("value")]
    public string Value { get; set; } = "";
}

public sealed class V1RequestRedirect
{
    [JsonPropertyName("scheme")]
    public string? Scheme { get; set; }

    [JsonPropertyName("hostname")]
    public string? Hostname { get; set; }

    [JsonPropertyName("path")]
    public V1PathModifier? Path { get; set; }

    [JsonPropertyName("port")]
    public int? Port { get; set; }

    [JsonPropertyName("statusCode")]
    public int? StatusCode { get; set; }
}

public sealed class V1UrlRewrite
{
    [JsonPropertyName("hostname")]
    public string? Hostname { get; set; }

    [JsonPropertyName("path")]
    public V1PathModifier? Path { get; set; }
}

public sealed class V1PathModifier
{
    /// <summary>ReplaceFullPath or ReplacePrefixMatch.</summary>
    [JsonPropertyName("type")]
    public string Type { get; set; } = "";

    [JsonPropertyName("replaceFullPath")]
    public string? ReplaceFullPath { get; set; }

    [JsonPropertyName("replacePrefixMatch")]
    public string? ReplacePrefixMatch { get; set; }
}

public sealed class V1RouteStatus
{
    [JsonPropertyName("parents")]
    public IList<V1RouteParentStatus>? Parents { get; set; }
}

public sealed class V1RouteParentStatus
{
    [JsonPropertyName("parentRef")]
    public V1ParentRef ParentRef { get; set; } = new();

    [JsonPropertyName("controllerName")]
    public string ControllerName { get; set; } = "";

    [JsonPropertyName("conditions")]
    public IList<V1Condition> Conditions { get; set; } = [];
}
