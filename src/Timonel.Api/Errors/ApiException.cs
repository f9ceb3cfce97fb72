using System.Net;

namespace Timonel.Api.Errors;

/// <summary>
/// A request failed in a way the client should hear about as a Kubernetes Status object:
/// the HTTP code, upstream's reason ("NotFound", "AlreadyExists", "Conflict", "Invalid", ...)
/// and a message a person can act on.
/// </summary>
public sealed class ApiException : Exception
{
    public ApiException(HttpStatusCode code, string reason, string message, StatusDetails? details = null)
        : base(message)
    {
        Code = (int)code;
        Reason = reason;
        Details = details;
    }

    public ApiException() : this(HttpStatusCode.InternalServerError, "InternalError", "internal error") { }

    public ApiException(string message) : this(HttpStatusCode.InternalServerError, "InternalError", message) { }

    public ApiException(string message, Exception innerException) : base(message, innerException)
    {
        Code = 500;
        Reason = "InternalError";
    }

    public int Code { get; }

    public string Reason { get; }

    public StatusDetails? Details { get; }

    /// <summary>The group-qualified resource name used in messages: "pods", "deployments.apps".</summary>
    private static string Qualified(string group, string resource) => group.Length == 0 ? resource : $"{resource}.{group}";

    public static ApiException NotFound(string group, string resource, string name) =>
        new(HttpStatusCode.NotFound, "NotFound", $"{Qualified(group, resource)} \"{name}\" not found", new StatusDetails(name, group, resource));

    public static ApiException AlreadyExists(string group, string resource, string name) =>
        new(HttpStatusCode.Conflict, "AlreadyExists", $"{Qualified(group, resource)} \"{name}\" already exists", new StatusDetails(name, group, resource));

    public static ApiException Conflict(string group, string resource, string name, string why) =>
        new(HttpStatusCode.Conflict, "Conflict", $"Operation cannot be fulfilled on {Qualified(group, resource)} \"{name}\": {why}", new StatusDetails(name, group, resource));

    public static ApiException Invalid(string group, string kind, string name, IReadOnlyList<FieldError> errors)
    {
        var list = errors.Count == 1 ? errors[0].ToString() : "[" + string.Join(", ", errors) + "]";
        var causes = errors.Select(e => new StatusCause(e.Reason, e.Message, e.Field)).ToList();
        return new(HttpStatusCode.UnprocessableEntity, "Invalid", $"{Qualified(group, kind)} \"{name}\" is invalid: {list}", new StatusDetails(name, group, kind, causes));
    }

    public static ApiException BadRequest(string message) => new(HttpStatusCode.BadRequest, "BadRequest", message);

    public static ApiException MethodNotAllowed(string message) => new(HttpStatusCode.MethodNotAllowed, "MethodNotAllowed", message);

    public static ApiException Gone(string message) => new(HttpStatusCode.Gone, "Expired", message);

    public static ApiException Forbidden(string message) => new(HttpStatusCode.Forbidden, "Forbidden", message);

    public static ApiException Unauthorized(string message = "Unauthorized") => new(HttpStatusCode.Unauthorized, "Unauthorized", message);

    public static ApiException UnsupportedMediaType(string contentType) =>
        new(HttpStatusCode.UnsupportedMediaType, "UnsupportedMediaType", $"the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf, application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json (got \"{contentType}\")");

    public static ApiException TooLarge(long limit) =>
        new(HttpStatusCode.RequestEntityTooLarge, "RequestEntityTooLarge", $"Request entity too large: limit is {limit}");

    public static ApiException Internal(string message) => new(HttpStatusCode.InternalServerError, "InternalError", message);

    /// <summary>
    /// Upstream's storage.NewTooLargeResourceVersionError: 504 Timeout for a resourceVersion the store
    /// has not reached, with the ResourceVersionTooLarge cause client-go's reflector looks for.
    /// </summary>
    public static ApiException TooLargeResourceVersion(long requested, long current, int retryAfterSeconds) =>
        new(HttpStatusCode.GatewayTimeout, "Timeout", $"Timeout: Too large resource version: {requested}, current: {current}",
            new StatusDetails(null, null, null, [new StatusCause("ResourceVersionTooLarge", "Too large resource version", "")], retryAfterSeconds));

    public static ApiException ServiceUnavailable(string message) => new(HttpStatusCode.ServiceUnavailable, "ServiceUnavailable", message);
}

/// <summary>Status.details: which object, and for 422 the failing fields.</summary>
public sealed record StatusDetails(string? Name, string? Group, string? Kind, IReadOnlyList<StatusCause>? Causes = null, int RetryAfterSeconds = 0);

/// <summary>One Status.details.causes entry.</summary>
public sealed record StatusCause(string Reason, string Message, string Field);
