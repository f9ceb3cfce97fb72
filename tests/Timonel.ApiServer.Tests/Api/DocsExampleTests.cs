using System.Text.Json.Nodes;
using Timonel.Testing;
using Xunit;

namespace Timonel.ApiServer.Tests.Api;

/// <summary>
/// The kinds and pod features the kubernetes.io documentation's examples use (manifests written
/// here, in DocsExamples/), applied with the real kubectl as a reader of the docs would: every
/// object is created, a second apply of the same file changes no object (kubectl may still send a
/// patch, e.g. for a Secret's write-only stringData or a list the server added to, as it does
/// against upstream; the server finds it a no-op and keeps each resourceVersion), and delete
/// removes them.
/// </summary>
public sealed class DocsExampleTests(ApiServerFixture fixture) : IClassFixture<ApiServerFixture>
{
    private static readonly string ExamplesDir = Path.Combine(AppContext.BaseDirectory, "DocsExamples");

    /// <summary>Every manifest with the newest kubectl, and with the oldest supported one.</summary>
    public static TheoryData<string, string> Manifests()
    {
        var data = new TheoryData<string, string>();
        foreach (var file in Directory.EnumerateFiles(ExamplesDir, "*.yaml").Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(file), KubectlRunner.Latest);
            data.Add(Path.GetFileName(file), KubectlRunner.Oldest);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Manifests))]
    public async Task Apply_DocsExample_CreatedReappliedWithoutChangeThenDeleted(string file, string kubectlBinary)
    {
        var path = Path.Combine(ExamplesDir, file);
        var objects = (await File.ReadAllTextAsync(path)).Split("\n---\n").Count(d => d.Contains("\nkind: ", StringComparison.Ordinal));
        var ns = await fixture.NamespaceAsync(Path.GetFileNameWithoutExtension(file));
        var kubectl = new KubectlRunner(kubectlBinary, fixture.Host.KubeconfigPath, Directory.CreateTempSubdirectory("docs-home-").FullName);

        var created = await kubectl.RunAsync(["apply", "-n", ns, "-f", path]);
        Assert.True(created.ExitCode == 0, $"kubectl apply -f {file}:\n{created.Stdout}\n{created.Stderr}");
        var lines = Lines(created.Stdout);
        Assert.Equal(objects, lines.Count);
        Assert.All(lines, l => Assert.EndsWith(" created", l, StringComparison.Ordinal));

        var before = await VersionsAsync(kubectl, ns, path);
        Assert.Equal(objects, before.Count);
        var again = await kubectl.RunAsync(["apply", "-n", ns, "-f", path]);
        Assert.True(again.ExitCode == 0, $"second kubectl apply -f {file}:\n{again.Stdout}\n{again.Stderr}");
        Assert.All(Lines(again.Stdout), l => Assert.True(l.EndsWith(" unchanged", StringComparison.Ordinal) || l.EndsWith(" configured", StringComparison.Ordinal), l));
        Assert.Equal(before, await VersionsAsync(kubectl, ns, path));

        var deleted = await kubectl.RunAsync(["delete", "-n", ns, "-f", path, "--wait=false"]);
        Assert.True(deleted.ExitCode == 0, $"kubectl delete -f {file}:\n{deleted.Stdout}\n{deleted.Stderr}");
        Assert.Equal(objects, Lines(deleted.Stdout).Count);

        // No controller manager runs here: claims and volumes keep their protection finalizers
        // (added at create, as upstream). Let go of them as the pvc- and pv-protection controllers
        // would (no pod uses the claim, the volume is not bound); objects already gone answer 404.
        await kubectl.RunAsync(["patch", "-n", ns, "-f", path, "--type=merge", "-p", "{\"metadata\":{\"finalizers\":null}}"]);
        var left = await kubectl.RunAsync(["get", "-n", ns, "-f", path, "--ignore-not-found", "-o", "name"]);
        Assert.True(left.ExitCode == 0 && left.Stdout.Trim().Length == 0, $"left after delete:\n{left.Stdout}\n{left.Stderr}");
    }

    /// <summary>"Kind/name=resourceVersion" of every object of the file, as the server holds them.</summary>
    private static async Task<List<string>> VersionsAsync(KubectlRunner kubectl, string ns, string path)
    {
        var listed = await kubectl.RunAsync(["get", "-n", ns, "-f", path, "-o", "json"]);
        Assert.True(listed.ExitCode == 0, listed.Stderr);
        var root = JsonNode.Parse(listed.Stdout)!;
        // One object comes back as itself, several as a List.
        var items = root["kind"]?.GetValue<string>() == "List" ? root["items"]!.AsArray().Select(i => i!) : [root];
        return [.. items.Select(i => $"{i["kind"]}/{i["metadata"]!["name"]}={i["metadata"]!["resourceVersion"]}")];
    }

    private static List<string> Lines(string text) => [.. text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];
}
