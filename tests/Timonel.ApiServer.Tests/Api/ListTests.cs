using System.Text.Json.Nodes;
using Xunit;

namespace Timonel.ApiServer.Tests.Api;

/// <summary>GET on collections: selectors, pagination over one snapshot, all-namespaces lists.</summary>
public sealed class ListTests(ApiServerFixture fx) : IClassFixture<ApiServerFixture>
{
    private static string ConfigMaps(string ns) => $"/api/v1/namespaces/{ns}/configmaps";

    private static string[] Names(ApiResponse list) =>
        list.Object["items"]!.AsArray().Select(i => ApiResponse.Str(i!["metadata"]!["name"]) ?? "").Order(StringComparer.Ordinal).ToArray();

    private async Task<string> LabelledAsync()
    {
        var ns = await fx.NamespaceAsync("labels");
        var objects = new (string Name, JsonObject Labels)[]
        {
            ("prod-web", new JsonObject { ["env"] = "prod", ["tier"] = "web", ["rank"] = "3" }),
            ("dev-web", new JsonObject { ["env"] = "dev", ["tier"] = "web", ["rank"] = "1" }),
            ("staging", new JsonObject { ["env"] = "staging" }),
            ("bare", new JsonObject()),
        };
        foreach (var (name, labels) in objects)
        {
            Assert.Equal(201, (await fx.Client.PostAsync(ConfigMaps(ns), TestObjects.ConfigMap(name, labels))).Code);
        }

        return ns;
    }

    [Theory]
    [InlineData("env=prod", "prod-web")]
    [InlineData("env==prod", "prod-web")]
    [InlineData("env!=prod", "bare,dev-web,staging")]
    [InlineData("env in (prod,dev)", "dev-web,prod-web")]
    [InlineData("env notin (prod,dev)", "bare,staging")]
    [InlineData("tier", "dev-web,prod-web")]
    [InlineData("!tier", "bare,staging")]
    [InlineData("tier=web,env!=dev", "prod-web")]
    [InlineData("rank>2", "prod-web")]
    [InlineData("rank<2", "dev-web")]
    [InlineData("env=none", "")]
    public async Task List_LabelSelector_MatchesLikeKubernetes(string selector, string expected)
    {
        var ns = await LabelledAsync();

        var response = await fx.Client.GetAsync($"{ConfigMaps(ns)}?labelSelector={Uri.EscapeDataString(selector)}");

        Assert.Equal(200, response.Code);
        Assert.Equal(expected.Split(',', StringSplitOptions.RemoveEmptyEntries), Names(response));
    }

    [Theory]
    [InlineData("env in (prod")]
    [InlineData("=prod")]
    [InlineData("env=pr od")]
    [InlineData("rank>abc")]
    public async Task List_BadLabelSelector_Is400(string selector)
    {
        var ns = await fx.NamespaceAsync("labels");

        var response = await fx.Client.GetAsync($"{ConfigMaps(ns)}?labelSelector={Uri.EscapeDataString(selector)}");

        ApiAssert.Failure(response, 400, "BadRequest");
    }

    [Fact]
    public async Task List_ResponseShape_IsTypedList()
    {
        var ns = await LabelledAsync();

        var response = await fx.Client.GetAsync(ConfigMaps(ns));

        Assert.Equal("ConfigMapList", response.Kind);
        Assert.Equal("v1", ApiResponse.Str(response.Object["apiVersion"]));
        Assert.True(long.Parse(response.ResourceVersion!) > 0);
        Assert.Equal(4, response.Object["items"]!.AsArray().Count);
        Assert.Null(response.Object["metadata"]!["continue"]);
    }

    [Theory]
    [InlineData("metadata.name=staging", "staging")]
    [InlineData("metadata.name!=staging", "bare,dev-web,prod-web")]
    [InlineData("metadata.name=staging,metadata.namespace!=x", "staging")]
    public async Task List_FieldSelectorOnName_Filters(string selector, string expected)
    {
        var ns = await LabelledAsync();

        var response = await fx.Client.GetAsync($"{ConfigMaps(ns)}?fieldSelector={Uri.EscapeDataString(selector)}");

        Assert.Equal(200, response.Code);
        Assert.Equal(expected.Split(','), Names(response));
    }

    [Fact]
    public async Task List_FieldSelectorOnNodeName_FindsBoundAndUnboundPods()
    {
        var ns = await fx.NamespaceAsync("fields");
        var pods = $"/api/v1/namespaces/{ns}/pods";
        foreach (var name in new[] { "on-a", "on-b", "nowhere" })
        {
            Assert.Equal(201, (await fx.Client.PostAsync(pods, TestObjects.Pod(name))).Code);
        }

        Assert.Equal(201, (await fx.Client.PostAsync($"{pods}/on-a/binding", DeleteTests.Binding("on-a", "node-a"))).Code);
        Assert.Equal(201, (await fx.Client.PostAsync($"{pods}/on-b/binding", DeleteTests.Binding("on-b", "node-b"))).Code);

        Assert.Equal(["on-a"], Names(await fx.Client.GetAsync($"{pods}?fieldSelector=spec.nodeName%3Dnode-a")));
        Assert.Equal(["nowhere"], Names(await fx.Client.GetAsync($"{pods}?fieldSelector=spec.nodeName%3D")));
        Assert.Equal(["nowhere", "on-b"], Names(await fx.Client.GetAsync($"{pods}?fieldSelector=spec.nodeName!%3Dnode-a")));
    }

    [Theory]
    [InlineData("spec.image=x")]
    [InlineData("data.key=v")]
    public async Task List_UnsupportedFieldSelector_Is400(string selector)
    {
        var ns = await fx.NamespaceAsync("fields");
        var resource = selector.StartsWith("spec", StringComparison.Ordinal) ? "pods" : "configmaps";

        var response = await fx.Client.GetAsync($"/api/v1/namespaces/{ns}/{resource}?fieldSelector={Uri.EscapeDataString(selector)}");

        ApiAssert.Failure(response, 400, "BadRequest", selector.Split('=')[0]);
    }

    [Fact]
    public async Task List_LimitAndContinue_ReturnsEachObjectOnceFromOneSnapshot()
    {
        var ns = await fx.NamespaceAsync("pages");
        for (var i = 0; i < 25; i++)
        {
            Assert.Equal(201, (await fx.Client.PostAsync(ConfigMaps(ns), TestObjects.ConfigMap($"cm-{i:D2}"))).Code);
        }

        var seen = new List<string>();
        var remaining = new List<long?>();
        var versions = new HashSet<string?>();
        string? token = null;
        var pages = 0;
        do
        {
            var path = $"{ConfigMaps(ns)}?limit=10" + (token is null ? "" : $"&continue={Uri.EscapeDataString(token)}");
            var page = await fx.Client.GetAsync(path);
            Assert.Equal(200, page.Code);
            seen.AddRange(page.Object["items"]!.AsArray().Select(i => ApiResponse.Str(i!["metadata"]!["name"])!));
            remaining.Add((long?)page.Object["metadata"]!["remainingItemCount"]);
            versions.Add(page.ResourceVersion);
            token = ApiResponse.Str(page.Object["metadata"]!["continue"]);
            pages++;
            if (pages == 1)
            {
                // Written after the first page: a continued list still reads the first page's snapshot.
                Assert.Equal(201, (await fx.Client.PostAsync(ConfigMaps(ns), TestObjects.ConfigMap("cm-99-late"))).Code);
            }
        }
        while (token is not null && pages < 10);

        Assert.Equal(3, pages);
        Assert.Equal(Enumerable.Range(0, 25).Select(i => $"cm-{i:D2}"), seen);
        Assert.Equal([15L, 5L, null], remaining);
        Assert.Single(versions);
    }

    [Fact]
    public async Task List_LimitWithLabelSelector_PagesOverMatchesOnly()
    {
        var ns = await fx.NamespaceAsync("pages");
        for (var i = 0; i < 12; i++)
        {
            var labels = new JsonObject { ["parity"] = i % 2 == 0 ? "even" : "odd" };
            Assert.Equal(201, (await fx.Client.PostAsync(ConfigMaps(ns), TestObjects.ConfigMap($"cm-{i:D2}", labels))).Code);
        }

        var first = await fx.Client.GetAsync($"{ConfigMaps(ns)}?limit=4&labelSelector=parity%3Deven");
        var token = ApiResponse.Str(first.Object["metadata"]!["continue"]);
        Assert.NotNull(token);
        var second = await fx.Client.GetAsync($"{ConfigMaps(ns)}?limit=4&labelSelector=parity%3Deven&continue={Uri.EscapeDataString(token)}");

        Assert.Equal(["cm-00", "cm-02", "cm-04", "cm-06"], Names(first));
        Assert.Equal(["cm-08", "cm-10"], Names(second));
        Assert.Null(second.Object["metadata"]!["continue"]);
    }

    [Theory]
    [InlineData("garbage")]
    [InlineData("eyJ2IjoibWV0YS5rOHMuaW8vdjEifQ")]
    [InlineData("%%%")]
    public async Task List_BadContinueToken_Is400(string token)
    {
        var ns = await fx.NamespaceAsync("pages");

        var response = await fx.Client.GetAsync($"{ConfigMaps(ns)}?limit=1&continue={Uri.EscapeDataString(token)}");

        ApiAssert.Failure(response, 400, "BadRequest", "continue");
    }

    [Fact]
    public async Task List_ContinueTokenOfAnotherList_Is400()
    {
        var ns = await fx.NamespaceAsync("pages");
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(201, (await fx.Client.PostAsync(ConfigMaps(ns), TestObjects.ConfigMap($"cm-{i}"))).Code);
        }

        var token = ApiResponse.Str((await fx.Client.GetAsync($"{ConfigMaps(ns)}?limit=1")).Object["metadata"]!["continue"])!;

        var response = await fx.Client.GetAsync($"/api/v1/namespaces/{ns}/secrets?limit=1&continue={Uri.EscapeDataString(token)}");

        ApiAssert.Failure(response, 400, "BadRequest", "continue");
    }

    [Theory]
    [InlineData("limit=abc")]
    [InlineData("limit=-1")]
    [InlineData("resourceVersion=abc")]
    [InlineData("timeoutSeconds=soon")]
    public async Task List_BadQueryParameter_Is400(string query)
    {
        var ns = await fx.NamespaceAsync("query");

        var response = await fx.Client.GetAsync($"{ConfigMaps(ns)}?{query}");

        ApiAssert.Failure(response, 400, "BadRequest");
    }

    [Fact]
    public async Task List_AllNamespaces_ReturnsObjectsOfEveryNamespace()
    {
        var run = Guid.NewGuid().ToString("N")[..8];
        var first = await fx.NamespaceAsync("all");
        var second = await fx.NamespaceAsync("all");
        var labels = new JsonObject { ["run"] = run };
        Assert.Equal(201, (await fx.Client.PostAsync(ConfigMaps(first), TestObjects.ConfigMap("x", labels.DeepClone().AsObject()))).Code);
        Assert.Equal(201, (await fx.Client.PostAsync(ConfigMaps(second), TestObjects.ConfigMap("x", labels.DeepClone().AsObject()))).Code);

        var response = await fx.Client.GetAsync($"/api/v1/configmaps?labelSelector=run%3D{run}");

        Assert.Equal(200, response.Code);
        var namespaces = response.Object["items"]!.AsArray().Select(i => ApiResponse.Str(i!["metadata"]!["namespace"])).Order().ToArray();
        Assert.Equal(new[] { first, second }.Order().ToArray(), namespaces);
    }

    [Fact]
    public async Task List_FieldSelectorOnNamespace_AcrossAllNamespaces()
    {
        var ns = await LabelledAsync();

        var response = await fx.Client.GetAsync($"/api/v1/configmaps?fieldSelector=metadata.namespace%3D{ns}");

        Assert.Equal(["bare", "dev-web", "prod-web", "staging"], Names(response));
    }
}
