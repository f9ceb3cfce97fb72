using System.Net;
using System.Text.Json;
using k8s.Autorest;

namespace Timonel.Client.Controllers;

/// <summary>
/// Classifies the API server's failures the way upstream's k8s.io/apimachinery/pkg/api/errors does:
/// by the <c>reason</c> of the Status object in the response body, falling back to the HTTP code only
/// when the reason is missing or not one Kubernetes defines. Never by words of the message, which
/// are for people and change between versions.
/// </summary>
public static class ApiErrors
{
    /// <summary>The Status reasons upstream knows (its knownReasons); any other reason lets the HTTP code decide.</summary>
    private static readonly HashSet<string> KnownReasons = new(StringComparer.Ordinal)
    {
        "Unauthorized", "Forbidden", "NotFound", "AlreadyExists", "Conflict", "Gone", "Invalid",
        "ServerTimeout", "StorageReadError", "Timeout", "TooManyRequests", "BadRequest", "MethodNotAllowed",
        "NotAcceptable", "RequestEntityTooLarge", "UnsupportedMediaType", "InternalError", "Expired", "ServiceUnavailable",
    };

    public static bool IsNotFound(Exception e) => Is(e, "NotFound", HttpStatusCode.NotFound);

    /// <summary>
    /// Reason AlreadyExists only. A 409 without a Status body counts when it answered a POST, as
    /// client-go turns such an answer into AlreadyExists for a create and Conflict otherwise.
    /// </summary>
    public static bool IsAlreadyExists(Exception e)
    {
        var status = StatusOf(e);
        return status?.Reason == "AlreadyExists"
            || (status is { HasStatusBody: false, Code: HttpStatusCode.Conflict } && IsPost(e));
    }

    /// <summary>Reason Conflict (an update lost a resourceVersion race, or a precondition failed); not AlreadyExists.</summary>
    public static bool IsConflict(Exception e)
    {
        var status = StatusOf(e);
        if (status is { HasStatusBody: false, Code: HttpStatusCode.Conflict })
        {
            return !IsPost(e);
        }

        return Is(status, "Conflict", HttpStatusCode.Conflict);
    }

    public static bool IsInvalid(Exception e) => Is(e, "Invalid", HttpStatusCode.UnprocessableEntity);

    public static bool IsGone(Exception e) => Is(e, "Gone", HttpStatusCode.Gone);

    /// <summary>A watch or list continue token too old to serve (reason Expired, sent with 410).</summary>
    public static bool IsResourceExpired(Exception e) => StatusOf(e)?.Reason == "Expired";

    public static bool IsForbidden(Exception e) => Is(e, "Forbidden", HttpStatusCode.Forbidden);

    public static bool IsUnauthorized(Exception e) => Is(e, "Unauthorized", HttpStatusCode.Unauthorized);

    public static bool IsBadRequest(Exception e) => Is(e, "BadRequest", HttpStatusCode.BadRequest);

    public static bool IsMethodNotSupported(Exception e) => Is(e, "MethodNotAllowed", HttpStatusCode.MethodNotAllowed);

    public static bool IsInternalError(Exception e) => Is(e, "InternalError", HttpStatusCode.InternalServerError);

    public static bool IsServiceUnavailable(Exception e) => Is(e, "ServiceUnavailable", HttpStatusCode.ServiceUnavailable);

    public static bool IsTimeout(Exception e) => Is(e, "Timeout", HttpStatusCode.GatewayTimeout);

    public static bool IsServerTimeout(Exception e) => StatusOf(e)?.Reason == "ServerTimeout";

    /// <summary>Reason TooManyRequests, or a 429 whatever its reason (upstream checks the code unconditionally here).</summary>
    public static bool IsTooManyRequests(Exception e) =>
        StatusOf(e) is { } s && (s.Reason == "TooManyRequests" || s.Code == HttpStatusCode.TooManyRequests);

    /// <summary>Reason RequestEntityTooLarge, or a 413 whatever its reason.</summary>
    public static bool IsRequestEntityTooLarge(Exception e) =>
        StatusOf(e) is { } s && (s.Reason == "RequestEntityTooLarge" || s.Code == HttpStatusCode.RequestEntityTooLarge);

    /// <summary>Creating in a namespace being deleted: a Status cause of type NamespaceTerminating (upstream's HasStatusCause).</summary>
    public static bool IsNamespaceTerminating(Exception e) => HasStatusCause(e, "NamespaceTerminating");

    /// <summary>Whether the Status lists a cause of <paramref name="causeType"/> in its details.</summary>
    public static bool HasStatusCause(Exception e, string causeType) => StatusOf(e)?.CauseTypes.Contains(causeType) == true;

    /// <summary>The Status reason, or null when the answer carried none (or is not an API answer).</summary>
    public static string? ReasonOf(Exception e) => StatusOf(e)?.Reason;

    /// <summary>The HTTP code of an API answer, or null for any other exception.</summary>
    public static HttpStatusCode? CodeOf(Exception e) => StatusOf(e)?.Code;

    /// <summary>The Status message the server sent (what upstream prints for an error), else the exception's own message.</summary>
    public static string MessageOf(Exception e) => StatusOf(e)?.Message is { Length: > 0 } message ? message : e.Message;

    private static bool Is(Exception e, string reason, HttpStatusCode code) => Is(StatusOf(e), reason, code);

    /// <summary>Upstream's rule: the reason decides; an unknown or absent reason lets the code decide.</summary>
    private static bool Is(ApiStatus? status, string reason, HttpStatusCode code) =>
        status is not null && (status.Reason == reason || ((status.Reason is null || !KnownReasons.Contains(status.Reason)) && status.Code == code));

    private static bool IsPost(Exception e) =>
        (e as HttpOperationException)?.Request?.Method is { } method && string.Equals(method.Method, "POST", StringComparison.OrdinalIgnoreCase);

    private static ApiStatus? StatusOf(Exception e)
    {
        if (e is not HttpOperationException { Response: { } response })
        {
            return null;
        }

        return ApiStatus.Parse(response.StatusCode, response.Content);
    }

    /// <summary>What a controller needs of a metav1.Status body.</summary>
    private sealed record ApiStatus(HttpStatusCode Code, bool HasStatusBody, string? Reason, string? Message, IReadOnlyList<string> CauseTypes)
    {
        public static ApiStatus Parse(HttpStatusCode code, string? content)
        {
            if (string.IsNullOrEmpty(content))
            {
                return new ApiStatus(code, false, null, null, []);
            }

            try
            {
                using var doc = JsonDocument.Parse(content);
                var root = doc.RootElement;
                if (root.ValueKind != JsonValueKind.Object || !(root.TryGetProperty("kind", out var kind) && kind.ValueKind == JsonValueKind.String && kind.GetString() == "Status"))
                {
                    return new ApiStatus(code, false, null, null, []);
                }

                var causes = new List<string>();
                if (root.TryGetProperty("details", out var details) && details.ValueKind == JsonValueKind.Object
                    && details.TryGetProperty("causes", out var list) && list.ValueKind == JsonValueKind.Array)
                {
                    foreach (var cause in list.EnumerateArray())
                    {
                        if (cause.ValueKind == JsonValueKind.Object && StringOf(cause, "reason") is { } type)
                        {
                            causes.Add(type);
                        }
                    }
                }

                return new ApiStatus(code, true, StringOf(root, "reason") is { Length: > 0 } r ? r : null, StringOf(root, "message"), causes);
            }
            catch (JsonException)
            {
                return new ApiStatus(code, false, null, null, []);
            }
        }

        private static string? StringOf(JsonElement obj, string name) =>
            obj.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
    }
}
