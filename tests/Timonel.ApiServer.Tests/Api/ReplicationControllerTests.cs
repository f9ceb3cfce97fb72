using System.Text.Json.Nodes;
using Timonel.Testing;
using Xunit;

namespace Timonel.ApiServer.Tests.Api;

/// <summary>core/v1 ReplicationControllers: upstream's defaulting and validation, the scale subresource, and kubectl scale / expose.</summary>
public sealed class ReplicationControllerTests(ApiServerFixture fx) : IClassFixture<ApiServerFixture>
{
    private static JsonObject Rc(string name, JsonObject? selector, string appLabel = "web") => new()
    {
        ["apiVersion"] = "v1",
        ["kind"] = "ReplicationController",
        ["metadata"] = new JsonObject { ["name"] = name },
        ["spec"] = new JsonObject
        {
            ["selector"] = selector,
            ["template"] = new JsonObject
            {
                ["metadata"] = new JsonObject { ["labels"] = new JsonObject { ["app"] = appLabel } },
                ["spec"] = new JsonObject { ["containers"] = new JsonArray(new JsonObject { ["name"] = "c", ["image"] = "nginx:1.27" }) },
            },
        },
    };

    private KubectlRunner Kubectl() => new(KubectlRunner.Latest, fx.Host.KubeconfigPath, Directory.CreateTempSubdirectory("rc-home-").FullName);

    [Fact]
    public async Task Create_NoSelector_DefaultsSelectorLabelsAndReplicasFromTemplate()
    {
        var ns = await fx.NamespaceAsync("rc-defaults");

        var created = await fx.Client.PostAsync($"/api/v1/namespaces/{ns}/replicationcontrollers", Rc("web", null));

        ApiAssert.Code(201, created);
        Assert.Equal("web", ApiResponse.Str(created.Object["spec"]!["selector"]!["app"]));
        Assert.Equal("web", ApiResponse.Str(created.Object["metadata"]!["labels"]!["app"]));
        Assert.Equal(1, created.Object["spec"]!["replicas"]!.GetValue<int>());
        Assert.Equal(0, created.Object["status"]!["replicas"]!.GetValue<int>());
    }

    [Fact]
    public async Task Create_SelectorNotMatchingTemplate_Is422AndNothingWritten()
    {
        var ns = await fx.NamespaceAsync("rc-invalid");

        var refused = await fx.Client.PostAsync($"/api/v1/namespaces/{ns}/replicationcontrollers", Rc("web", new JsonObject { ["app"] = "other" }));

        ApiAssert.Code(422, refused);
        Assert.Contains("spec.template.metadata.labels: Invalid value", ApiResponse.Str(refused.Object["message"]), StringComparison.Ordinal);
        Assert.Contains("`selector` does not match template `labels`", ApiResponse.Str(refused.Object["message"]), StringComparison.Ordinal);
        ApiAssert.Code(404, await fx.Client.GetAsync($"/api/v1/namespaces/{ns}/replicationcontrollers/web"));
    }

    [Fact]
    public async Task Create_RestartPolicyNever_Is422()
    {
        var ns = await fx.NamespaceAsync("rc-restart");
        var rc = Rc("web", null);
        rc["spec"]!["template"]!["spec"]!["restartPolicy"] = "Never";

        var refused = await fx.Client.PostAsync($"/api/v1/namespaces/{ns}/replicationcontrollers", rc);

        ApiAssert.Code(422, refused);
        Assert.Contains("spec.template.spec.restartPolicy: Unsupported value: \"Never\"", ApiResponse.Str(refused.Object["message"]), StringComparison.Ordinal);
        ApiAssert.Code(404, await fx.Client.GetAsync($"/api/v1/namespaces/{ns}/replicationcontrollers/web"));
    }

    [Fact]
    public async Task Scale_Get_ReportsTheMapSelector()
    {
        var ns = await fx.NamespaceAsync("rc-scale");
        ApiAssert.Code(201, await fx.Client.PostAsync($"/api/v1/namespaces/{ns}/replicationcontrollers", Rc("web", new JsonObject { ["app"] = "web" })));

        var scale = await fx.Client.GetAsync($"/api/v1/namespaces/{ns}/replicationcontrollers/web/scale");

        ApiAssert.Code(200, scale);
        Assert.Equal("Scale", scale.Kind);
        Assert.Equal("app=web", ApiResponse.Str(scale.Object["status"]!["selector"]));
        Assert.Equal(1, scale.Object["spec"]!["replicas"]!.GetValue<int>());
    }

    [Fact]
    public async Task KubectlScaleAndExpose_Rc_ChangeReplicasAndCreateAServiceWithItsSelector()
    {
        var ns = await fx.NamespaceAsync("rc-kubectl");
        ApiAssert.Code(201, await fx.Client.PostAsync($"/api/v1/namespaces/{ns}/replicationcontrollers", Rc("web", null)));
        var kubectl = Kubectl();

        var scaled = await kubectl.RunAsync(["scale", "-n", ns, "rc", "web", "--replicas=4"]);
        var exposed = await kubectl.RunAsync(["expose", "-n", ns, "rc", "web", "--port", "80"]);
        var table = await kubectl.RunAsync(["get", "-n", ns, "rc", "-o", "wide"]);

        Assert.True(scaled.ExitCode == 0, scaled.Stderr);
        Assert.Equal(4, (await fx.Client.GetAsync($"/api/v1/namespaces/{ns}/replicationcontrollers/web")).Object["spec"]!["replicas"]!.GetValue<int>());
        Assert.True(exposed.ExitCode == 0, exposed.Stderr);
        var svc = await fx.Client.GetAsync($"/api/v1/namespaces/{ns}/services/web");
        ApiAssert.Code(200, svc);
        Assert.Equal("web", ApiResponse.Str(svc.Object["spec"]!["selector"]!["app"]));
        Assert.Equal(80, svc.Object["spec"]!["ports"]![0]!["port"]!.GetValue<int>());
        Assert.True(table.ExitCode == 0, table.Stderr);
        var lines = table.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["NAME", "DESIRED", "CURRENT", "READY", "AGE", "CONTAINERS", "IMAGES", "SELECTOR"], lines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("web", lines[1], StringComparison.Ordinal);
        Assert.EndsWith("app=web", lines[1].TrimEnd(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task KubectlExplain_RcSpec_DescribesTheFields()
    {
        var explained = await Kubectl().RunAsync(["explain", "rc.spec"]);

        Assert.True(explained.ExitCode == 0, explained.Stderr);
        Assert.Contains("KIND:       ReplicationController", explained.Stdout, StringComparison.Ordinal);
        Assert.Contains("selector", explained.Stdout, StringComparison.Ordinal);
        Assert.Contains("template", explained.Stdout, StringComparison.Ordinal);
    }
}
