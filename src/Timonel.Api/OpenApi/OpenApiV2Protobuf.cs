using System.Text;
using System.Text.Json.Nodes;

namespace Timonel.Api.OpenApi;

/// <summary>
/// /openapi/v2 in gnostic's protobuf form (openapi_v2.Document), which kubectl up to 1.30
/// insists on for `apply`: it reads the PATCH operations' x-kubernetes-group-version-kind and
/// query parameters to learn that the server validates fields itself. Only paths and their
/// operations are encoded; without definitions kubectl uses its compiled-in types for
/// strategic merge, which is what it does for every built-in kind anyway.
/// Field numbers are those of gnostic's OpenAPIv2.proto.
/// </summary>
public static class OpenApiV2Protobuf
{
    // Clients ask with "...spec.v2@v1.0+protobuf"; the response type must parse as a MIME type, so it spells it ".v1.0".
    public const string ContentType = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf";

    private static readonly string[] Methods = ["get", "put", "post", "delete", "options", "head", "patch"];

    public static byte[] Encode(JsonObject v2)
    {
        var doc = new Writer();
        doc.String(1, v2["swagger"]?.GetValue<string>() ?? "2.0");
        doc.Message(2, info =>
        {
            info.String(1, v2["info"]?["title"]?.GetValue<string>() ?? "Kubernetes");
            info.String(2, v2["info"]?["version"]?.GetValue<string>() ?? "");
        });
        doc.Message(8, paths =>
        {
            foreach (var (path, item) in (v2["paths"] as JsonObject) ?? [])
            {
                paths.Message(2, named =>
                {
                    named.String(1, path);
                    named.Message(2, pathItem =>
                    {
                        for (var i = 0; i < Methods.Length; i++)
                        {
                            if (item?[Methods[i]] is JsonObject op)
                            {
                                pathItem.Message(i + 2, o => Operation(o, op));
                            }
                        }
                    });
                });
            }
        });
        return doc.ToArray();
    }

    private static void Operation(Writer o, JsonObject op)
    {
        o.String(3, op["description"]?.GetValue<string>() ?? "");
        o.String(5, op["operationId"]?.GetValue<string>() ?? "");
        foreach (var p in (op["parameters"] as JsonArray) ?? [])
        {
            if (p?["in"]?.GetValue<string>() != "query")
            {
                continue;
            }

            // ParametersItem.parameter → Parameter.non_body_parameter → NonBodyParameter.query_parameter_sub_schema
            o.Message(8, item => item.Message(1, param => param.Message(2, nonBody => nonBody.Message(3, q =>
            {
                q.String(2, "query");
                q.String(4, p["name"]!.GetValue<string>());
                q.String(6, "string");
                q.Bool(20, true);
            }))));
        }

        o.Message(9, responses => responses.Message(1, code =>
        {
            code.String(1, "200");
            code.Message(2, value => value.Message(1, response => response.String(1, "OK")));
        }));

        if (op["x-kubernetes-action"]?.GetValue<string>() is { } action)
        {
            o.Message(13, ext => VendorExtension(ext, "x-kubernetes-action", action + "\n"));
        }

        if (op["x-kubernetes-group-version-kind"] is JsonObject gvk)
        {
            var yaml = $"group: \"{gvk["group"]}\"\nkind: {gvk["kind"]}\nversion: {gvk["version"]}\n";
            o.Message(13, ext => VendorExtension(ext, "x-kubernetes-group-version-kind", yaml));
        }
    }

    // NamedAny { name = 1; Any value = 2 } with Any { yaml = 2 }.
    private static void VendorExtension(Writer w, string name, string yaml)
    {
        w.String(1, name);
        w.Message(2, any => any.String(2, yaml));
    }

    /// <summary>Just enough of the protobuf wire format to write nested messages.</summary>
    private sealed class Writer
    {
        private readonly MemoryStream _buffer = new();

        public void String(int field, string value)
        {
            if (value.Length > 0)
            {
                Bytes(field, Encoding.UTF8.GetBytes(value));
            }
        }

        public void Bool(int field, bool value)
        {
            if (value)
            {
                Varint((ulong)(field << 3));
                Varint(1);
            }
        }

        public void Message(int field, Action<Writer> write)
        {
            var inner = new Writer();
            write(inner);
            Bytes(field, inner.ToArray());
        }

        public byte[] ToArray() => _buffer.ToArray();

        private void Bytes(int field, byte[] value)
        {
            Varint((ulong)((field << 3) | 2));
            Varint((ulong)value.Length);
            _buffer.Write(value);
        }

        private void Varint(ulong value)
        {
            do
            {
                var b = (byte)(value & 0x7f);
                value >>= 7;
                _buffer.WriteByte(value == 0 ? b : (byte)(b | 0x80));
            }
            while (value != 0);
        }
    }
}
