using System.Text.Json.Nodes;
using Timonel.Testing;
using Xunit;

namespace Timonel.ApiServer.Tests.Api;

/// <summary>
/// HorizontalPodAutoscalers in autoscaling/v1: stored in v2, every v1 read a conversion of the
/// stored object and every v1 write converted to v2 first, as upstream 1.33.
/// </summary>
public sealed class HorizontalPodAutoscalerV1Tests(ApiServerFixture fx) : IClassFixture<ApiServerFixture>
{
    private const string MetricsAnnotation = "autoscaling.alpha.kubernetes.io/metrics";
    private const string BehaviorAnnotation = "autoscaling.alpha.kubernetes.io/behavior";

    internal static string V1Path(string ns) => $"/apis/autoscaling/v1/namespaces/{ns}/horizontalpodautoscalers";

    internal static string V2Path(string ns) => $"/apis/autoscaling/v2/namespaces/{ns}/horizontalpodautoscalers";

    internal static JsonObject V1Hpa(string name, int? cpu = 60, int max = 5)
    {
        var spec = new JsonObject
        {
            ["scaleTargetRef"] = new JsonObject { ["apiVersion"] = "apps/v1", ["kind"] = "Deployment", ["name"] = name },
            ["minReplicas"] = 1,
            ["maxReplicas"] = max,
        };
        if (cpu is not null)
        {
            spec["targetCPUUtilizationPercentage"] = cpu;
        }

        return new JsonObject
        {
            ["apiVersion"] = "autoscaling/v1",
            ["kind"] = "HorizontalPodAutoscaler",
            ["metadata"] = new JsonObject { ["name"] = name },
            ["spec"] = spec,
        };
    }

    internal static JsonObject V2Hpa(string name) => JsonNode.Parse("""
        {"apiVersion":"autoscaling/v2","kind":"HorizontalPodAutoscaler","metadata":{"name":"@NAME","labels":{"app":"@NAME"}},
         "spec":{"scaleTargetRef":{"apiVersion":"apps/v1","kind":"Deployment","name":"@NAME"},"minReplicas":1,"maxReplicas":7,
           "metrics":[
             {"type":"Resource","resource":{"name":"memory","target":{"type":"AverageValue","averageValue":"100Mi"}}},
             {"type":"Pods","pods":{"metric":{"name":"qps"},"target":{"type":"AverageValue","averageValue":"10"}}},
             {"type":"Resource","resource":{"name":"cpu","target":{"type":"Utilization","averageUtilization":50}}}],
           "behavior":{"scaleDown":{"stabilizationWindowSeconds":60,"selectPolicy":"Max","policies":[{"type":"Pods","value":1,"periodSeconds":30}]}}}}
        """.Replace("@NAME", name, StringComparison.Ordinal))!.AsObject();

    [Fact]
    public async Task CreateV1_ReadV2_TargetIsACpuUtilizationMetric()
    {
        var ns = await fx.NamespaceAsync("hpa-v1");

        var created = await fx.Client.PostAsync(V1Path(ns), V1Hpa("web"));
        var v2 = await fx.Client.GetAsync($"{V2Path(ns)}/web");
        var v1 = await fx.Client.GetAsync($"{V1Path(ns)}/web");

        ApiAssert.Code(201, created);
        Assert.Equal("autoscaling/v1", ApiResponse.Str(created.Object["apiVersion"]));
        Assert.Equal(60, (int?)created.Object["spec"]!["targetCPUUtilizationPercentage"]);
        ApiAssert.Code(200, v2);
        Assert.Equal("autoscaling/v2", ApiResponse.Str(v2.Object["apiVersion"]));
        Assert.Equal(
            """[{"type":"Resource","resource":{"name":"cpu","target":{"type":"Utilization","averageUtilization":60}}}]""",
            v2.Object["spec"]!["metrics"]!.ToJsonString());
        Assert.Null(v2.Object["metadata"]!["annotations"]);
        ApiAssert.Code(200, v1);
        Assert.Equal("autoscaling/v1", ApiResponse.Str(v1.Object["apiVersion"]));
        Assert.Equal(60, (int?)v1.Object["spec"]!["targetCPUUtilizationPercentage"]);
        Assert.Null(v1.Object["spec"]!["metrics"]);
        Assert.Equal(v2.ResourceVersion, v1.ResourceVersion);
    }

    [Fact]
    public async Task CreateV2_ReadV1AndPutItBack_LosesNoMetricOrBehavior()
    {
        var ns = await fx.NamespaceAsync("hpa-v1");
        ApiAssert.Code(201, await fx.Client.PostAsync(V2Path(ns), V2Hpa("web")));
        var before = (await fx.Client.GetAsync($"{V2Path(ns)}/web")).Object;

        var v1 = await fx.Client.GetAsync($"{V1Path(ns)}/web");
        var edited = v1.Object.DeepClone().AsObject();
        edited["spec"]!["maxReplicas"] = 8;
        var put = await fx.Client.PutAsync($"{V1Path(ns)}/web", edited);
        var after = (await fx.Client.GetAsync($"{V2Path(ns)}/web")).Object;

        ApiAssert.Code(200, v1);
        Assert.Equal(50, (int?)v1.Object["spec"]!["targetCPUUtilizationPercentage"]);
        var annotations = v1.Object["metadata"]!["annotations"]!.AsObject();
        Assert.Contains("\"targetAverageValue\":\"100Mi\"", ApiResponse.Str(annotations[MetricsAnnotation]), StringComparison.Ordinal);
        Assert.Contains("\"stabilizationWindowSeconds\":60", ApiResponse.Str(annotations[BehaviorAnnotation]), StringComparison.Ordinal);
        ApiAssert.Code(200, put);
        Assert.Equal("autoscaling/v1", ApiResponse.Str(put.Object["apiVersion"]));
        Assert.Equal(8, (int?)after["spec"]!["maxReplicas"]);
        Assert.True(JsonNode.DeepEquals(before["spec"]!["metrics"], after["spec"]!["metrics"]), after.ToJsonString());
        Assert.True(JsonNode.DeepEquals(before["spec"]!["behavior"], after["spec"]!["behavior"]), after.ToJsonString());
        Assert.Null(after["metadata"]!["annotations"]);
    }

    [Theory]
    [InlineData(ApiClient.MergePatch, """{"spec":{"targetCPUUtilizationPercentage":70}}""")]
    [InlineData(ApiClient.StrategicPatch, """{"spec":{"targetCPUUtilizationPercentage":70}}""")]
    [InlineData(ApiClient.JsonPatch, """[{"op":"replace","path":"/spec/targetCPUUtilizationPercentage","value":70}]""")]
    public async Task PatchV1_CpuTarget_ChangesTheCpuMetricAndKeepsTheOthers(string contentType, string patch)
    {
        var ns = await fx.NamespaceAsync("hpa-patch");
        ApiAssert.Code(201, await fx.Client.PostAsync(V2Path(ns), V2Hpa("web")));

        var patched = await fx.Client.PatchAsync($"{V1Path(ns)}/web", patch, contentType);
        var v2 = (await fx.Client.GetAsync($"{V2Path(ns)}/web")).Object;

        ApiAssert.Code(200, patched);
        Assert.Equal("autoscaling/v1", ApiResponse.Str(patched.Object["apiVersion"]));
        Assert.Equal(70, (int?)patched.Object["spec"]!["targetCPUUtilizationPercentage"]);
        var metrics = v2["spec"]!["metrics"]!.AsArray();
        Assert.Equal(["memory", "Pods", "cpu"], metrics.Select(m => ApiResponse.Str(m!["resource"]?["name"]) ?? ApiResponse.Str(m!["type"])));
        Assert.Equal(70, (int?)metrics[2]!["resource"]!["target"]!["averageUtilization"]);
        Assert.NotNull(v2["spec"]!["behavior"]);
    }

    [Fact]
    public async Task StatusV1_CurrentCpu_IsStoredAsACurrentMetric()
    {
        var ns = await fx.NamespaceAsync("hpa-status");
        ApiAssert.Code(201, await fx.Client.PostAsync(V1Path(ns), V1Hpa("web")));

        var patched = await fx.Client.PatchAsync($"{V1Path(ns)}/web/status",
            """{"status":{"currentReplicas":2,"desiredReplicas":3,"currentCPUUtilizationPercentage":45}}""", ApiClient.MergePatch);
        var v2 = (await fx.Client.GetAsync($"{V2Path(ns)}/web")).Object;

        ApiAssert.Code(200, patched);
        Assert.Equal(45, (int?)patched.Object["status"]!["currentCPUUtilizationPercentage"]);
        Assert.Equal(3, (int?)v2["status"]!["desiredReplicas"]);
        Assert.Equal(45, (int?)v2["status"]!["currentMetrics"]![0]!["resource"]!["current"]!["averageUtilization"]);
    }

    [Fact]
    public async Task DeleteV1_ReturnsTheV1Object()
    {
        var ns = await fx.NamespaceAsync("hpa-delete");
        ApiAssert.Code(201, await fx.Client.PostAsync(V2Path(ns), V2Hpa("web")));

        var deleted = await fx.Client.DeleteAsync($"{V1Path(ns)}/web");

        ApiAssert.Code(200, deleted);
        Assert.Equal("autoscaling/v1", ApiResponse.Str(deleted.Object["apiVersion"]));
        Assert.Equal(50, (int?)deleted.Object["spec"]!["targetCPUUtilizationPercentage"]);
        ApiAssert.Code(404, await fx.Client.GetAsync($"{V2Path(ns)}/web"));
    }

    [Fact]
    public async Task CreateV1_ZeroCpuTarget_Is422AndWritesNothing()
    {
        var ns = await fx.NamespaceAsync("hpa-bad");

        // Upstream validates the converted object: the path is the v2 metric's.
        var response = await ApiAssert.NoWriteAsync(fx, () => fx.Client.PostAsync(V1Path(ns), V1Hpa("web", cpu: 0)));

        ApiAssert.Failure(response, 422, "Invalid", "spec.metrics[0].resource.target.averageUtilization", "must be greater than 0");
        ApiAssert.Code(404, await fx.Client.GetAsync($"{V1Path(ns)}/web"));
    }

    [Fact]
    public async Task CreateV1_MaxBelowMin_Is422()
    {
        var ns = await fx.NamespaceAsync("hpa-bad");

        var response = await ApiAssert.NoWriteAsync(fx, () => fx.Client.PostAsync(V1Path(ns), V1Hpa("web", max: 0)));

        ApiAssert.Failure(response, 422, "Invalid", "spec.maxReplicas");
    }

    [Fact]
    public async Task CreateV1_CpuTargetOfTheWrongType_Is400NamingTheV1Field()
    {
        var ns = await fx.NamespaceAsync("hpa-bad");
        var body = V1Hpa("web");
        body["spec"]!["targetCPUUtilizationPercentage"] = "high";

        var response = await ApiAssert.NoWriteAsync(fx, () => fx.Client.PostAsync(V1Path(ns), body));

        ApiAssert.Failure(response, 400, "BadRequest", "targetCPUUtilizationPercentage");
    }

    [Fact]
    public async Task CreateV1_V2ApiVersionInTheBody_Is400()
    {
        var ns = await fx.NamespaceAsync("hpa-bad");
        var body = V1Hpa("web");
        body["apiVersion"] = "autoscaling/v2";

        var response = await ApiAssert.NoWriteAsync(fx, () => fx.Client.PostAsync(V1Path(ns), body));

        ApiAssert.Failure(response, 400, "BadRequest", "autoscaling/v1");
    }

    [Fact]
    public async Task TableV1_Hpa_HasTheV2Columns()
    {
        var ns = await fx.NamespaceAsync("hpa-table");
        ApiAssert.Code(201, await fx.Client.PostAsync(V2Path(ns), V2Hpa("web")));
        const string table = "application/json;as=Table;v=v1;g=meta.k8s.io";

        var v1 = await fx.Client.GetAsync($"{V1Path(ns)}?includeObject=Object", table);
        var v2 = await fx.Client.GetAsync($"{V2Path(ns)}?includeObject=Object", table);

        ApiAssert.Code(200, v1);
        Assert.Equal("Table", v1.Kind);
        // Age is computed at each request and may cross a second between the two reads.
        Assert.Equal(CellsWithoutAge(v2.Object), CellsWithoutAge(v1.Object));
        Assert.Equal("autoscaling/v1", ApiResponse.Str(v1.Object["rows"]![0]!["object"]!["apiVersion"]));
        Assert.Equal(50, (int?)v1.Object["rows"]![0]!["object"]!["spec"]!["targetCPUUtilizationPercentage"]);
    }

    [Fact]
    public async Task Discovery_Autoscaling_ServesV1AndPrefersV2()
    {
        var group = await fx.Client.GetAsync("/apis/autoscaling");
        var v1 = await fx.Client.GetAsync("/apis/autoscaling/v1");

        ApiAssert.Code(200, group);
        Assert.Equal(["autoscaling/v2", "autoscaling/v1"], group.Object["versions"]!.AsArray().Select(v => ApiResponse.Str(v!["groupVersion"])));
        Assert.Equal("autoscaling/v2", ApiResponse.Str(group.Object["preferredVersion"]!["groupVersion"]));
        ApiAssert.Code(200, v1);
        var names = v1.Object["resources"]!.AsArray().Select(r => ApiResponse.Str(r!["name"])).ToList();
        Assert.Contains("horizontalpodautoscalers", names);
        Assert.Contains("horizontalpodautoscalers/status", names);
    }

    [Fact]
    public async Task OpenApiV3_AutoscalingV1_DescribesTheV1Kind()
    {
        var doc = await fx.Client.GetAsync("/openapi/v3/apis/autoscaling/v1");

        ApiAssert.Code(200, doc);
        var schemas = doc.Object["components"]!["schemas"]!.AsObject();
        Assert.True(schemas.ContainsKey("io.k8s.api.autoscaling.v1.HorizontalPodAutoscaler"), string.Join(", ", schemas.Select(s => s.Key)));
        Assert.NotNull(schemas["io.k8s.api.autoscaling.v1.HorizontalPodAutoscalerSpec"]!["properties"]!["targetCPUUtilizationPercentage"]);
    }

    private KubectlRunner Kubectl() => new(KubectlRunner.Latest, fx.Host.KubeconfigPath, Directory.CreateTempSubdirectory("hpa-home-").FullName);

    [Fact]
    public async Task KubectlGetHpaV1_Yaml_ShowsTheV1View()
    {
        var ns = await fx.NamespaceAsync("hpa-kubectl");
        ApiAssert.Code(201, await fx.Client.PostAsync(V2Path(ns), V2Hpa("web")));

        // kubectl 1.33 expands a short name to its group's preferred version (it asks for
        // "hpa.v1.autoscaling" at autoscaling/v2, whatever the server), so the v1 view is asked for by the full name.
        var run = await Kubectl().RunAsync(["get", "-n", ns, "horizontalpodautoscalers.v1.autoscaling", "web", "-o", "yaml", "-v=6"]);
        var table = await Kubectl().RunAsync(["get", "-n", ns, "horizontalpodautoscalers.v1.autoscaling"]);
        var shortName = await Kubectl().RunAsync(["get", "-n", ns, "hpa.v1.autoscaling", "web", "-o", "yaml"]);

        Assert.True(run.ExitCode == 0, run.Stderr);
        Assert.Contains("/apis/autoscaling/v1/namespaces/", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("apiVersion: autoscaling/v1", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("targetCPUUtilizationPercentage: 50", run.Stdout, StringComparison.Ordinal);
        Assert.Contains(MetricsAnnotation, run.Stdout, StringComparison.Ordinal);
        Assert.True(table.ExitCode == 0, table.Stderr);
        var lines = table.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["NAME", "REFERENCE", "TARGETS", "MINPODS", "MAXPODS", "REPLICAS", "AGE"], lines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("web", lines[1], StringComparison.Ordinal);
        Assert.True(shortName.ExitCode == 0, shortName.Stderr);
        Assert.Contains("name: web", shortName.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task KubectlApply_V1Manifest_CreatesAndThenUpdates()
    {
        var ns = await fx.NamespaceAsync("hpa-apply");
        var kubectl = Kubectl();
        string Manifest(int cpu) => $"""
            apiVersion: autoscaling/v1
            kind: HorizontalPodAutoscaler
            metadata:
              name: web
              namespace: {ns}
            spec:
              scaleTargetRef:
                apiVersion: apps/v1
                kind: Deployment
                name: web
              minReplicas: 1
              maxReplicas: 4
              targetCPUUtilizationPercentage: {cpu}
            """;

        var first = await kubectl.RunAsync(["apply", "-f", "-"], stdin: Manifest(40));
        var second = await kubectl.RunAsync(["apply", "-f", "-"], stdin: Manifest(55));
        var v2 = await fx.Client.GetAsync($"{V2Path(ns)}/web");

        Assert.True(first.ExitCode == 0, first.Stderr);
        Assert.Contains("created", first.Stdout, StringComparison.Ordinal);
        Assert.True(second.ExitCode == 0, second.Stderr);
        Assert.Contains("configured", second.Stdout, StringComparison.Ordinal);
        ApiAssert.Code(200, v2);
        Assert.Equal(55, (int?)v2.Object["spec"]!["metrics"]![0]!["resource"]!["target"]!["averageUtilization"]);
    }

    [Fact]
    public async Task KubectlAutoscale_Deployment_ReadsBackThroughV1()
    {
        var ns = await fx.NamespaceAsync("hpa-autoscale");
        ApiAssert.Code(201, await fx.Client.PostAsync($"/apis/apps/v1/namespaces/{ns}/deployments", TestObjects.Deployment("web")));

        var run = await Kubectl().RunAsync(["autoscale", "-n", ns, "deployment", "web", "--min=2", "--max=6", "--cpu-percent=75"]);
        var v1 = await fx.Client.GetAsync($"{V1Path(ns)}/web");

        Assert.True(run.ExitCode == 0, run.Stderr);
        ApiAssert.Code(200, v1);
        Assert.Equal(75, (int?)v1.Object["spec"]!["targetCPUUtilizationPercentage"]);
        Assert.Equal(6, (int?)v1.Object["spec"]!["maxReplicas"]);
        Assert.Equal("Deployment", ApiResponse.Str(v1.Object["spec"]!["scaleTargetRef"]!["kind"]));
    }

    [Fact]
    public async Task KubectlExplain_HpaV1_DescribesTheV1Field()
    {
        var run = await Kubectl().RunAsync(["explain", "hpa.spec", "--api-version=autoscaling/v1"]);

        Assert.True(run.ExitCode == 0, run.Stderr);
        Assert.Contains("targetCPUUtilizationPercentage", run.Stdout, StringComparison.Ordinal);
    }

    private static string CellsWithoutAge(System.Text.Json.Nodes.JsonObject table)
    {
        var columns = table["columnDefinitions"]!.AsArray();
        var age = columns.Select((c, i) => (Name: (string?)c!["name"], Index: i)).Single(c => c.Name == "Age").Index;
        var cells = table["rows"]![0]!["cells"]!.AsArray().Select(c => c?.ToJsonString()).ToList();
        cells.RemoveAt(age);
        return string.Join(",", cells);
    }
}
