using System.Text.Json;
using System.Text.Json.Nodes;

namespace Timonel.Registry.OpenApi;

/// <summary>
/// Encodes a Swagger 2.0 JSON document as gnostic's openapi_v2.Document protobuf, the form
/// client-go's OpenAPISchema() requests. Only what kubectl reads is encoded: swagger, info and the
/// definitions (with vendor extensions, which kube-openapi reads back from their YAML text). Paths
/// are left out on purpose: without them kubectl 1.27 computes strategic merge patches from its
/// compiled-in types, which know every patch strategy.
/// </summary>
internal static class GnosticEncoder
{
    // Field numbers from gnostic's OpenAPIv2.proto.
    private const int DocumentSwagger = 1, DocumentInfo = 2, DocumentDefinitions = 9;
    private const int InfoTitle = 1, InfoVersion = 2;
    private const int NamedName = 1, NamedValue = 2;
    private const int AnyYaml = 2;
    private const int SchemaRef = 1, SchemaFormat = 2, SchemaTitle = 3, SchemaDescription = 4, SchemaRequired = 19,
        SchemaAdditionalProperties = 21, SchemaType = 22, SchemaItems = 23, SchemaAllOf = 24, SchemaProperties = 25,
        SchemaVendorExtension = 31;

    public static byte[] Encode(JsonObject swagger)
    {
        var w = new ProtoWriter();
        w.String(DocumentSwagger, swagger["swagger"]?.GetValue<string>());
        if (swagger["info"] is JsonObject info)
        {
            w.Message(DocumentInfo, i =>
            {
                i.String(InfoTitle, info["title"]?.GetValue<string>());
                i.String(InfoVersion, info["version"]?.GetValue<string>());
            });
        }

        if (swagger["definitions"] is JsonObject definitions)
        {
            w.Message(DocumentDefinitions, d => NamedSchemas(d, 1, definitions));
        }

        return w.ToArray();
    }

    private static void NamedSchemas(ProtoWriter w, int field, JsonObject schemas)
    {
        foreach (var (name, value) in schemas)
        {
            if (value is JsonObject schema)
            {
                w.Message(field, n =>
                {
                    n.String(NamedName, name);
                    n.Message(NamedValue, s => Schema(s, schema));
                });
            }
        }
    }

    private static void Schema(ProtoWriter w, JsonObject schema)
    {
        foreach (var (key, value) in schema)
        {
            switch (key)
            {
                case "$ref":
                    w.String(SchemaRef, value!.GetValue<string>());
                    break;
                case "format":
                    w.String(SchemaFormat, value!.GetValue<string>());
                    break;
                case "title":
                    w.String(SchemaTitle, value!.GetValue<string>());
                    break;
                case "description":
                    w.String(SchemaDescription, value!.GetValue<string>());
                    break;
                case "required" when value is JsonArray required:
                    foreach (var r in required)
                    {
                        w.String(SchemaRequired, r!.GetValue<string>());
                    }

                    break;
                case "additionalProperties" when value is JsonObject additional:
                    w.Message(SchemaAdditionalProperties, a => a.Message(1, s => Schema(s, additional)));
                    break;
                case "type":
                    w.Message(SchemaType, t => t.String(1, value!.GetValue<string>()));
                    break;
                case "items" when value is JsonObject items:
                    w.Message(SchemaItems, i => i.Message(1, s => Schema(s, items)));
                    break;
                case "allOf" when value is JsonArray allOf:
                    foreach (var part in allOf.OfType<JsonObject>())
                    {
                        w.Message(SchemaAllOf, s => Schema(s, part));
                    }

                    break;
                case "properties" when value is JsonObject properties:
                    w.Message(SchemaProperties, p => NamedSchemas(p, 1, properties));
                    break;
                case not null when key.StartsWith("x-", StringComparison.Ordinal) && value is not null:
                    w.Message(SchemaVendorExtension, n =>
                    {
                        n.String(NamedName, key);
                        n.Message(NamedValue, a => a.String(AnyYaml, value.ToJsonString(YamlCompatible)));
                    });
                    break;
                default:
                    break;
            }
        }
    }

    // JSON is YAML; keep it plain so the YAML parser sees no escapes it might read differently.
    private static readonly JsonSerializerOptions YamlCompatible = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
}
