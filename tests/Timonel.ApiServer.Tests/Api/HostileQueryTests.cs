using System.Text.Json.Nodes;
using Xunit;

namespace Timonel.ApiServer.Tests.Api;

/// <summary>
/// Hostile and malformed selectors and list options through the real HTTP surface, each answered
/// as kube-apiserver 1.33 answers it, and never with a write.
/// </summary>
public sealed class HostileQueryTests(ApiServerFixture fx) : IClassFixture<ApiServerFixture>
{
    private const string ListOptionsInvalid = "ListOptions.meta.k8s.io \"\" is invalid: ";

    private static string ConfigMaps(string ns) => $"/api/v1/namespaces/{ns}/configmaps";

    public static TheoryData<string, string> BadSelectors => new()
    {
        { "labelSelector=a%20in%20(b", "unable to parse requirement: found '', expected: ',' or ')'" },
        { "labelSelector=%21%21bad", "unable to parse requirement: found '!', expected: identifier" },
        { "labelSelector=%00", "labelSelector holds a NUL character (at 0): a selector may not contain one" },
        { "labelSelector=%00a%3Db", "labelSelector holds a NUL character (at 0): a selector may not contain one" },
        { "labelSelector=a%00b", "labelSelector holds a NUL character (at 1): a selector may not contain one" },
        { "labelSelector=a%3D%00b", "labelSelector holds a NUL character (at 2): a selector may not contain one" },
        { "labelSelector=tier%20in%20()", "unable to parse requirement: for 'in', 'notin' operators, values set can't be empty" },
        { "labelSelector=tier%20notin%20()", "unable to parse requirement: for 'in', 'notin' operators, values set can't be empty" },
        { "labelSelector=a%3Eten", "for 'Gt', 'Lt' operators, the value must be an integer" },
        { "labelSelector=-a%3Db", "unable to parse requirement: <nil>: Invalid value: \"-a\": name part must consist of alphanumeric characters" },
        { "labelSelector=a%3D%3D%3Db", "unable to parse requirement: found '=', expected: identifier" },
        { "fieldSelector=%00", "fieldSelector holds a NUL character (at 0): a selector may not contain one" },
        { "fieldSelector=metadata.name%3C5", "invalid selector: 'metadata.name<5'; can't understand 'metadata.name<5'" },
        { "fieldSelector=metadata.name%3D%3D%3Dx", "invalid field selector: unescaped character in value: 61" },
        { "fieldSelector=metadata.name%3Da%5C", "invalid field selector: invalid escape sequence: \\" },
        { "fieldSelector=spec.foo%3Dx", "\"spec.foo\" is not a known field selector" },
    };

    private async Task<string> NamespaceWithConfigMapsAsync()
    {
        var ns = await fx.NamespaceAsync("hostile");
        foreach (var (name, tier) in new[] { ("a1", "a"), ("a2", "a"), ("b1", "b"), ("b2", "b") })
        {
            Assert.Equal(201, (await fx.Client.PostAsync(ConfigMaps(ns), TestObjects.ConfigMap(name, new JsonObject { ["tier"] = tier }))).Code);
        }

        return ns;
    }

    private async Task<string[]> NamesAsync(string ns)
    {
        var list = await fx.Client.GetAsync(ConfigMaps(ns));
        Assert.Equal(200, list.Code);
        return [.. list.Object["items"]!.AsArray().Select(i => ApiResponse.Str(i!["metadata"]!["name"])!).Order(StringComparer.Ordinal)];
    }

    [Theory]
    [MemberData(nameof(BadSelectors))]
    public async Task DeleteCollection_BadSelector_Is400AndDeletesNothing(string query, string message)
    {
        var ns = await NamespaceWithConfigMapsAsync();
        // The same request with a good selector deletes the matching objects, and only them.
        var good = await fx.Client.DeleteAsync($"{ConfigMaps(ns)}?labelSelector=tier%3Db");
        Assert.Equal(200, good.Code);
        Assert.Equal(["a1", "a2"], await NamesAsync(ns));

        var response = await ApiAssert.NoWriteAsync(fx, () => fx.Client.DeleteAsync($"{ConfigMaps(ns)}?{query}"));

        ApiAssert.Failure(response, 400, "BadRequest", message);
        Assert.Equal(["a1", "a2"], await NamesAsync(ns));
    }

    [Theory]
    [MemberData(nameof(BadSelectors))]
    public async Task ListAndWatch_BadSelector_Is400(string query, string message)
    {
        var ns = await NamespaceWithConfigMapsAsync();

        ApiAssert.Failure(await fx.Client.GetAsync($"{ConfigMaps(ns)}?{query}"), 400, "BadRequest", message);
        ApiAssert.Failure(await fx.Client.GetAsync($"{ConfigMaps(ns)}?watch=true&{query}"), 400, "BadRequest", message);
    }

    [Fact]
    public async Task List_SelectorOverTheUrlLimit_IsRefusedBeforeParsing()
    {
        // Kestrel's 8 KiB request line bounds every selector far below SelectorLimits.MaxLength.
        var ns = await fx.NamespaceAsync("hostile");

        var response = await fx.Client.GetAsync($"{ConfigMaps(ns)}?labelSelector=a%3D{new string('b', 9000)}");

        Assert.True(response.Code is 414 or 431, $"expected 414 or 431, got {response.Code}");
    }

    public static TheoryData<string, string, string> BadListOptions => new()
    {
        { "resourceVersionMatch=Exact", "resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided", "FieldValueForbidden" },
        { "resourceVersionMatch=NotOlderThan", "resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided", "FieldValueForbidden" },
        { "resourceVersion=0&resourceVersionMatch=Exact", "resourceVersionMatch: Forbidden: resourceVersionMatch \"exact\" is forbidden for resourceVersion \"0\"", "FieldValueForbidden" },
        { "resourceVersion=1&resourceVersionMatch=Sometime", "resourceVersionMatch: Unsupported value: \"Sometime\": supported values: \"Exact\", \"NotOlderThan\", \"\"", "FieldValueNotSupported" },
        { "resourceVersion=1&resourceVersionMatch=exact", "resourceVersionMatch: Unsupported value: \"exact\": supported values: \"Exact\", \"NotOlderThan\", \"\"", "FieldValueNotSupported" },
        { "sendInitialEvents=true", "sendInitialEvents: Forbidden: sendInitialEvents is forbidden for list", "FieldValueForbidden" },
        { "watch=true&resourceVersion=1&resourceVersionMatch=NotOlderThan", "resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided", "FieldValueForbidden" },
        { "watch=true&sendInitialEvents=true&resourceVersionMatch=Exact", "[resourceVersionMatch: Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan, resourceVersionMatch: Unsupported value: \"Exact\": supported values: \"NotOlderThan\"]", "FieldValueForbidden" },
        { "resourceVersionMatch=Exact&continue=abc", "[resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided, resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden when continue is provided]", "FieldValueForbidden" },
    };

    [Theory]
    [MemberData(nameof(BadListOptions))]
    public async Task List_BadListOptions_Is422InvalidListOptions(string query, string errors, string firstCause)
    {
        var ns = await NamespaceWithConfigMapsAsync();

        var response = await fx.Client.GetAsync($"{ConfigMaps(ns)}?{query}");

        ApiAssert.Failure(response, 422, "Invalid");
        Assert.Equal(ListOptionsInvalid + errors, response.Message);
        var details = response.Object["details"]!;
        Assert.Equal("meta.k8s.io", ApiResponse.Str(details["group"]));
        Assert.Equal("ListOptions", ApiResponse.Str(details["kind"]));
        Assert.Null(details["name"]);
        Assert.Equal(firstCause, ApiResponse.Str(details["causes"]![0]!["reason"]));
    }

    [Theory]
    [InlineData("resourceVersionMatch=Exact")]
    [InlineData("resourceVersion=0&resourceVersionMatch=Exact")]
    [InlineData("resourceVersion=1&resourceVersionMatch=Sometime")]
    public async Task DeleteCollection_BadListOptions_Is422AndDeletesNothing(string query)
    {
        var ns = await NamespaceWithConfigMapsAsync();

        var response = await ApiAssert.NoWriteAsync(fx, () => fx.Client.DeleteAsync($"{ConfigMaps(ns)}?labelSelector=tier%3Da&{query}"));

        ApiAssert.Failure(response, 422, "Invalid", ListOptionsInvalid);
        Assert.Equal(["a1", "a2", "b1", "b2"], await NamesAsync(ns));
    }

    [Fact]
    public async Task List_ExactAtAnEarlierRevision_Is200WithThatState()
    {
        var ns = await NamespaceWithConfigMapsAsync();
        var before = await fx.RevisionAsync();
        Assert.Equal(201, (await fx.Client.PostAsync(ConfigMaps(ns), TestObjects.ConfigMap("later"))).Code);

        var response = await fx.Client.GetAsync($"{ConfigMaps(ns)}?resourceVersion={before}&resourceVersionMatch=Exact");

        Assert.Equal(200, response.Code);
        Assert.Equal(4, response.Object["items"]!.AsArray().Count);
    }
}
