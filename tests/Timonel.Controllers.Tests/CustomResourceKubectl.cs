using Timonel.Testing;
using Xunit;

namespace Timonel.Controllers.Tests;

/// <summary>
/// The real kubectl against a <see cref="ControllerHarness"/>, for controllers that meet custom
/// resources: installs a small CRD of the test's own or real ones read from the shared test data
/// (/work/shared/crds, never copied into the repo), and reads what the cluster holds.
/// </summary>
public sealed class CustomResourceKubectl : IDisposable
{
    /// <summary>The shared CRD test data; TIMONEL_SHARED_CRDS overrides where it lives.</summary>
    public static readonly string SharedCrds = Environment.GetEnvironmentVariable("TIMONEL_SHARED_CRDS") is { Length: > 0 } dir ? dir : "/work/shared/crds";

    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);
    private readonly string _home;
    private readonly KubectlRunner _kubectl;

    public CustomResourceKubectl(ControllerHarness harness)
    {
        ArgumentNullException.ThrowIfNull(harness);
        _home = Directory.CreateTempSubdirectory("timonel-crkubectl-").FullName;
        _kubectl = new KubectlRunner(KubectlRunner.Latest, harness.Cluster.KubeconfigPath, _home);
    }

    /// <summary>A namespaced CRD, plural "widgets" in <paramref name="group"/>, that keeps whatever fields its objects carry.</summary>
    public static string WidgetCrd(string group) => $$"""
        apiVersion: apiextensions.k8s.io/v1
        kind: CustomResourceDefinition
        metadata:
          name: widgets.{{group}}
        spec:
          group: {{group}}
          scope: Namespaced
          names: {plural: widgets, singular: widget, kind: Widget}
          versions:
          - name: v1
            served: true
            storage: true
            schema:
              openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}
        """;

    public Task<KubectlRun> RunAsync(params string[] args) => _kubectl.RunAsync(args, null, Deadline);

    /// <summary>Runs kubectl and fails the test when it fails; returns its standard output.</summary>
    public async Task<string> OkAsync(params string[] args) => await OkWithInputAsync(null, args);

    /// <summary>kubectl apply -f - of <paramref name="yaml"/>, with <paramref name="args"/> after.</summary>
    public Task<string> ApplyAsync(string yaml, params string[] args) => OkWithInputAsync(yaml, ["apply", "-f", "-", .. args]);

    /// <summary>Installs the widgets CRD of <paramref name="group"/> and waits until it is Established.</summary>
    public async Task InstallWidgetsAsync(string group)
    {
        await ApplyAsync(WidgetCrd(group));
        await OkAsync("wait", "--for", "condition=established", "--timeout=30s", $"crd/widgets.{group}");
    }

    /// <summary>The uid of an object, through kubectl get.</summary>
    public async Task<string> UidAsync(string resource, string name, string ns) =>
        (await OkAsync("get", resource, name, "-n", ns, "-o", "jsonpath={.metadata.uid}")).Trim();

    /// <summary>The names kubectl get -o name prints, one per object.</summary>
    public async Task<IReadOnlyList<string>> NamesAsync(params string[] args) =>
        (await OkAsync(["get", .. args, "-o", "name"])).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public void Dispose()
    {
        try
        {
            Directory.Delete(_home, recursive: true);
        }
        catch (IOException)
        {
            // A kubectl cache file still open: the temp directory is left behind, nothing more.
        }
    }

    private async Task<string> OkWithInputAsync(string? stdin, string[] args)
    {
        var run = await _kubectl.RunAsync(args, stdin, Deadline);
        Assert.True(run.ExitCode == 0, $"kubectl {string.Join(' ', args)} failed ({run.ExitCode}):\n{run.Stdout}\n{run.Stderr}");
        return run.Stdout;
    }
}
