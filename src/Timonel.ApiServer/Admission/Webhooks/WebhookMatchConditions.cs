using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Timonel.Cel;
using Timonel.Cel.Values;

namespace Timonel.ApiServer.Admission.Webhooks;

/// <summary>
/// A webhook's matchConditions: CEL expressions over <c>object</c>, <c>oldObject</c> and
/// <c>request</c> (the AdmissionReview's request), evaluated by the project's CEL engine as
/// upstream's: the webhook is called only when all are true; one false skips it whatever the
/// others' errors; otherwise an error is the failurePolicy's to judge. Compiled once per
/// expression (the configurations' expressions were checked when written).
/// </summary>
internal sealed class WebhookMatchConditions
{
    // Upstream's per-call CEL cost budget for admission expressions.
    private const long CostLimit = 1_000_000;

    private static readonly CelEnvironment Environment = new CelEnvironment()
        .WithVariable("object", CelType.Dyn)
        .WithVariable("oldObject", CelType.Dyn)
        .WithVariable("request", CelType.Dyn);

    private readonly ConcurrentDictionary<string, CelCompileResult> _compiled = new(StringComparer.Ordinal);

    /// <summary>Whether to call the webhook, and the first error when no condition was false.</summary>
    public (bool Matches, string? Error) Evaluate(AdmissionWebhook webhook, JsonObject request)
    {
        ArgumentNullException.ThrowIfNull(webhook);
        ArgumentNullException.ThrowIfNull(request);
        string? error = null;
        foreach (var (name, expression) in webhook.MatchConditions)
        {
            var compiled = _compiled.GetOrAdd(expression, Environment.Compile);
            if (compiled.Program is not { } program)
            {
                error ??= $"failed to evaluate match condition \"{name}\": compilation failed: {compiled.ErrorText}";
                continue;
            }

            var activation = new CelActivation(new Dictionary<string, object?>
            {
                ["object"] = request["object"],
                ["oldObject"] = request["oldObject"],
                ["request"] = request,
            });
            switch (program.Evaluate(activation, CostLimit))
            {
                case CelBool { Value: false }:
                    return (false, null);
                case CelBool:
                    break;
                case CelError e:
                    error ??= $"failed to evaluate match condition \"{name}\": {e.Message}";
                    break;
                case var other:
                    error ??= $"failed to evaluate match condition \"{name}\": must evaluate to bool, not {other.Type}";
                    break;
            }
        }

        return (true, error);
    }
}
