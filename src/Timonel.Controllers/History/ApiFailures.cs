using System.Net;
using System.Text.Json.Nodes;
using k8s.Autorest;

namespace Timonel.Controllers.History;

/// <summary>Reading the API server's Status answers out of the client's exceptions.</summary>
public static class ApiFailures
{
    public static bool IsNotFound(Exception e) => Code(e) == HttpStatusCode.NotFound;

    public static bool IsAlreadyExists(Exception e) => Code(e) == HttpStatusCode.Conflict && Reason(e) is null or "AlreadyExists";

    public static bool IsConflict(Exception e) => Code(e) == HttpStatusCode.Conflict;

    /// <summary>The Status message the server sent, else the exception's own message (for events).</summary>
    public static string MessageOf(Exception e)
    {
        if (e is HttpOperationException { Response.Content: { Length: > 0 } content })
        {
            try
            {
                if (JsonNode.Parse(content)?["message"]?.GetValue<string>() is { Length: > 0 } message)
                {
                    return message;
                }
            }
            catch (System.Text.Json.JsonException)
            {
            }
        }

        return e.Message;
    }

    private static HttpStatusCode? Code(Exception e) => (e as HttpOperationException)?.Response?.StatusCode;

    private static string? Reason(Exception e)
    {
        if (e is not HttpOperationException { Response.Content: { Length: > 0 } content })
        {
            return null;
        }

        try
        {
            return JsonNode.Parse(content)?["reason"]?.GetValue<string>();
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }
}
