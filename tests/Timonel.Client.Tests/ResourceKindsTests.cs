using System.Reflection;
using k8s;
using k8s.Models;
using Timonel.Client.Events;
using Timonel.Client.Informers;
using Timonel.Registry.Resources;
using Xunit;

namespace Timonel.Client.Tests;

/// <summary>
/// Timonel.Client names resources from the models' [KubernetesEntity] attributes, not from the API
/// server's registry (which no client links). These tests hold the two together: every well-known
/// kind must name exactly the collection the API server serves for its model.
/// </summary>
public sealed class ResourceKindsTests
{
    public static TheoryData<string> WellKnown()
    {
        var data = new TheoryData<string>();
        foreach (var field in KindFields())
        {
            data.Add(field.Name);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(WellKnown))]
    public void WellKnownKind_FromModelAttribute_MatchesTheServedResource(string name)
    {
        var field = KindFields().Single(f => f.Name == name);
        var modelType = field.FieldType.GetGenericArguments()[0];
        var kind = field.GetValue(null)!;
        string Read(string property) => (string)kind.GetType().GetProperty(property)!.GetValue(kind)!;

        var served = ResourceCatalog.Default.Stored.Single(r => r.ModelType == modelType);
        Assert.Equal((served.Group, served.Version, served.Kind, served.Plural), (Read("Group"), Read("Version"), Read("Kind"), Read("Plural")));
    }

    [Fact]
    public void For_ModelWithoutEntityAttribute_Throws()
    {
        Assert.Equal(ResourceKinds.Deployments, ResourceKinds.For<V1Deployment>());
        Assert.Equal(new ResourceKind<V1HorizontalPodAutoscaler>("autoscaling", "v1", "HorizontalPodAutoscaler", "horizontalpodautoscalers"), ResourceKinds.For<V1HorizontalPodAutoscaler>());
        Assert.Throws<ArgumentException>(() => ResourceKinds.For<Unattributed>());
    }

    [Fact]
    public void CollectionPath_NamespaceGivenOrNot_NamespaceInPathOnlyWhenGiven()
    {
        Assert.Equal("api/v1/namespaces/kube-node-lease/pods", ResourceKinds.Pods.CollectionPath("kube-node-lease"));
        Assert.Equal("apis/coordination.k8s.io/v1/namespaces/a%2Fb/leases", ResourceKinds.Leases.CollectionPath("a/b"));
        Assert.Equal("api/v1/nodes", ResourceKinds.Nodes.CollectionPath(null));
        Assert.Equal("apis/apps/v1/deployments", ResourceKinds.Deployments.CollectionPath(""));
    }

    [Fact]
    public void ReferenceTo_ObjectWithoutKindOrApiVersion_TakesThemFromTheModel()
    {
        var deployment = new V1Deployment { Metadata = new V1ObjectMeta { Name = "web", NamespaceProperty = "default", Uid = "u1" } };
        var reference = EventRecorder.ReferenceTo(deployment);
        Assert.Equal(("apps/v1", "Deployment", "web", "default", "u1"), (reference.ApiVersion, reference.Kind, reference.Name, reference.NamespaceProperty, reference.Uid));

        var typed = new V1Deployment { ApiVersion = "apps/v1beta9", Kind = "Odd", Metadata = new V1ObjectMeta { Name = "web" } };
        Assert.Equal(("apps/v1beta9", "Odd"), (EventRecorder.ReferenceTo(typed).ApiVersion, EventRecorder.ReferenceTo(typed).Kind));

        var unknown = EventRecorder.ReferenceTo(new Unattributed { Metadata = new V1ObjectMeta { Name = "x" } });
        Assert.Null(unknown.Kind);
        Assert.Null(unknown.ApiVersion);
    }

    private static IEnumerable<FieldInfo> KindFields() =>
        typeof(ResourceKinds).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.FieldType.IsGenericType && f.FieldType.GetGenericTypeDefinition() == typeof(ResourceKind<>));

    /// <summary>An object type KubernetesClient did not generate: no [KubernetesEntity] names its resource.</summary>
    private sealed class Unattributed : IKubernetesObject<V1ObjectMeta>
    {
        public string ApiVersion { get; set; } = "";
        public string Kind { get; set; } = "";
        public V1ObjectMeta Metadata { get; set; } = new();
    }
}
