using System.Text;
using System.Text.Json.Nodes;
using Xunit;

namespace Timonel.ApiServer.Tests.Api;

/// <summary>
/// Warning headers for unknown fields: bounded and deduplicated as upstream's recorder does,
/// sendable whatever the field's name, and never the reason a committed write answers 500.
/// </summary>
public sealed class WarningHeaderTests(ApiServerFixture fx) : IClassFixture<ApiServerFixture>
{
    private static IReadOnlyList<string> Warnings(ApiResponse response) =>
        response.Headers.NonValidated.TryGetValues("Warning", out var values) ? values.ToList() : [];

    private static JsonObject ConfigMapWithUnknownMetadata(string name, int count)
    {
        var cm = TestObjects.ConfigMap(name);
        var meta = cm["metadata"]!.AsObject();
        for (var i = 0; i < count; i++)
        {
            meta[$"unknown{i}"] = 1;
        }

        return cm;
    }

    [Fact]
    public async Task Create_20000UnknownMetadataFields_Is201QuicklyWithBoundedWarnings()
    {
        var ns = await fx.NamespaceAsync("warn");

        var response = await fx.Client.PostAsync($"/api/v1/namespaces/{ns}/configmaps", ConfigMapWithUnknownMetadata("many", 20_000));

        Assert.Equal(201, response.Code);
        var warnings = Warnings(response);
        Assert.InRange(warnings.Count, 100, 200);
        Assert.Equal("299 - \"unknown field \\\"metadata.unknown0\\\"\"", warnings[0]);
        Assert.True(warnings.Sum(w => w.Length) < 8 * 1024, $"{warnings.Sum(w => w.Length)} bytes of warnings");
        var stored = (await fx.Client.GetAsync($"/api/v1/namespaces/{ns}/configmaps/many")).Object;
        Assert.False(stored["metadata"]!.AsObject().ContainsKey("unknown0"));
        Assert.False(stored["metadata"]!.AsObject().ContainsKey("unknown19999"));
        Assert.Equal("v", ApiResponse.Str(stored["data"]!["key"]));
    }

    [Fact]
    public async Task Create_LongUnknownFieldNamesPastTheTotal_AreTruncatedTo256Characters()
    {
        var ns = await fx.NamespaceAsync("warn");
        var cm = TestObjects.ConfigMap("long");
        for (var i = 0; i < 20; i++)
        {
            cm["metadata"]![$"{i}{new string('x', 1000)}"] = 1;
        }

        var response = await fx.Client.PostAsync($"/api/v1/namespaces/{ns}/configmaps", cm);

        Assert.Equal(201, response.Code);
        var warnings = Warnings(response);

        // 256 characters each (plus quoting) until 4096 are written: 16 warnings.
        Assert.Equal(16, warnings.Count);
        Assert.All(warnings, w => Assert.True(w.Length < 300, w));
    }

    [Fact]
    public async Task Create_StrictWith20000UnknownFields_Is400WithABoundedMessageAndNothingWritten()
    {
        var ns = await fx.NamespaceAsync("warn");

        var response = await ApiAssert.NoWriteAsync(fx, () => fx.Client.PostAsync($"/api/v1/namespaces/{ns}/configmaps?fieldValidation=Strict", ConfigMapWithUnknownMetadata("strict", 20_000)));

        ApiAssert.Failure(response, 400, "BadRequest", "strict decoding error: unknown field \"metadata.unknown0\"", "and 19900 more unknown fields");
        Assert.True(response.Text.Length < 8 * 1024, $"{response.Text.Length} bytes");
        Assert.Equal(404, (await fx.Client.GetAsync($"/api/v1/namespaces/{ns}/configmaps/strict")).Code);
    }

    [Fact]
    public async Task Create_NonAsciiUnknownFieldName_Is201WithUtf8Warning()
    {
        var ns = await fx.NamespaceAsync("warn");
        var cm = TestObjects.ConfigMap("utf8");
        cm["ünknown"] = 1;

        var response = await fx.Client.PostAsync($"/api/v1/namespaces/{ns}/configmaps", cm);

        Assert.Equal(201, response.Code);
        Assert.Equal("299 - \"unknown field \\\"ünknown\\\"\"", Assert.Single(Warnings(response)));
        Assert.Equal(200, (await fx.Client.GetAsync($"/api/v1/namespaces/{ns}/configmaps/utf8")).Code);
    }

    [Fact]
    public async Task Patch_MergePatchWithNonAsciiUnknownField_Is200WithWarningAndTheChange()
    {
        var ns = await fx.NamespaceAsync("warn");
        var path = $"/api/v1/namespaces/{ns}/configmaps/patched";
        Assert.Equal(201, (await fx.Client.PostAsync($"/api/v1/namespaces/{ns}/configmaps", TestObjects.ConfigMap("patched"))).Code);

        var response = await fx.Client.PatchAsync(path, """{"unknownFieldé":1,"data":{"key":"changed"}}""", ApiClient.MergePatch);

        Assert.Equal(200, response.Code);
        Assert.Equal("299 - \"unknown field \\\"unknownFieldé\\\"\"", Assert.Single(Warnings(response)));
        Assert.Equal("changed", ApiResponse.Str((await fx.Client.GetAsync(path)).Object["data"]!["key"]));
    }

    [Fact]
    public async Task Create_UnknownFieldNameWithAControlCharacter_Is201WithoutThatWarning()
    {
        // Upstream's NewWarningHeader refuses control characters, so that warning is not sent.
        var ns = await fx.NamespaceAsync("warn");
        var cm = TestObjects.ConfigMap("control");
        cm["bad\u0001name"] = 1;
        cm["plain"] = 1;

        var response = await fx.Client.PostAsync($"/api/v1/namespaces/{ns}/configmaps", cm);

        Assert.Equal(201, response.Code);
        Assert.Equal("299 - \"unknown field \\\"plain\\\"\"", Assert.Single(Warnings(response)));
    }

    [Fact]
    public async Task Create_YamlBodyStartingWithAByteOrderMark_IsNot500()
    {
        var ns = await fx.NamespaceAsync("warn");
        const string Yaml = "\uFEFFapiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bom\n  unknownFieldé: 1\ndata:\n  k: v\n";

        var response = await fx.Client.SendAsync(HttpMethod.Post, $"/api/v1/namespaces/{ns}/configmaps", Yaml, "application/yaml");

        Assert.Equal(201, response.Code);
        Assert.Contains("299 - \"unknown field \\\"metadata.unknownFieldé\\\"\"", Warnings(response));
        Assert.Equal(200, (await fx.Client.GetAsync($"/api/v1/namespaces/{ns}/configmaps/bom")).Code);
    }

    [Fact]
    public async Task Create_RefusedAfterWarnings_CarriesThemAndWritesNothing()
    {
        // The warnings are headers before the write; a write that then fails still answers its Status.
        var ns = await fx.NamespaceAsync("warn");
        Assert.Equal(201, (await fx.Client.PostAsync($"/api/v1/namespaces/{ns}/configmaps", TestObjects.ConfigMap("taken"))).Code);
        var again = TestObjects.ConfigMap("taken", value: "other");
        again["ünknown"] = 1;

        var response = await ApiAssert.NoWriteAsync(fx, () => fx.Client.PostAsync($"/api/v1/namespaces/{ns}/configmaps", again));

        ApiAssert.Failure(response, 409, "AlreadyExists");
        Assert.Equal("299 - \"unknown field \\\"ünknown\\\"\"", Assert.Single(Warnings(response)));
        Assert.Equal("v", ApiResponse.Str((await fx.Client.GetAsync($"/api/v1/namespaces/{ns}/configmaps/taken")).Object["data"]!["key"]));
    }

    [Fact]
    public async Task Put_NonAsciiUnknownField_Is200WithWarning()
    {
        var ns = await fx.NamespaceAsync("warn");
        var created = await fx.Client.PostAsync($"/api/v1/namespaces/{ns}/configmaps", TestObjects.ConfigMap("put"));
        var body = created.Object;
        body["spéc"] = new JsonObject { ["x"] = Encoding.UTF8.GetString("ü"u8) };

        var response = await fx.Client.PutAsync($"/api/v1/namespaces/{ns}/configmaps/put", body);

        Assert.Equal(200, response.Code);
        Assert.Equal("299 - \"unknown field \\\"spéc\\\"\"", Assert.Single(Warnings(response)));
    }
}
