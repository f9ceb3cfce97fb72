using k8s.Models;
using Timonel.Controllers.Deployment;
using Xunit;

namespace Timonel.Controllers.Tests.Deployment;

public sealed class PodTemplateHashTests
{
    private static V1PodTemplateSpec Template(string image, IDictionary<string, string>? annotations = null) => new()
    {
        Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string> { ["app"] = "web" }, Annotations = annotations },
        Spec = new V1PodSpec { Containers = [new V1Container { Name = "main", Image = image }] },
    };

    [Fact]
    public void Compute_SameTemplate_SameSafeHash()
    {
        var a = PodTemplateHash.Compute(Template("nginx:1"), null);
        var b = PodTemplateHash.Compute(Template("nginx:1"), null);

        Assert.Equal(a, b);
        Assert.Matches("^[bcdfghjklmnpqrstvwxz2456789]{1,10}$", a);
    }

    [Fact]
    public void Compute_DifferentImageOrCollisionCount_DifferentHash()
    {
        var a = PodTemplateHash.Compute(Template("nginx:1"), null);

        Assert.NotEqual(a, PodTemplateHash.Compute(Template("nginx:2"), null));
        Assert.NotEqual(a, PodTemplateHash.Compute(Template("nginx:1"), 1));
        Assert.NotEqual(PodTemplateHash.Compute(Template("nginx:1"), 1), PodTemplateHash.Compute(Template("nginx:1"), 2));
    }

    [Fact]
    public void EqualIgnoreHash_HashLabelAndEmptyMaps_AreIgnored()
    {
        var withHash = Template("nginx:1", new Dictionary<string, string>());
        withHash.Metadata.Labels[PodTemplateHash.Label] = "abc";

        Assert.True(PodTemplateHash.EqualIgnoreHash(Template("nginx:1"), withHash));
        Assert.False(PodTemplateHash.EqualIgnoreHash(Template("nginx:1"), Template("nginx:2")));
        Assert.False(PodTemplateHash.EqualIgnoreHash(Template("nginx:1"), Template("nginx:1", new Dictionary<string, string> { ["restartedAt"] = "now" })));
    }

    [Fact]
    public void SafeEncode_Digits_MapOntoTheSafeAlphabet()
    {
        // '0' is 48: 48 mod 27 = 21 → '4'; '1' → '5'.
        Assert.Equal("45", PodTemplateHash.SafeEncode("01"));
    }
}
