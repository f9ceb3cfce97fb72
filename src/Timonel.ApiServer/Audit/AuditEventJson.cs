using System.Globalization;
using System.Text.Json.Nodes;
using Timonel.ApiServer.Security;

namespace Timonel.ApiServer.Audit;

/// <summary>An <see cref="AuditEvent"/> as an audit.k8s.io/v1 Event object, fields in upstream's order.</summary>
public static class AuditEventJson
{
    public static JsonObject ToJson(AuditEvent e)
    {
        var a = e.Attributes;
        var json = new JsonObject
        {
            ["kind"] = "Event",
            ["apiVersion"] = "audit.k8s.io/v1",
            ["level"] = e.Level.ToString(),
            ["auditID"] = e.AuditId,
            ["stage"] = e.Stage,
            ["requestURI"] = e.RequestUri,
            ["verb"] = a.Verb,
            ["user"] = User(e.User),
        };
        if (e.ImpersonatedUser is { } impersonated)
        {
            json["impersonatedUser"] = User(impersonated);
        }

        json["sourceIPs"] = new JsonArray([.. e.SourceIps.Select(ip => (JsonNode)ip)]);
        if (e.UserAgent is { Length: > 0 } agent)
        {
            json["userAgent"] = agent;
        }

        if (a.IsResourceRequest)
        {
            var objectRef = new JsonObject { ["resource"] = a.Resource };
            Add(objectRef, "namespace", a.Namespace);
            Add(objectRef, "name", a.Name);
            Add(objectRef, "apiGroup", a.ApiGroup);
            Add(objectRef, "apiVersion", a.ApiVersion);
            Add(objectRef, "subresource", a.Subresource);
            json["objectRef"] = objectRef;
        }

        if (e.Stage != AuditStages.RequestReceived)
        {
            var status = new JsonObject { ["metadata"] = new JsonObject(), ["code"] = e.Code };
            if (e.Message is { } message)
            {
                status["status"] = "Failure";
                status["message"] = message;
            }

            json["responseStatus"] = status;
        }

        if (e.RequestObject is { } request)
        {
            json["requestObject"] = request.DeepClone();
        }

        if (e.ResponseObject is { } response)
        {
            json["responseObject"] = response.DeepClone();
        }

        json["requestReceivedTimestamp"] = Micro(e.Received);
        json["stageTimestamp"] = Micro(e.Completed);
        if (e.Stage != AuditStages.RequestReceived)
        {
            // Authorization has not run yet when a request is received.
            json["annotations"] = new JsonObject
            {
                ["authorization.k8s.io/decision"] = e.Decision,
                ["authorization.k8s.io/reason"] = "",
            };
        }

        return json;
    }

    private static JsonObject User(UserInfo user)
    {
        var json = new JsonObject { ["username"] = user.Name };
        if (user.Uid is { Length: > 0 } uid)
        {
            json["uid"] = uid;
        }

        json["groups"] = new JsonArray([.. user.Groups.Select(g => (JsonNode)g)]);
        if (user.Extra.Count > 0)
        {
            var extra = new JsonObject();
            foreach (var (key, values) in user.Extra)
            {
                extra[key] = new JsonArray([.. values.Select(v => (JsonNode)v)]);
            }

            json["extra"] = extra;
        }

        return json;
    }

    private static void Add(JsonObject obj, string name, string value)
    {
        if (value.Length > 0)
        {
            obj[name] = value;
        }
    }

    /// <summary>RFC 3339 with microseconds, as upstream's metav1.MicroTime.</summary>
    private static string Micro(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);
}
