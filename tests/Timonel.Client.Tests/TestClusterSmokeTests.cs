using k8s;
using Timonel.Testing;
using Xunit;

namespace Timonel.Client.Tests;

public sealed class TestClusterSmokeTests
{
    [Fact]
    public async Task StartAsync_KubernetesClient_ListsBootstrapNamespaces()
    {
        await using var cluster = await TestCluster.StartAsync();
        var namespaces = await cluster.Client.CoreV1.ListNamespaceAsync();
        Assert.Contains(namespaces.Items, n => n.Metadata.Name == "kube-system");
        var ns = await cluster.CreateNamespaceAsync("smoke");
        var read = await cluster.Client.CoreV1.ReadNamespaceAsync(ns);
        Assert.Equal(ns, read.Metadata.Name);
    }
}
