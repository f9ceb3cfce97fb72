using System.Text.Json.Nodes;
using Timonel.Api.Errors;

namespace Timonel.Registry.CustomResources.Schema;

/// <summary>
/// A CRD version's structural openAPIV3Schema applied to its objects: pruning of unknown fields,
/// defaults, and validation (types, formats, value constraints, list and map semantics).
/// apiVersion, kind and metadata at the root are the API server's, never the schema's.
/// </summary>
public sealed class StructuralCustomResourceSchema : ICustomResourceSchema
{
    private readonly JsonObject _schema;
    private readonly JsonObject _root;

    public StructuralCustomResourceSchema(JsonObject schema)
    {
        // Parsed JSON nodes materialize lazily and not thread-safely: build every node now, as
        // requests read the schema concurrently.
        _schema = (JsonObject)schema.DeepClone();
        _root = SchemaValidator.RootSchema(_schema);
        Materialize(_schema);
        Materialize(_root);
    }

    public IReadOnlyList<string> Prune(JsonObject obj) => SchemaPruner.Prune(obj, _schema, root: true);

    public void ApplyDefaults(JsonObject obj) => SchemaDefaulter.Apply(obj, _schema);

    public IReadOnlyList<FieldError> Validate(JsonObject obj, JsonObject? old)
    {
        var errs = new List<FieldError>();
        SchemaValidator.ValidateRoot(obj, _root, errs);
        return errs;
    }

    private static void Materialize(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (_, child) in obj)
                {
                    Materialize(child);
                }

                break;
            case JsonArray array:
                foreach (var child in array)
                {
                    Materialize(child);
                }

                break;
            case JsonValue value:
                _ = value.GetValueKind();
                break;
        }
    }
}
