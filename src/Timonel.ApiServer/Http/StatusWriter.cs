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
            ["reason"] = error.Reason,
            ["code"] = error.Code,
        };
        if (error.Details is { } d)
        {
            var details = new JsonObject();
            if (d.Name is not null)
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
                details["causes"] = new JsonArray(d.Causes.Select(c => (JsonNode)new JsonObject
                {
                    ["reason"] = c.Reason,
                    ["message"] = c.Message,
                    ["field"] = c.Field,
                }).ToArray());
            }

            status["details"] = details;
        }

        return status;
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

        await ResponseBody.WriteJsonAsync(context, Failure(error), error.Code).ConfigureAwait(false);
    }
}
