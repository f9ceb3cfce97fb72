using System.Text.Json.Nodes;

namespace Timonel.Registry.OpenApi;

/// <summary>Writes neutral path specs as Swagger 2.0 or OpenAPI 3.0 path items.</summary>
internal static class OperationWriter
{
    /// <summary>A Swagger 2.0 path item.</summary>
    public static JsonObject V2(PathSpec path)
    {
        var item = new JsonObject();
        foreach (var op in path.Operations)
        {
            var parameters = new JsonArray();
            if (op.BodySchema is { } body)
            {
                parameters.Add(new JsonObject
                {
                    ["name"] = "body",
                    ["in"] = "body",
                    ["required"] = op.Method != "delete",
                    ["schema"] = new JsonObject { ["$ref"] = SchemaDialect.V2.Ref(body) },
                });
            }

            foreach (var p in op.Parameters)
            {
                parameters.Add(V2Parameter(p));
            }

            var responses = new JsonObject();
            foreach (var r in op.Responses)
            {
                var response = new JsonObject { ["description"] = r.Description };
                if (r.Schema is not null)
                {
                    response["schema"] = new JsonObject { ["$ref"] = SchemaDialect.V2.Ref(r.Schema) };
                }

                responses[r.Code] = response;
            }

            var operation = new JsonObject
            {
                ["consumes"] = Strings(op.Consumes),
                ["description"] = op.Description,
                ["operationId"] = op.OperationId,
                ["parameters"] = parameters,
                ["produces"] = Strings(ResourceOperations.Produces),
                ["responses"] = responses,
                ["schemes"] = Strings(["https"]),
                ["tags"] = Strings([op.Tag]),
            };
            AddExtensions(operation, op);
            item[op.Method] = operation;
        }

        item["parameters"] = new JsonArray(path.Parameters.Select(p => (JsonNode)V2Parameter(p)).ToArray());
        return item;
    }

    /// <summary>An OpenAPI 3.0 path item.</summary>
    public static JsonObject V3(PathSpec path)
    {
        var item = new JsonObject();
        foreach (var op in path.Operations)
        {
            var operation = new JsonObject
            {
                ["tags"] = Strings([op.Tag]),
                ["description"] = op.Description,
                ["operationId"] = op.OperationId,
            };
            if (op.Parameters.Count > 0)
            {
                operation["parameters"] = new JsonArray(op.Parameters.Select(p => (JsonNode)V3Parameter(p)).ToArray());
            }

            if (op.BodySchema is { } body)
            {
                var content = new JsonObject();
                foreach (var type in op.Consumes)
                {
                    content[type] = new JsonObject { ["schema"] = new JsonObject { ["$ref"] = SchemaDialect.V3.Ref(body) } };
                }

                operation["requestBody"] = new JsonObject { ["content"] = content, ["required"] = op.Method != "delete" };
            }

            var responses = new JsonObject();
            foreach (var r in op.Responses)
            {
                var response = new JsonObject { ["description"] = r.Description };
                if (r.Schema is not null)
                {
                    var content = new JsonObject();
                    foreach (var type in ResourceOperations.Produces)
                    {
                        content[type] = new JsonObject { ["schema"] = new JsonObject { ["$ref"] = SchemaDialect.V3.Ref(r.Schema) } };
                    }

                    response["content"] = content;
                }

                responses[r.Code] = response;
            }

            operation["responses"] = responses;
            AddExtensions(operation, op);
            item[op.Method] = operation;
        }

        item["parameters"] = new JsonArray(path.Parameters.Select(p => (JsonNode)V3Parameter(p)).ToArray());
        return item;
    }

    private static void AddExtensions(JsonObject operation, OperationSpec op)
    {
        operation["x-kubernetes-action"] = op.Action;
        operation["x-kubernetes-group-version-kind"] = new JsonObject
        {
            ["group"] = op.GroupVersionKind.Group,
            ["kind"] = op.GroupVersionKind.Kind,
            ["version"] = op.GroupVersionKind.Version,
        };
    }

    private static JsonObject V2Parameter(ParameterSpec p)
    {
        var o = new JsonObject
        {
            ["description"] = p.Description,
            ["in"] = p.In,
            ["name"] = p.Name,
            ["type"] = p.Type,
            ["uniqueItems"] = true,
        };
        if (p.Required)
        {
            o["required"] = true;
        }

        return o;
    }

    private static JsonObject V3Parameter(ParameterSpec p)
    {
        var o = new JsonObject
        {
            ["name"] = p.Name,
            ["in"] = p.In,
            ["description"] = p.Description,
        };
        if (p.Required)
        {
            o["required"] = true;
        }

        o["schema"] = new JsonObject { ["type"] = p.Type, ["uniqueItems"] = true };
        return o;
    }

    private static JsonArray Strings(IEnumerable<string> values) => new(values.Select(v => (JsonNode)JsonValue.Create(v)).ToArray());
}
