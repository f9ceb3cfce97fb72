using System.Reflection;
using k8s;
using k8s.Models;

namespace Timonel.Client.Informers;

/// <summary>
/// The resources controllers, the scheduler and the kubelet watch, each named by its model type's
/// [KubernetesEntity] attribute (nothing here restates a name), plus that lookup for the rest. Read
/// from the models, not from the API server's registry, which no client links.
/// </summary>
public static class ResourceKinds
{
    public static readonly ResourceKind<V1Pod> Pods = For<V1Pod>();
    public static readonly ResourceKind<V1Node> Nodes = For<V1Node>();
    public static readonly ResourceKind<V1Namespace> Namespaces = For<V1Namespace>();
    public static readonly ResourceKind<V1Service> Services = For<V1Service>();
    public static readonly ResourceKind<V1Endpoints> Endpoints = For<V1Endpoints>();
    public static readonly ResourceKind<V1ConfigMap> ConfigMaps = For<V1ConfigMap>();
    public static readonly ResourceKind<V1Secret> Secrets = For<V1Secret>();
    public static readonly ResourceKind<V1ServiceAccount> ServiceAccounts = For<V1ServiceAccount>();
    public static readonly ResourceKind<V1PersistentVolumeClaim> PersistentVolumeClaims = For<V1PersistentVolumeClaim>();
    public static readonly ResourceKind<V1PersistentVolume> PersistentVolumes = For<V1PersistentVolume>();
    public static readonly ResourceKind<V1ResourceQuota> ResourceQuotas = For<V1ResourceQuota>();
    public static readonly ResourceKind<V1LimitRange> LimitRanges = For<V1LimitRange>();
    public static readonly ResourceKind<Corev1Event> Events = For<Corev1Event>();
    public static readonly ResourceKind<V1ReplicaSet> ReplicaSets = For<V1ReplicaSet>();
    public static readonly ResourceKind<V1Deployment> Deployments = For<V1Deployment>();
    public static readonly ResourceKind<V1StatefulSet> StatefulSets = For<V1StatefulSet>();
    public static readonly ResourceKind<V1DaemonSet> DaemonSets = For<V1DaemonSet>();
    public static readonly ResourceKind<V1ControllerRevision> ControllerRevisions = For<V1ControllerRevision>();
    public static readonly ResourceKind<V1Job> Jobs = For<V1Job>();
    public static readonly ResourceKind<V1CronJob> CronJobs = For<V1CronJob>();
    public static readonly ResourceKind<V1Lease> Leases = For<V1Lease>();
    public static readonly ResourceKind<V1EndpointSlice> EndpointSlices = For<V1EndpointSlice>();
    public static readonly ResourceKind<V1PodDisruptionBudget> PodDisruptionBudgets = For<V1PodDisruptionBudget>();
    public static readonly ResourceKind<V1PriorityClass> PriorityClasses = For<V1PriorityClass>();
    public static readonly ResourceKind<V1StorageClass> StorageClasses = For<V1StorageClass>();

    /// <summary>The resource whose model is <typeparamref name="T"/>, from the model's [KubernetesEntity] attribute.</summary>
    /// <exception cref="ArgumentException">The type carries no such attribute (it is no KubernetesClient model).</exception>
    public static ResourceKind<T> For<T>()
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        var entity = EntityOf(typeof(T))
            ?? throw new ArgumentException($"{typeof(T).Name} has no [KubernetesEntity] attribute naming its resource", nameof(T));
        return new ResourceKind<T>(entity.Group ?? "", entity.ApiVersion, entity.Kind, entity.PluralName);
    }

    /// <summary>The group, version, kind and plural KubernetesClient generates on a model type; null for other types.</summary>
    public static KubernetesEntityAttribute? EntityOf(Type modelType) => modelType.GetCustomAttribute<KubernetesEntityAttribute>();
}
