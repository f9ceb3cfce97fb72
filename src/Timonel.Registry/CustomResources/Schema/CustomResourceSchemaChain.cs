using System.Text.Json.Nodes;
using Timonel.Api.Errors;

namespace Timonel.Registry.CustomResources.Schema;

/// <summary>
/// The schema hook of a CRD version as a list of parts (structural schema, CEL rules, ...) called
/// in order, so that each concern plugs in on its own: every part prunes and defaults in turn and
/// the errors of all parts are reported together.
/// </summary>
public sealed class CustomResourceSchemaChain(IReadOnlyList<ICustomResourceSchema> parts) : ICustomResourceSchema
{
    public IReadOnlyList<ICustomResourceSchema> Parts => parts;

    public IReadOnlyList<string> Prune(JsonObject obj)
    {
        var dropped = new List<string>();
        foreach (var part in parts)
        {
            dropped.AddRange(part.Prune(obj));
        }

        return dropped;
    }

    public void ApplyDefaults(JsonObject obj)
    {
        foreach (var part in parts)
        {
            part.ApplyDefaults(obj);
        }
    }

    public IReadOnlyList<FieldError> Validate(JsonObject obj, JsonObject? old)
    {
        var errs = new List<FieldError>();
        foreach (var part in parts)
        {
            errs.AddRange(part.Validate(obj, old));
        }

        return errs;
    }
}
