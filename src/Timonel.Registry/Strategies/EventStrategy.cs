using System.Text.Json.Nodes;
using Timonel.Api.Errors;
using Timonel.Api.Validation;

namespace Timonel.Registry.Strategies;

/// <summary>
/// Events, core/v1 and events.k8s.io/v1: kept as sent; the object they are about is required and
/// a namespaced one must be in the event's namespace.
/// </summary>
public sealed class EventStrategy(bool eventsApi) : ResourceStrategy(namespaced: true, hasStatus: false)
{
    private static readonly string[] Types = ["Normal", "Warning"];

    protected override void Validate(JsonObject obj, List<FieldError> errs)
    {
        var field = eventsApi ? "regarding" : "involvedObject";
        var about = obj.Obj(field);
        if (about is null || about.Count == 0)
        {
            errs.Add(FieldError.Required(field, ""));
        }
        var ns = obj.Obj("metadata").Str("namespace") ?? "";
        var aboutNs = about.Str("namespace") ?? "";
        if (aboutNs.Length > 0 && ns.Length > 0 && aboutNs != ns)
        {
            errs.Add(FieldError.Invalid($"{field}.namespace", aboutNs, "does not match event.namespace"));
        }
        FieldChecks.OneOf(obj, "type", "type", Types, errs, required: eventsApi);
        if (eventsApi)
        {
            foreach (var key in new[] { "reportingController", "reportingInstance", "action", "reason", "eventTime" })
            {
                if (string.IsNullOrEmpty(obj.Str(key)))
                {
                    errs.Add(FieldError.Required(key, ""));
                }
            }
        }
        FieldChecks.NonNegative(obj, "count", "count", errs);
    }
}
