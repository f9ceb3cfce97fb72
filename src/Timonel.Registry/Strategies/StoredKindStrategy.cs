using System.Text.Json.Nodes;
using Timonel.Api.Errors;
using Timonel.Api.Validation;

namespace Timonel.Registry.Strategies;

/// <summary>
/// A kind the server stores and no Timonel component acts on (flow control, webhooks, CSI, …):
/// upstream's defaulting and its validation of required fields, given as two functions.
/// </summary>
public sealed class StoredKindStrategy(bool namespaced, bool hasStatus, Action<JsonObject>? defaults, Action<JsonObject, List<FieldError>> validate, NameRule? nameRule = null)
    : ResourceStrategy(namespaced, hasStatus)
{
    protected override NameRule NameRule => nameRule ?? base.NameRule;

    public override void ApplyDefaults(JsonObject obj) => defaults?.Invoke(obj);

    protected override void Validate(JsonObject obj, List<FieldError> errs) => validate(obj, errs);
}
