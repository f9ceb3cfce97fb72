using System.Text;
using k8s.Models;
using Timonel.Registry.OpenApi;
using Xunit;

namespace Timonel.Api.Tests.OpenApi;

public sealed class ModelDescriptionsTests
{
    [Fact]
    public void LoadEmbedded_ShipsTheKubernetesClientSummaries()
    {
        var docs = ModelDescriptions.LoadEmbedded();
        Assert.True(docs.Count > 1000);
        Assert.Equal("A single application container that you want to run within a pod.", docs.OfType(typeof(V1Container)));
        Assert.NotNull(docs.OfProperty(typeof(V1Deployment), nameof(V1Deployment.Spec)));
    }

    [Fact]
    public void Load_MalformedLines_AreSkipped()
    {
        var text = "V1Pod\tA pod.\nno tab here\n\tnameless\nV1Pod.Spec\t\nV1Node.Spec\tThe spec.\n";
        var docs = ModelDescriptions.Load(new MemoryStream(Encoding.UTF8.GetBytes(text)));
        Assert.Equal(2, docs.Count);
        Assert.Equal("A pod.", docs.OfType(typeof(V1Pod)));
        Assert.Null(docs.OfProperty(typeof(V1Pod), "Spec"));
        Assert.Equal("The spec.", docs.OfProperty(typeof(V1Node), "Spec"));
    }
}
