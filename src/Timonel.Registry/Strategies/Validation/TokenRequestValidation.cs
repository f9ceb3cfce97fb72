using System.Text.Json;
using System.Text.Json.Nodes;
using Timonel.Api.Errors;
using Timonel.Api.Validation;

namespace Timonel.Registry.Strategies.Validation;

/// <summary>
/// Defaulting and validation of an authentication.k8s.io/v1 TokenRequest (the body of
/// POST serviceaccounts/&lt;name&gt;/token), with upstream's limits and messages.
/// </summary>
public static class TokenRequestValidation
{
    /// <summary>Upstream's MinTokenAgeSec: ten minutes.</summary>
    public const long MinExpirationSeconds = 10 * 60;

    /// <summary>Upstream's default expirationSeconds: one hour.</summary>
    public const long DefaultExpirationSeconds = 60 * 60;

    /// <summary>The largest expirationSeconds upstream accepts: 2^32.</summary>
    public const long MaxExpirationSeconds = 1L << 32;

    /// <summary>
    /// Fills spec.audiences (with <paramref name="apiAudiences"/> when empty) and
    /// spec.expirationSeconds (one hour when absent), creating spec when missing.
    /// </summary>
    /// <exception cref="ApiException">400 when a spec field has the wrong JSON type.</exception>
    public static JsonObject ApplyDefaults(JsonObject request, IReadOnlyList<string> apiAudiences)
    {
        var spec = request["spec"] switch
        {
            null => new JsonObject(),
            JsonObject o => o,
            _ => throw ApiException.BadRequest("TokenRequest spec must be an object"),
        };
        request["spec"] = spec;

        if (spec["audiences"] is not (null or JsonArray) || spec["audiences"] is JsonArray list && list.Any(a => a is not JsonValue v || v.GetValueKind() != JsonValueKind.String))
        {
            throw ApiException.BadRequest("TokenRequest spec.audiences must be a list of strings");
        }

        if (spec["audiences"] is not JsonArray { Count: > 0 })
        {
            spec["audiences"] = new JsonArray(apiAudiences.Select(a => (JsonNode?)a).ToArray());
        }

        switch (spec["expirationSeconds"])
        {
            case null:
                spec["expirationSeconds"] = DefaultExpirationSeconds;
                break;
            case JsonValue v when v.GetValueKind() == JsonValueKind.Number && v.TryGetValue<long>(out _):
                break;
            default:
                throw ApiException.BadRequest("TokenRequest spec.expirationSeconds must be an integer number of seconds");
        }

        if (spec["boundObjectRef"] is not (null or JsonObject))
        {
            throw ApiException.BadRequest("TokenRequest spec.boundObjectRef must be an object");
        }

        return spec;
    }

    /// <summary>Upstream's ValidateTokenRequest, on a defaulted request.</summary>
    public static List<FieldError> Validate(JsonObject spec)
    {
        var errors = new List<FieldError>();
        var seconds = spec["expirationSeconds"]!.GetValue<long>();
        if (seconds < MinExpirationSeconds)
        {
            errors.Add(FieldError.Invalid("spec.expirationSeconds", seconds, "may not specify a duration less than 10 minutes"));
        }

        if (seconds > MaxExpirationSeconds)
        {
            errors.Add(new FieldError(FieldErrorType.TooLong, "spec.expirationSeconds", "may not specify a duration larger than 2^32 seconds", seconds.ToString(System.Globalization.CultureInfo.InvariantCulture), QuoteValue: false));
        }

        if (spec["audiences"] is JsonArray audiences)
        {
            for (var i = 0; i < audiences.Count; i++)
            {
                if (audiences[i]!.GetValue<string>().Length == 0)
                {
                    errors.Add(FieldError.Invalid($"spec.audiences[{i}]", "", "may not be empty"));
                }
            }
        }

        return errors;
    }
}
