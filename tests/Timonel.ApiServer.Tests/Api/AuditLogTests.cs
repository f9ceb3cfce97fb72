using System.Text.Json.Nodes;
using Timonel.Testing;
using Xunit;

namespace Timonel.ApiServer.Tests.Api;

/// <summary>A server writing an audit log (--audit-log-path).</summary>
public sealed class AuditLogFixture : ApiServerFixture
{
    public string AuditLogPath { get; } = Path.Combine(Directory.CreateTempSubdirectory("timonel-audit-").FullName, "audit.log");

    protected override ApiServerOptions Configure(ApiServerOptions options) => options with { AuditLogPath = AuditLogPath };
}

/// <summary>
/// The audit log holds one audit.k8s.io/v1 Event per request at the Metadata level: who (and as
/// whom), what, on which object, with what result; its auditID is the response's Audit-Id.
/// </summary>
public sealed class AuditLogTests(AuditLogFixture fx) : IClassFixture<AuditLogFixture>
{
    [Fact]
    public async Task AuditLog_Requests_EachRecordedWithUserObjectAndCode()
    {
        var ns = await fx.NamespaceAsync("audit");
        var kubectl = new KubectlRunner(KubectlRunner.Latest, fx.Host.KubeconfigPath, Directory.CreateTempSubdirectory("audit-home-").FullName);
        var created = await kubectl.RunAsync(["create", "configmap", "settings", "-n", ns, "--from-literal=a=b", "--as", "jane", "--as-group", "devs"]);
        Assert.True(created.ExitCode == 0, created.Stderr);
        var missing = await fx.Client.GetAsync($"/api/v1/namespaces/{ns}/configmaps/absent");
        Assert.Equal(404, missing.Code);
        var auditId = Assert.Single(missing.Headers.GetValues("Audit-Id"));

        var events = await Eventually.WaitAsync(
            async _ =>
            {
                var lines = File.Exists(fx.AuditLogPath) ? await File.ReadAllLinesAsync(fx.AuditLogPath) : [];
                var parsed = lines.Select(l => JsonNode.Parse(l)!.AsObject()).ToList();
                return parsed.Any(e => (string?)e["auditID"] == auditId) ? parsed : null;
            },
            TimeSpan.FromSeconds(10),
            "the GET's audit event in the log");

        var get = Assert.Single(events, e => (string?)e["auditID"] == auditId);
        Assert.Equal("audit.k8s.io/v1", (string?)get["apiVersion"]);
        Assert.Equal("Metadata", (string?)get["level"]);
        Assert.Equal("ResponseComplete", (string?)get["stage"]);
        Assert.Equal("get", (string?)get["verb"]);
        Assert.Equal($"/api/v1/namespaces/{ns}/configmaps/absent", (string?)get["requestURI"]);
        Assert.Equal("system:admin", (string?)get["user"]!["username"]);
        Assert.Equal(404, (int?)get["responseStatus"]!["code"]);
        Assert.Equal("configmaps", (string?)get["objectRef"]!["resource"]);
        Assert.Equal(ns, (string?)get["objectRef"]!["namespace"]);
        Assert.Equal("absent", (string?)get["objectRef"]!["name"]);
        Assert.Equal("v1", (string?)get["objectRef"]!["apiVersion"]);

        var create = Assert.Single(events, e => (string?)e["verb"] == "create" && (string?)e["objectRef"]?["resource"] == "configmaps" && (string?)e["objectRef"]?["namespace"] == ns);
        Assert.Equal(201, (int?)create["responseStatus"]!["code"]);
        Assert.Equal("system:admin", (string?)create["user"]!["username"]);
        Assert.Equal("jane", (string?)create["impersonatedUser"]!["username"]);
        Assert.Equal(new JsonArray("devs", "system:authenticated").ToJsonString(), create["impersonatedUser"]!["groups"]!.ToJsonString());
        Assert.Contains("kubectl", (string?)create["userAgent"], StringComparison.Ordinal);
        Assert.Equal("allow", (string?)create["annotations"]!["authorization.k8s.io/decision"]);
        // Metadata level: no bodies.
        Assert.Null(create["requestObject"]);
        Assert.Null(create["responseObject"]);
    }

    [Fact]
    public async Task AuditLog_PathThatCannotBeWritten_ServerRefusesToStart()
    {
        var dataDir = Directory.CreateTempSubdirectory("timonel-audit-bad-").FullName;
        var options = new ApiServerOptions { DataDir = dataDir, Port = 1, AuditLogPath = "/proc/timonel-audit/audit.log" };

        var error = await Record.ExceptionAsync(() => ApiServerHost.StartAsync(options, _ => Task.FromResult<Storage.IStore>(new Storage.Memory.MemoryStore()), Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance, CancellationToken.None));

        Assert.True(error is IOException or UnauthorizedAccessException, $"expected an I/O error naming the path, got {error}");
        Assert.Contains("/proc/timonel-audit", error!.Message, StringComparison.Ordinal);
    }
}
