using System.Text.Json.Nodes;
using Xunit;

namespace Timonel.ApiServer.Tests.Api;

/// <summary>DefaultStorageClass admission and the later assignment of a class to a class-less claim.</summary>
public sealed class DefaultStorageClassTests(ApiServerFixture fx) : IClassFixture<ApiServerFixture>
{
    private static JsonObject Claim(string name, string? className = null, bool explicitEmpty = false)
    {
        var spec = new JsonObject
        {
            ["accessModes"] = new JsonArray("ReadWriteOnce"),
            ["resources"] = new JsonObject { ["requests"] = new JsonObject { ["storage"] = "1Gi" } },
        };
        if (className is not null || explicitEmpty)
        {
            spec["storageClassName"] = className ?? string.Empty;
        }

        return new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "PersistentVolumeClaim",
            ["metadata"] = new JsonObject { ["name"] = name },
            ["spec"] = spec,
        };
    }

    private static JsonObject StorageClass(string name, bool isDefault) => new()
    {
        ["apiVersion"] = "storage.k8s.io/v1",
        ["kind"] = "StorageClass",
        ["metadata"] = new JsonObject
        {
            ["name"] = name,
            ["annotations"] = new JsonObject { ["storageclass.kubernetes.io/is-default-class"] = isDefault ? "true" : "false" },
        },
        ["provisioner"] = "example.com/test",
    };

    [Fact]
    public async Task CreateClaim_DefaultClassExists_ClassFilledInButExplicitChoicesKept()
    {
        var ns = await fx.NamespaceAsync("sc");
        var claims = $"/api/v1/namespaces/{ns}/persistentvolumeclaims";

        // No default class yet: the claim stays class-less.
        var early = await fx.Client.PostAsync(claims, Claim("early"));
        ApiAssert.Code(201, early);
        Assert.Null(early.Object["spec"]!["storageClassName"]);

        ApiAssert.Code(201, await fx.Client.PostAsync("/apis/storage.k8s.io/v1/storageclasses", StorageClass("not-default", false)));
        ApiAssert.Code(201, await fx.Client.PostAsync("/apis/storage.k8s.io/v1/storageclasses", StorageClass("standard", true)));

        var plain = await fx.Client.PostAsync(claims, Claim("plain"));
        var named = await fx.Client.PostAsync(claims, Claim("named", "not-default"));
        var none = await fx.Client.PostAsync(claims, Claim("none", explicitEmpty: true));

        ApiAssert.Code(201, plain);
        Assert.Equal("standard", (string?)plain.Object["spec"]!["storageClassName"]);
        Assert.Equal("not-default", (string?)named.Object["spec"]!["storageClassName"]);
        Assert.Equal(string.Empty, (string?)none.Object["spec"]!["storageClassName"]);

        // The claim made before the default existed may be given a class once; a set class is then fixed.
        var updated = early.Object;
        updated["spec"]!["storageClassName"] = "standard";
        var put = await fx.Client.PutAsync($"{claims}/early", updated);
        ApiAssert.Code(200, put);
        var changed = put.Object;
        changed["spec"]!["storageClassName"] = "not-default";
        ApiAssert.Code(422, await fx.Client.PutAsync($"{claims}/early", changed));
    }
}
