using System.Text.Json.Nodes;
using Timonel.Api.Errors;
using Timonel.Api.Validation;

namespace Timonel.Registry.Strategies;

/// <summary>ControllerRevisions (apps/v1): the revision is never negative and the data never changes.</summary>
public sealed class ControllerRevisionStrategy() : ResourceStrategy(namespaced: true, hasStatus: false)
{
    protected override void Validate(JsonObject obj, List<FieldError> errs) => FieldChecks.NonNegative(obj, "revision", "revision", errs);

    protected override void ValidateTransition(JsonObject obj, JsonObject old, List<FieldError> errs) =>
        FieldChecks.Immutable(obj["data"], old["data"], "data", errs);
}
