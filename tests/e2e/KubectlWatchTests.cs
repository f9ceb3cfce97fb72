using System.Text.Json.Nodes;
using Timonel.E2E.Tests.Infrastructure;

namespace Timonel.E2E.Tests;

/// <summary><c>kubectl get -w</c> running in the background while another kubectl changes objects.</summary>
[Collection(E2ECollection.Name)]
public sealed class KubectlWatchTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private static readonly TimeSpan EventTimeout = TimeSpan.FromSeconds(20);

    private Kubectl Kubectl => fixture.Kubectl;

    [Fact]
    public async Task GetWatch_TableWithEvents_PrintsAddedModifiedDeleted()
    {
        const string Ns = "watch-table";
        await Kubectl.CreateNamespaceAsync(Ns);
        KubectlAssert.Succeeds(await Kubectl.ApplyAsync(Manifests.ConfigMap(Ns, "seed")));
        await using var watch = Kubectl.Start("-n", Ns, "get", "configmaps", "-w", "--output-watch-events");
        Assert.True(await watch.WaitForLineAsync(l => IsEvent(l, "ADDED", "seed"), EventTimeout), $"initial list not printed:\n{watch.Stdout}");

        await ChangeObjectAsync(Ns, "watched");

        Assert.True(await watch.WaitForLineAsync(l => IsEvent(l, "DELETED", "watched"), EventTimeout), $"no DELETED line:\n{watch.Stdout}");
        var output = await watch.StopAsync();
        var lines = output.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Matches(@"^EVENT\s+NAME\s+DATA\s+AGE", lines[0]);
        var watchedEvents = lines.Where(l => IsEvent(l, null, "watched")).Select(l => l.Split(' ')[0]).ToList();
        Assert.True(watchedEvents is ["ADDED", "MODIFIED", "DELETED"], $"unexpected events for 'watched':\n{output}");
    }

    [Fact]
    public async Task GetWatch_JsonWithEvents_EachEventCarriesTheObject()
    {
        const string Ns = "watch-json";
        await Kubectl.CreateNamespaceAsync(Ns);
        KubectlAssert.Succeeds(await Kubectl.ApplyAsync(Manifests.ConfigMap(Ns, "seed")));
        await using var watch = Kubectl.Start("-n", Ns, "get", "configmaps", "-w", "--output-watch-events", "-o", "json");
        Assert.True(await watch.WaitForLineAsync(l => l.Contains("\"seed\"", StringComparison.Ordinal), EventTimeout), $"initial list not printed:\n{watch.Stdout}");

        await ChangeObjectAsync(Ns, "watched");

        Assert.True(await watch.WaitForLineAsync(l => l.Contains("\"DELETED\"", StringComparison.Ordinal), EventTimeout), $"no DELETED event:\n{watch.Stdout}");
        var output = await watch.StopAsync();
        var events = ParseConcatenatedJson(output.Stdout)
            .Where(e => (string?)e["object"]?["metadata"]?["name"] == "watched")
            .ToList();
        Assert.True(events.Select(e => (string?)e["type"]).SequenceEqual(["ADDED", "MODIFIED", "DELETED"]), $"unexpected events:\n{output}");
        Assert.Equal("yes", (string?)events[1]["object"]!["metadata"]!["labels"]!["changed"]);
        var versions = events.Select(e => long.Parse((string)e["object"]!["metadata"]!["resourceVersion"]!, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.True(versions[0] < versions[1], $"resourceVersion did not grow on MODIFIED:\n{output}");
    }

    private async Task ChangeObjectAsync(string ns, string name)
    {
        KubectlAssert.Succeeds(await Kubectl.ApplyAsync(Manifests.ConfigMap(ns, name)));
        KubectlAssert.Succeeds(await Kubectl.RunAsync("-n", ns, "label", "configmap", name, "changed=yes"));
        KubectlAssert.Succeeds(await Kubectl.RunAsync("-n", ns, "delete", "configmap", name));
    }

    private static bool IsEvent(string line, string? type, string name)
    {
        var columns = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return columns.Length >= 2 && (type is null || columns[0] == type) && columns[1] == name;
    }

    /// <summary>kubectl prints one indented JSON document per event, back to back.</summary>
    private static List<JsonNode> ParseConcatenatedJson(string text)
    {
        var documents = new List<JsonNode>();
        var reader = new System.Text.Json.Utf8JsonReader(
            System.Text.Encoding.UTF8.GetBytes(text),
            new System.Text.Json.JsonReaderOptions { AllowMultipleValues = true });
        while (reader.Read())
        {
            documents.Add(JsonNode.Parse(ref reader)!);
        }

        return documents;
    }
}
