using System.Text.Json.Nodes;
using Timonel.ApiServer.Tests.Api;
using Timonel.Testing;
using Xunit;

namespace Timonel.ApiServer.Tests.Audit;

/// <summary>A server auditing with --audit-policy-file: secrets at Metadata, service accounts at Request, config maps at RequestResponse without RequestReceived, the rest not at all.</summary>
public sealed class AuditPolicyFixture : ApiServerFixture
{
    private readonly string _dir = Directory.CreateTempSubdirectory("timonel-audit-policy-").FullName;

    public string AuditLogPath => Path.Combine(_dir, "audit.log");

    protected override ApiServerOptions Configure(ApiServerOptions options)
    {
        var policy = Path.Combine(_dir, "policy.yaml");
        File.WriteAllText(policy, """
            apiVersion: audit.k8s.io/v1
            kind: Policy
            rules:
            - level: Metadata
              resources:
              - group: ""
                resources: ["secrets"]
            - level: Request
              resources:
              - group: ""
                resources: ["serviceaccounts"]
            - level: RequestResponse
              omitStages: ["RequestReceived"]
              resources:
              - group: ""
                resources: ["configmaps"]
            - level: None
            """);
        return options with { AuditLogPath = AuditLogPath, AuditPolicyFile = policy };
    }
}

public sealed class AuditPolicyLogTests(AuditPolicyFixture fx) : IClassFixture<AuditPolicyFixture>
{
    [Fact]
    public async Task Secret_MetadataLevel_BothStagesWithoutItsData()
    {
        var ns = await fx.NamespaceAsync("audit-secret");
        var secret = new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Secret",
            ["metadata"] = new JsonObject { ["name"] = "db" },
            ["stringData"] = new JsonObject { ["password"] = "hunter2-plain" },
            ["data"] = new JsonObject { ["token"] = Convert.ToBase64String("s3cr3t-token"u8.ToArray()) },
        };
        var created = await fx.Client.PostAsync($"/api/v1/namespaces/{ns}/secrets", secret);
        ApiAssert.Code(201, created);
        var auditId = Assert.Single(created.Headers.GetValues("Audit-Id"));

        var lines = await LinesAsync(auditId, 2);

        Assert.Equal(["RequestReceived", "ResponseComplete"], lines.Select(l => (string?)JsonNode.Parse(l)!["stage"]));
        Assert.All(lines, l => Assert.Equal("Metadata", (string?)JsonNode.Parse(l)!["level"]));
        Assert.Null(JsonNode.Parse(lines[0])!["responseStatus"]);
        Assert.Equal(201, (int?)JsonNode.Parse(lines[1])!["responseStatus"]!["code"]);
        foreach (var line in lines)
        {
            Assert.DoesNotContain("hunter2-plain", line, StringComparison.Ordinal);
            Assert.DoesNotContain(secret["data"]!["token"]!.GetValue<string>(), line, StringComparison.Ordinal);
            Assert.DoesNotContain("s3cr3t-token", line, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task ServiceAccount_RequestLevel_RequestBodyButNoResponseBody()
    {
        var ns = await fx.NamespaceAsync("audit-sa");
        var created = await fx.Client.PostAsync($"/api/v1/namespaces/{ns}/serviceaccounts", new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "ServiceAccount",
            ["metadata"] = new JsonObject { ["name"] = "robot", ["labels"] = new JsonObject { ["marker"] = "in-request" } },
        });
        ApiAssert.Code(201, created);

        var complete = JsonNode.Parse((await LinesAsync(Assert.Single(created.Headers.GetValues("Audit-Id")), 2))[1])!;

        Assert.Equal("Request", (string?)complete["level"]);
        Assert.Equal("in-request", (string?)complete["requestObject"]!["metadata"]!["labels"]!["marker"]);
        Assert.Null(complete["responseObject"]);
    }

    [Fact]
    public async Task ConfigMapFromKubectl_RequestResponseLevel_BothBodiesAndOmittedStage()
    {
        var ns = await fx.NamespaceAsync("audit-cm");
        var kubectl = new KubectlRunner(KubectlRunner.Latest, fx.Host.KubeconfigPath, Directory.CreateTempSubdirectory("audit-policy-home-").FullName);
        // kubectl 1.33 sends built-in kinds as protobuf: the event still holds the object as JSON.
        var run = await kubectl.RunAsync(["create", "configmap", "settings", "-n", ns, "--from-literal=color=blue"]);
        Assert.True(run.ExitCode == 0, run.Stderr);

        var events = await Eventually.WaitAsync(
            async _ => (await ReadAsync()).Where(e => (string?)e["verb"] == "create" && (string?)e["objectRef"]?["namespace"] == ns && (string?)e["objectRef"]?["resource"] == "configmaps").ToList() is { Count: > 0 } found ? found : null,
            TimeSpan.FromSeconds(10),
            "the configmap create's audit event");

        var complete = Assert.Single(events);
        Assert.Equal("ResponseComplete", (string?)complete["stage"]);
        Assert.Equal("RequestResponse", (string?)complete["level"]);
        Assert.Equal("blue", (string?)complete["requestObject"]!["data"]!["color"]);
        Assert.Equal("blue", (string?)complete["responseObject"]!["data"]!["color"]);
        Assert.NotNull(complete["responseObject"]!["metadata"]!["uid"]);
    }

    [Fact]
    public async Task Watch_LongRunning_ResponseStartedWhileOpenThenResponseComplete()
    {
        var ns = await fx.NamespaceAsync("audit-watch");
        var get = await fx.Client.GetAsync($"/api/v1/namespaces/{ns}/configmaps");
        var getLines = await LinesAsync(Assert.Single(get.Headers.GetValues("Audit-Id")), 1);

        var watch = await fx.Client.GetAsync($"/api/v1/namespaces/{ns}/configmaps?watch=true&timeoutSeconds=1");

        ApiAssert.Code(200, watch);
        var lines = await LinesAsync(Assert.Single(watch.Headers.GetValues("Audit-Id")), 2);
        Assert.Equal(["ResponseStarted", "ResponseComplete"], lines.Select(l => (string?)JsonNode.Parse(l)!["stage"]));
        Assert.Equal("watch", (string?)JsonNode.Parse(lines[0])!["verb"]);
        Assert.Equal(200, (int?)JsonNode.Parse(lines[0])!["responseStatus"]!["code"]);
        // A plain list is not long-running: its only event (RequestReceived is omitted here) is ResponseComplete.
        Assert.Equal(["ResponseComplete"], getLines.Select(l => (string?)JsonNode.Parse(l)!["stage"]));
    }

    [Fact]
    public async Task UnmatchedResource_LevelNone_NothingWritten()
    {
        var ns = await fx.NamespaceAsync("audit-none");
        var hidden = await fx.Client.GetAsync($"/api/v1/namespaces/{ns}/pods");
        var hiddenId = Assert.Single(hidden.Headers.GetValues("Audit-Id"));
        // A later audited request: once it is in the log, the earlier one would be too.
        var seen = await fx.Client.GetAsync($"/api/v1/namespaces/{ns}/secrets/absent");
        await LinesAsync(Assert.Single(seen.Headers.GetValues("Audit-Id")), 2);

        Assert.DoesNotContain(await File.ReadAllLinesAsync(fx.AuditLogPath), l => l.Contains(hiddenId, StringComparison.Ordinal));
    }

    [Fact]
    public async Task StartAsync_InvalidPolicy_ServerRefusesToStartNamingTheField()
    {
        var dir = Directory.CreateTempSubdirectory("timonel-audit-badpolicy-").FullName;
        var policy = Path.Combine(dir, "policy.yaml");
        await File.WriteAllTextAsync(policy, "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Everything\n");
        var log = Path.Combine(dir, "audit.log");
        var options = new ApiServerOptions { DataDir = dir, Port = 1, AuditLogPath = log, AuditPolicyFile = policy };

        var error = await Record.ExceptionAsync(() => ApiServerHost.StartAsync(options, _ => Task.FromResult<Storage.IStore>(new Storage.Memory.MemoryStore()), Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance, CancellationToken.None));

        var bad = Assert.IsType<ArgumentException>(error);
        Assert.Contains(policy, bad.Message, StringComparison.Ordinal);
        Assert.Contains("rules[0].level: Unsupported value: \"Everything\"", bad.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(log));
    }

    private async Task<List<JsonObject>> ReadAsync() =>
        File.Exists(fx.AuditLogPath) ? [.. (await File.ReadAllLinesAsync(fx.AuditLogPath)).Select(l => JsonNode.Parse(l)!.AsObject())] : [];

    /// <summary>The log lines of one request, once <paramref name="count"/> of them are there.</summary>
    private Task<List<string>> LinesAsync(string auditId, int count) =>
        Eventually.WaitAsync(
            async _ => File.Exists(fx.AuditLogPath) && (await File.ReadAllLinesAsync(fx.AuditLogPath)).Where(l => (string?)JsonNode.Parse(l)!["auditID"] == auditId).ToList() is { } lines && lines.Count >= count ? lines : null,
            TimeSpan.FromSeconds(10),
            $"{count} audit events of {auditId}");
}
