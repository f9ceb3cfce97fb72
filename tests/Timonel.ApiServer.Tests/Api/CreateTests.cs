using System.Text.Json.Nodes;
using Xunit;

namespace Timonel.ApiServer.Tests.Api;

/// <summary>POST: server-owned metadata, names, body formats and every way a body can be wrong.</summary>
public sealed class CreateTests(ApiServerFixture fx) : IClassFixture<ApiServerFixture>
{
    private static string ConfigMaps(string ns) => $"/api/v1/namespaces/{ns}/configmaps";

    [Fact]
    public async Task Create_ValidObject_Is201WithServerMetadata()
    {
        var ns = await fx.NamespaceAsync("create");

        var response = await fx.Client.PostAsync($"/apis/apps/v1/namespaces/{ns}/deployments", TestObjects.Deployment("web"));

        Assert.Equal(201, response.Code);
        var meta = response.Object["metadata"]!;
        Assert.True(Guid.TryParse(ApiResponse.Str(meta["uid"]), out _));
        Assert.True(DateTimeOffset.TryParse(ApiResponse.Str(meta["creationTimestamp"]), out var created));
        Assert.InRange(created, DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddMinutes(1));
        Assert.True(long.Parse(response.ResourceVersion!) > 0);
        Assert.Equal(1, (long?)meta["generation"]);
        Assert.Equal(ns, ApiResponse.Str(meta["namespace"]));

        var read = await fx.Client.GetAsync($"/apis/apps/v1/namespaces/{ns}/deployments/web");
        Assert.Equal(response.ResourceVersion, read.ResourceVersion);
        Assert.Equal(ApiResponse.Str(meta["uid"]), ApiResponse.Str(read.Object["metadata"]!["uid"]));
    }

    [Theory]
    [InlineData("/apis/apps/v1/namespaces/{0}/deployments", """{"metadata":{"name":"d"},"spec":{"selector":{"matchLabels":{"a":"b"}},"template":{"metadata":{"labels":{"a":"b"}},"spec":{"containers":[{"name":"c","image":"i"}]}}}}""", "{}")]
    [InlineData("/api/v1/namespaces/{0}/services", """{"metadata":{"name":"s"},"spec":{"ports":[{"port":80}]}}""", """{"loadBalancer":{}}""")]
    [InlineData("/apis/autoscaling/v2/namespaces/{0}/horizontalpodautoscalers", """{"metadata":{"name":"h"},"spec":{"scaleTargetRef":{"apiVersion":"apps/v1","kind":"Deployment","name":"d"},"maxReplicas":3}}""", """{"currentMetrics":null,"desiredReplicas":0}""")]
    [InlineData("/apis/policy/v1/namespaces/{0}/poddisruptionbudgets", """{"metadata":{"name":"p"},"spec":{"minAvailable":1,"selector":{"matchLabels":{"a":"b"}}}}""", """{"disruptionsAllowed":0,"currentHealthy":0,"desiredHealthy":0,"expectedPods":0}""")]
    [InlineData("/apis/batch/v1/namespaces/{0}/jobs", """{"metadata":{"name":"j"},"spec":{"template":{"spec":{"restartPolicy":"Never","containers":[{"name":"c","image":"i"}]}}}}""", "{}")]
    public async Task Create_KindWithStatus_ResponseCarriesUpstreamInitialStatus(string collection, string body, string status)
    {
        var ns = await fx.NamespaceAsync("status");
        var path = string.Format(System.Globalization.CultureInfo.InvariantCulture, collection, ns);

        var response = await fx.Client.PostAsync(path, JsonNode.Parse(body)!);

        Assert.Equal(201, response.Code);
        Assert.Equal(status, response.Object["status"]!.ToJsonString());
        var read = await fx.Client.GetAsync($"{path}/{response.Name}");
        Assert.Equal(status, read.Object["status"]!.ToJsonString());
    }

    [Fact]
    public async Task Create_ServerOwnedFieldsInBody_AreReplaced()
    {
        var ns = await fx.NamespaceAsync("create");
        var cm = TestObjects.ConfigMap("owned");
        cm["metadata"]!["uid"] = "not-a-real-uid";
        cm["metadata"]!["creationTimestamp"] = "2001-01-01T00:00:00Z";

        var response = await fx.Client.PostAsync(ConfigMaps(ns), cm);

        Assert.Equal(201, response.Code);
        Assert.NotEqual("not-a-real-uid", ApiResponse.Str(response.Object["metadata"]!["uid"]));
        Assert.NotEqual("2001-01-01T00:00:00Z", ApiResponse.Str(response.Object["metadata"]!["creationTimestamp"]));
    }

    [Fact]
    public async Task Create_GenerateName_GetsUniqueNameWithPrefix()
    {
        var ns = await fx.NamespaceAsync("create");
        var body = new JsonObject { ["metadata"] = new JsonObject { ["generateName"] = "job-" }, ["data"] = new JsonObject() };

        var first = await fx.Client.PostAsync(ConfigMaps(ns), body.DeepClone());
        var second = await fx.Client.PostAsync(ConfigMaps(ns), body.DeepClone());

        Assert.Equal(201, first.Code);
        Assert.Equal(201, second.Code);
        Assert.StartsWith("job-", first.Name, StringComparison.Ordinal);
        Assert.Equal("job-".Length + 5, first.Name!.Length);
        Assert.NotEqual(first.Name, second.Name);
        Assert.Equal(200, (await fx.Client.GetAsync($"{ConfigMaps(ns)}/{first.Name}")).Code);
    }

    [Fact]
    public async Task Create_NoNameNoGenerateName_Is422()
    {
        var ns = await fx.NamespaceAsync("create");

        var response = await ApiAssert.NoWriteAsync(fx, () => fx.Client.PostAsync(ConfigMaps(ns), new JsonObject { ["data"] = new JsonObject() }));

        ApiAssert.Failure(response, 422, "Invalid", "metadata.name");
    }

    [Fact]
    public async Task Create_Existing_Is409AlreadyExists()
    {
        var ns = await fx.NamespaceAsync("create");
        Assert.Equal(201, (await fx.Client.PostAsync(ConfigMaps(ns), TestObjects.ConfigMap("twice", value: "first"))).Code);

        var response = await ApiAssert.NoWriteAsync(fx, () => fx.Client.PostAsync(ConfigMaps(ns), TestObjects.ConfigMap("twice", value: "second")));

        ApiAssert.Failure(response, 409, "AlreadyExists", "configmaps \"twice\" already exists");
        Assert.Equal("twice", ApiResponse.Str(response.Body!["details"]!["name"]));
        Assert.Equal("first", ApiResponse.Str((await fx.Client.GetAsync($"{ConfigMaps(ns)}/twice")).Object["data"]!["key"]));
    }

    [Fact]
    public async Task Create_NamespaceMismatch_Is400()
    {
        var ns = await fx.NamespaceAsync("create");
        var cm = TestObjects.ConfigMap("mismatch");
        cm["metadata"]!["namespace"] = "default";

        var response = await ApiAssert.NoWriteAsync(fx, () => fx.Client.PostAsync(ConfigMaps(ns), cm));

        ApiAssert.Failure(response, 400, "BadRequest", "namespace");
    }

    [Fact]
    public async Task Create_WrongApiVersion_Is400()
    {
        var ns = await fx.NamespaceAsync("create");
        var cm = TestObjects.ConfigMap("wrongversion");
        cm["apiVersion"] = "apps/v1";

        var response = await ApiAssert.NoWriteAsync(fx, () => fx.Client.PostAsync(ConfigMaps(ns), cm));

        ApiAssert.Failure(response, 400, "BadRequest", "apps/v1");
    }

    [Fact]
    public async Task Create_WrongKind_Is400()
    {
        var ns = await fx.NamespaceAsync("create");
        var cm = TestObjects.ConfigMap("wrongkind");
        cm["kind"] = "Secret";

        var response = await ApiAssert.NoWriteAsync(fx, () => fx.Client.PostAsync(ConfigMaps(ns), cm));

        ApiAssert.Failure(response, 400, "BadRequest", "Secret", "ConfigMap");
    }

    [Theory]
    [InlineData("{\"metadata\":{\"name\":\"x\"")]
    [InlineData("not json at all")]
    [InlineData("{\"metadata\":{\"name\":\"x\"}} trailing")]
    public async Task Create_MalformedJson_Is400(string body)
    {
        var ns = await fx.NamespaceAsync("create");

        var response = await ApiAssert.NoWriteAsync(fx, () => fx.Client.SendAsync(HttpMethod.Post, ConfigMaps(ns), body, ApiClient.Json));

        ApiAssert.Failure(response, 400, "BadRequest", "JSON");
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("[{\"metadata\":{\"name\":\"x\"}}]")]
    [InlineData("42")]
    [InlineData("\"text\"")]
    public async Task Create_NonObjectJson_Is400(string body)
    {
        var ns = await fx.NamespaceAsync("create");

        var response = await ApiAssert.NoWriteAsync(fx, () => fx.Client.SendAsync(HttpMethod.Post, ConfigMaps(ns), body, ApiClient.Json));

        ApiAssert.Failure(response, 400, "BadRequest", "object");
    }

    [Fact]
    public async Task Create_NullJson_Is400()
    {
        var ns = await fx.NamespaceAsync("create");

        var response = await ApiAssert.NoWriteAsync(fx, () => fx.Client.SendAsync(HttpMethod.Post, ConfigMaps(ns), "null", ApiClient.Json));

        ApiAssert.Failure(response, 400, "BadRequest");
    }

    [Fact]
    public async Task Create_EmptyBody_Is400()
    {
        var ns = await fx.NamespaceAsync("create");

        var response = await ApiAssert.NoWriteAsync(fx, () => fx.Client.SendAsync(HttpMethod.Post, ConfigMaps(ns), "", ApiClient.Json));

        ApiAssert.Failure(response, 400, "BadRequest", "empty");
    }

    [Fact]
    public async Task Create_YamlBody_Is201()
    {
        var ns = await fx.NamespaceAsync("create");
        const string Yaml = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-yaml\n  labels:\n    tier: \"1\"\ndata:\n  answer: \"42\"\n";

        var response = await fx.Client.SendAsync(HttpMethod.Post, ConfigMaps(ns), Yaml, "application/yaml");

        Assert.Equal(201, response.Code);
        Assert.Equal("from-yaml", response.Name);
        Assert.Equal("42", ApiResponse.Str(response.Object["data"]!["answer"]));
    }

    [Theory]
    [InlineData("metadata:\n  name: x\n bad-indent: [")]
    [InlineData("metadata: {name: x\n")]
    public async Task Create_MalformedYaml_Is400(string yaml)
    {
        var ns = await fx.NamespaceAsync("create");

        var response = await ApiAssert.NoWriteAsync(fx, () => fx.Client.SendAsync(HttpMethod.Post, ConfigMaps(ns), yaml, "application/yaml"));

        ApiAssert.Failure(response, 400, "BadRequest", "YAML");
    }

    [Fact]
    public async Task Create_BodyOver3MiB_Is413()
    {
        var ns = await fx.NamespaceAsync("create");
        var cm = TestObjects.ConfigMap("huge", value: new string('x', (3 * 1024 * 1024) + 10));

        // Expect: 100-continue lets the server refuse before the upload; without it a client
        // may see the connection close while it is still sending the 3 MiB.
        var response = await ApiAssert.NoWriteAsync(fx, () => fx.Client.SendAsync(HttpMethod.Post, ConfigMaps(ns), cm.ToJsonString(), ApiClient.Json, expectContinue: true));

        ApiAssert.Failure(response, 413, "RequestEntityTooLarge", "too large");
    }

    [Fact]
    public async Task Create_BodyJustUnder3MiB_IsAccepted()
    {
        var ns = await fx.NamespaceAsync("create");
        var cm = TestObjects.ConfigMap("big", value: new string('x', 1024 * 1024));

        var response = await fx.Client.PostAsync(ConfigMaps(ns), cm);

        Assert.Equal(201, response.Code);
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/xml")]
    [InlineData("application/merge-patch+json")]
    public async Task Create_WrongContentType_Is415(string contentType)
    {
        var ns = await fx.NamespaceAsync("create");

        var response = await ApiAssert.NoWriteAsync(fx, () => fx.Client.SendAsync(HttpMethod.Post, ConfigMaps(ns), TestObjects.ConfigMap("ct").ToJsonString(), contentType));

        ApiAssert.Failure(response, 415, "UnsupportedMediaType", contentType);
    }

    [Fact]
    public async Task Create_ResourceVersionSet_Is400()
    {
        var ns = await fx.NamespaceAsync("create");
        var cm = TestObjects.ConfigMap("withrv");
        cm["metadata"]!["resourceVersion"] = "12";

        var response = await ApiAssert.NoWriteAsync(fx, () => fx.Client.PostAsync(ConfigMaps(ns), cm));

        ApiAssert.Failure(response, 400, "BadRequest", "resourceVersion");
    }

    [Fact]
    public async Task Create_WrongValueType_Is400()
    {
        var ns = await fx.NamespaceAsync("create");
        var deployment = TestObjects.Deployment("badtype");
        deployment["spec"]!["replicas"] = "abc";

        var response = await ApiAssert.NoWriteAsync(fx, () => fx.Client.PostAsync($"/apis/apps/v1/namespaces/{ns}/deployments", deployment));

        ApiAssert.Failure(response, 400, "BadRequest", "Deployment", "replicas");
    }

    [Fact]
    public async Task Create_MetadataNotAnObject_Is400()
    {
        var ns = await fx.NamespaceAsync("create");

        var response = await ApiAssert.NoWriteAsync(fx, () => fx.Client.SendAsync(HttpMethod.Post, ConfigMaps(ns), "{\"metadata\":\"x\"}", ApiClient.Json));

        ApiAssert.Failure(response, 400, "BadRequest", "metadata");
    }

    [Fact]
    public async Task Create_UnknownFieldStrict_Is400()
    {
        var ns = await fx.NamespaceAsync("create");
        var deployment = TestObjects.Deployment("strict");
        deployment["spec"]!["replica"] = 3;

        var response = await ApiAssert.NoWriteAsync(fx, () => fx.Client.PostAsync($"/apis/apps/v1/namespaces/{ns}/deployments?fieldValidation=Strict", deployment));

        ApiAssert.Failure(response, 400, "BadRequest", "unknown field \"spec.replica\"");
    }

    [Fact]
    public async Task Create_UnknownFieldWarn_Is201WithWarningHeader()
    {
        var ns = await fx.NamespaceAsync("create");
        var deployment = TestObjects.Deployment("warn");
        deployment["spec"]!["replica"] = 3;

        var response = await fx.Client.PostAsync($"/apis/apps/v1/namespaces/{ns}/deployments?fieldValidation=Warn", deployment);

        Assert.Equal(201, response.Code);
        var warning = Assert.Single(response.Headers.GetValues("Warning"));
        Assert.StartsWith("299 ", warning, StringComparison.Ordinal);
        Assert.Contains("spec.replica", warning, StringComparison.Ordinal);
        Assert.Null(response.Object["spec"]!["replica"]);
    }

    [Fact]
    public async Task Create_UnknownFieldIgnore_Is201WithoutWarning()
    {
        var ns = await fx.NamespaceAsync("create");
        var deployment = TestObjects.Deployment("ignore");
        deployment["spec"]!["replica"] = 3;

        var response = await fx.Client.PostAsync($"/apis/apps/v1/namespaces/{ns}/deployments?fieldValidation=Ignore", deployment);

        Assert.Equal(201, response.Code);
        Assert.False(response.Headers.Contains("Warning"));
        Assert.Null(response.Object["spec"]!["replica"]);
        Assert.Null((await fx.Client.GetAsync($"/apis/apps/v1/namespaces/{ns}/deployments/ignore")).Object["spec"]!["replica"]);
    }

    [Fact]
    public async Task Create_BadFieldValidationValue_Is400()
    {
        var ns = await fx.NamespaceAsync("create");

        var response = await ApiAssert.NoWriteAsync(fx, () => fx.Client.PostAsync($"{ConfigMaps(ns)}?fieldValidation=Loud", TestObjects.ConfigMap("fv")));

        ApiAssert.Failure(response, 400, "BadRequest", "fieldValidation");
    }

    [Fact]
    public async Task Create_MissingNamespace_Is404()
    {
        var response = await ApiAssert.NoWriteAsync(fx, () => fx.Client.PostAsync(ConfigMaps("does-not-exist"), TestObjects.ConfigMap("orphan")));

        ApiAssert.Failure(response, 404, "NotFound", "namespaces \"does-not-exist\" not found");
    }

    [Fact]
    public async Task Create_TerminatingNamespace_Is403()
    {
        var ns = await fx.NamespaceAsync("create");
        var held = TestObjects.ConfigMap("held");
        held["metadata"]!["finalizers"] = new JsonArray("example.com/hold");
        Assert.Equal(201, (await fx.Client.PostAsync(ConfigMaps(ns), held)).Code);
        Assert.Equal(200, (await fx.Client.DeleteAsync($"/api/v1/namespaces/{ns}")).Code);

        var response = await fx.Client.PostAsync(ConfigMaps(ns), TestObjects.ConfigMap("late"));

        ApiAssert.Failure(response, 403, "Forbidden", "being terminated");
        Assert.Equal(404, (await fx.Client.GetAsync($"{ConfigMaps(ns)}/late")).Code);

        // Release the held object so the namespace could go.
        var patch = "{\"metadata\":{\"finalizers\":null}}";
        Assert.Equal(200, (await fx.Client.PatchAsync($"{ConfigMaps(ns)}/held", patch, ApiClient.MergePatch)).Code);

        // Best effort: wait for the deletion to finish so that later no-write checks in this
        // class do not see the cleanup's writes.
        for (var i = 0; i < 100 && (await fx.Client.GetAsync($"/api/v1/namespaces/{ns}")).Code != 404; i++)
        {
            await Task.Delay(100);
        }
    }

    [Fact]
    public async Task Create_DryRun_WritesNothing()
    {
        var ns = await fx.NamespaceAsync("create");

        var response = await ApiAssert.NoWriteAsync(fx, () => fx.Client.PostAsync($"{ConfigMaps(ns)}?dryRun=All", TestObjects.ConfigMap("dry")));

        Assert.Equal(201, response.Code);
        Assert.Equal("dry", response.Name);
        Assert.NotNull(response.Object["metadata"]!["uid"]);
        Assert.Equal(404, (await fx.Client.GetAsync($"{ConfigMaps(ns)}/dry")).Code);
    }

    [Fact]
    public async Task Create_BadDryRunValue_Is400()
    {
        var ns = await fx.NamespaceAsync("create");

        var response = await ApiAssert.NoWriteAsync(fx, () => fx.Client.PostAsync($"{ConfigMaps(ns)}?dryRun=Some", TestObjects.ConfigMap("dry")));

        ApiAssert.Failure(response, 400, "BadRequest", "dryRun");
    }

    [Fact]
    public async Task Create_ClusterScopedWithNamespaceInBody_DropsNamespace()
    {
        var name = $"cluster-{Guid.NewGuid():N}"[..20];
        var body = new JsonObject { ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = "default" } };

        var response = await fx.Client.PostAsync("/api/v1/namespaces", body);

        Assert.Equal(201, response.Code);
        Assert.Null(response.Object["metadata"]!["namespace"]);
    }

    [Theory]
    [InlineData("{\"metadata\":{\"name\":\"dup\",\"name\":\"dup2\"}}")]
    [InlineData("{\"metadata\":{\"name\":\"dup\"},\"data\":{\"k\":\"1\"},\"data\":{\"k\":\"2\"}}")]
    public async Task Create_DuplicateJsonKeys_Is400(string body)
    {
        var ns = await fx.NamespaceAsync("create");

        var response = await ApiAssert.NoWriteAsync(fx, () => fx.Client.SendAsync(HttpMethod.Post, ConfigMaps(ns), body, ApiClient.Json));

        ApiAssert.Failure(response, 400, "BadRequest", "Duplicate");
    }
}
