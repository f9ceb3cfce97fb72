namespace Timonel.Controllers.Dynamic;

/// <summary>A non-success answer of the API server to a <see cref="DynamicClient"/> call, with its status code and reason.</summary>
public sealed class DynamicApiException(int code, string reason, string message) : Exception(message)
{
    public int Code { get; } = code;

    public string Reason { get; } = reason;

    public bool IsNotFound => Code == 404;

    public bool IsConflict => Code == 409;
}
