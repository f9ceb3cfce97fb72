using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Timonel.Api.Errors;

namespace Timonel.ApiServer.Http;

/// <summary>Writes meta/v1 Status objects: every failed request answers with one.</summary>
internal static class StatusWriter
{
    public static JsonObject Failure(ApiException error)
    {
        var status = new JsonObject
        {
            ["kind"] = "Status",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject(),
            ["status"] = "Failure",
            ["message"] = error.Message,
        };
        if (error.Reason.Length > 0)
        {
            // Upstream's StatusReasonUnknown ("") is omitted, and kubectl prints no reason.
            status["reason"] = error.Reason;
        }

        if (error.Details is { } d)
        {
            var details = new JsonObject();
            // Like upstream's omitempty fields: an empty name, field or retry delay is left out.
            if (!string.IsNullOrEmpty(d.Name))
            {
                details["name"] = d.Name;
            }

            if (!string.IsNullOrEmpty(d.Group))
            {
                details["group"] = d.Group;
            }

            if (d.Kind is not null)
            {
                details["kind"] = d.Kind;
            }

            if (d.Causes is { Count: > 0 })
            {
                details["causes"] = new JsonArray(d.Causes.Select(Cause).ToArray());
            }

            if (d.RetryAfterSeconds > 0)
            {
                details["retryAfterSeconds"] = d.RetryAfterSeconds;
            }

            status["details"] = details;
        }

        // Upstream's field order: kind, apiVersion, metadata, status, message, reason, details, code.
        status["code"] = error.Code;
        return status;
    }

    private static JsonNode Cause(StatusCause c)
    {
        var cause = new JsonObject { ["reason"] = c.Reason, ["message"] = c.Message };
        if (c.Field.Length > 0)
        {
            cause["field"] = c.Field;
        }

        return cause;
    }

    public static JsonObject Success(JsonObject? details = null)
    {
        var status = new JsonObject
        {
            ["kind"] = "Status",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject(),
            ["status"] = "Success",
        };
        if (details is not null)
        {
            status["details"] = details;
        }

        return status;
    }

    public static async Task WriteAsync(HttpContext context, ApiException error)
    {
        if (context.Response.HasStarted)
        {
            return;
        }

        if (error.Details is { RetryAfterSeconds: > 0 } details)
        {
            // Upstream's ErrorNegotiated repeats the delay in a Retry-After header.
            context.Response.Headers.RetryAfter = details.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        await ResponseBody.WriteJsonAsync(context, Failure(error), error.Code).ConfigureAwait(false);
    }
}
