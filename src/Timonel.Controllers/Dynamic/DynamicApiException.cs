namespace Timonel.Controllers.Dynamic;

/// <summary>A non-success answer of the API server to a <see cref="DynamicClient"/> call, with its status code and reason.</summary>
public sealed class DynamicApiException(int code, string reason, string message, bool isStatus = true) : Exception(message)
{
    /// <summary>True when the server answered a Status object; false for a bare body (an aggregator's plain-text 503, a 404 page), where clients fall back to generic wording.</summary>
    public bool IsStatus { get; } = isStatus;

    public int Code { get; } = code;

    public string Reason { get; } = reason;

    public bool IsNotFound => Code == 404;

    public bool IsConflict => Code == 409;
}
