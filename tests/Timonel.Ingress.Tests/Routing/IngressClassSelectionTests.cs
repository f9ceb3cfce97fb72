using k8s.Models;
using Timonel.Ingress.Routing;
using static Timonel.Ingress.Tests.Objects;

namespace Timonel.Ingress.Tests.Routing;

public sealed class IngressClassSelectionTests
{
    private static V1IngressClass Class(string name, string controller, bool isDefault) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, Annotations = isDefault ? new Dictionary<string, string> { [IngressClassSelection.DefaultClassAnnotation] = "true" } : null },
        Spec = new V1IngressClassSpec { Controller = controller },
    };

    [Fact]
    public void IsOurs_OwnOrOtherClass_OnlyOwn()
    {
        V1IngressClass[] classes = [IngressClassSelection.DefaultClass(), Class("nginx", "k8s.io/ingress-nginx", false), Class("mine", IngressClassSelection.ControllerName, false)];

        Assert.True(IngressClassSelection.IsOurs(MakeIngress("a", "timonel"), classes));
        Assert.True(IngressClassSelection.IsOurs(MakeIngress("b", "mine"), classes));
        Assert.False(IngressClassSelection.IsOurs(MakeIngress("c", "nginx"), classes));
        Assert.False(IngressClassSelection.IsOurs(MakeIngress("d", "unknown"), classes));
    }

    [Fact]
    public void IsOurs_NoClass_OursUnlessAnotherControllersClassIsDefault()
    {
        var noClass = MakeIngress("a", className: null);

        Assert.True(IngressClassSelection.IsOurs(noClass, []));
        Assert.True(IngressClassSelection.IsOurs(noClass, [IngressClassSelection.DefaultClass()]));
        Assert.False(IngressClassSelection.IsOurs(noClass, [Class("nginx", "k8s.io/ingress-nginx", true)]));
    }

    [Fact]
    public void IsOurs_LegacyAnnotation_UsedWhenNoClassName()
    {
        var legacy = MakeIngress("a", className: null);
        legacy.Metadata.Annotations = new Dictionary<string, string> { [IngressClassSelection.LegacyClassAnnotation] = "nginx" };

        Assert.False(IngressClassSelection.IsOurs(legacy, [Class("nginx", "k8s.io/ingress-nginx", false)]));
        legacy.Metadata.Annotations[IngressClassSelection.LegacyClassAnnotation] = "timonel";
        Assert.True(IngressClassSelection.IsOurs(legacy, []));
    }
}
