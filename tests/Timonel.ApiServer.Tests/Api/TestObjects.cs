using System.Text.Json.Nodes;

namespace Timonel.ApiServer.Tests.Api;

/// <summary>Minimal valid objects for the API tests.</summary>
internal static class TestObjects
{
    public static JsonObject ConfigMap(string name, JsonObject? labels = null, string value = "v") => new()
    {
        ["apiVersion"] = "v1",
        ["kind"] = "ConfigMap",
        ["metadata"] = Metadata(name, labels),
        ["data"] = new JsonObject { ["key"] = value },
    };

    public static JsonObject Pod(string name, JsonObject? labels = null, string image = "busybox:1.36") => new()
    {
        ["apiVersion"] = "v1",
        ["kind"] = "Pod",
        ["metadata"] = Metadata(name, labels),
        ["spec"] = new JsonObject
        {
            ["containers"] = new JsonArray(new JsonObject { ["name"] = "main", ["image"] = image }),
        },
    };

    public static JsonObject Deployment(string name, int replicas = 1) => new()
    {
        ["apiVersion"] = "apps/v1",
        ["kind"] = "Deployment",
        ["metadata"] = Metadata(name, null),
        ["spec"] = new JsonObject
        {
            ["replicas"] = replicas,
            ["selector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["app"] = name } },
            ["template"] = new JsonObject
            {
                ["metadata"] = new JsonObject { ["labels"] = new JsonObject { ["app"] = name } },
                ["spec"] = new JsonObject
                {
                    ["containers"] = new JsonArray(
                        new JsonObject { ["name"] = "web", ["image"] = "nginx:1.25" },
                        new JsonObject { ["name"] = "sidecar", ["image"] = "busybox:1.36" }),
                },
            },
        },
    };

    public static JsonObject Service(string name, string? type = null, string? clusterIp = null, int? nodePort = null)
    {
        var port = new JsonObject { ["name"] = "http", ["port"] = 80, ["protocol"] = "TCP" };
        if (nodePort is { } np)
        {
            port["nodePort"] = np;
        }

        var spec = new JsonObject { ["selector"] = new JsonObject { ["app"] = name }, ["ports"] = new JsonArray(port) };
        if (type is not null)
        {
            spec["type"] = type;
        }

        if (clusterIp is not null)
        {
            spec["clusterIP"] = clusterIp;
        }

        return new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Service", ["metadata"] = Metadata(name, null), ["spec"] = spec };
    }

    private static JsonObject Metadata(string name, JsonObject? labels)
    {
        var meta = new JsonObject { ["name"] = name };
        if (labels is not null)
        {
            meta["labels"] = labels;
        }

        return meta;
    }
}
