using System.Text.Json.Nodes;
using Timonel.ApiServer.Security;

namespace Timonel.ApiServer.Reviews;

/// <summary>authentication.k8s.io/v1 UserInfo as upstream writes it: empty fields left out.</summary>
internal static class UserInfoJson
{
    public static JsonObject Of(UserInfo user)
    {
        var json = new JsonObject { ["username"] = user.Name };
        if (user.Uid is { Length: > 0 } uid)
        {
            json["uid"] = uid;
        }

        if (user.Groups.Count > 0)
        {
            json["groups"] = new JsonArray([.. user.Groups.Select(g => (JsonNode?)g)]);
        }

        if (user.Extra.Count > 0)
        {
            var extra = new JsonObject();
            foreach (var (key, values) in user.Extra.OrderBy(e => e.Key, StringComparer.Ordinal))
            {
                extra[key] = new JsonArray([.. values.Select(v => (JsonNode?)v)]);
            }

            json["extra"] = extra;
        }

        return json;
    }
}
