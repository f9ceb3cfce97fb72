using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Timonel.Controllers.Tests;

/// <summary>Objects built by hand for controller tests (no other controller creates them).</summary>
internal static class TestObjects
{
    public static readonly Dictionary<string, string> AppLabels = new() { ["app"] = "web" };

    public static V1OwnerReference OwnerRef(IKubernetesObject<V1ObjectMeta> owner, bool block = true) => new()
    {
        ApiVersion = owner.ApiVersion,
        Kind = owner.Kind,
        Name = owner.Metadata.Name,
        Uid = owner.Metadata.Uid,
        Controller = true,
        BlockOwnerDeletion = block,
    };

    public static V1PodTemplateSpec Template() => new()
    {
        Metadata = new V1ObjectMeta { Labels = AppLabels },
        Spec = new V1PodSpec { Containers = [new V1Container { Name = "c", Image = "nginx" }] },
    };

    public static V1Pod Pod(string name, IKubernetesObject<V1ObjectMeta>? owner = null, Dictionary<string, string>? labels = null) => new()
    {
        ApiVersion = "v1",
        Kind = "Pod",
        Metadata = new V1ObjectMeta
        {
            Name = name,
            Labels = labels ?? AppLabels,
            OwnerReferences = owner is null ? null : [OwnerRef(owner)],
        },
        Spec = new V1PodSpec { Containers = [new V1Container { Name = "c", Image = "nginx" }] },
    };

    public static V1ReplicaSet ReplicaSet(string name, IKubernetesObject<V1ObjectMeta>? owner = null) => new()
    {
        ApiVersion = "apps/v1",
        Kind = "ReplicaSet",
        Metadata = new V1ObjectMeta { Name = name, OwnerReferences = owner is null ? null : [OwnerRef(owner)] },
        Spec = new V1ReplicaSetSpec { Replicas = 0, Selector = new V1LabelSelector { MatchLabels = AppLabels }, Template = Template() },
    };

    public static V1Deployment Deployment(string name) => new()
    {
        ApiVersion = "apps/v1",
        Kind = "Deployment",
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new V1DeploymentSpec { Replicas = 0, Selector = new V1LabelSelector { MatchLabels = AppLabels }, Template = Template() },
    };

    /// <summary>Runs a read; true when it answers 404.</summary>
    public static async Task<bool> IsGoneAsync(Func<Task> read)
    {
        try
        {
            await read();
            return false;
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return true;
        }
    }
}
