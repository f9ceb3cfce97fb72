using k8s;
using k8s.Models;
using Timonel.Api.Resources;

namespace Timonel.Client.Informers;

/// <summary>The resources controllers, the scheduler and the kubelet watch, plus a catalog lookup for the rest.</summary>
public static class ResourceKinds
{
    public static readonly ResourceKind<V1Pod> Pods = new("", "v1", "Pod", "pods", true);
    public static readonly ResourceKind<V1Node> Nodes = new("", "v1", "Node", "nodes", false);
    public static readonly ResourceKind<V1Namespace> Namespaces = new("", "v1", "Namespace", "namespaces", false);
    public static readonly ResourceKind<V1Service> Services = new("", "v1", "Service", "services", true);
    public static readonly ResourceKind<V1Endpoints> Endpoints = new("", "v1", "Endpoints", "endpoints", true);
    public static readonly ResourceKind<V1ConfigMap> ConfigMaps = new("", "v1", "ConfigMap", "configmaps", true);
    public static readonly ResourceKind<V1Secret> Secrets = new("", "v1", "Secret", "secrets", true);
    public static readonly ResourceKind<V1ServiceAccount> ServiceAccounts = new("", "v1", "ServiceAccount", "serviceaccounts", true);
    public static readonly ResourceKind<V1PersistentVolumeClaim> PersistentVolumeClaims = new("", "v1", "PersistentVolumeClaim", "persistentvolumeclaims", true);
    public static readonly ResourceKind<V1PersistentVolume> PersistentVolumes = new("", "v1", "PersistentVolume", "persistentvolumes", false);
    public static readonly ResourceKind<V1ResourceQuota> ResourceQuotas = new("", "v1", "ResourceQuota", "resourcequotas", true);
    public static readonly ResourceKind<V1LimitRange> LimitRanges = new("", "v1", "LimitRange", "limitranges", true);
    public static readonly ResourceKind<V1ReplicationController> ReplicationControllers = new("", "v1", "ReplicationController", "replicationcontrollers", true);
    public static readonly ResourceKind<Corev1Event> Events = new("", "v1", "Event", "events", true);
    public static readonly ResourceKind<V1ReplicaSet> ReplicaSets = new("apps", "v1", "ReplicaSet", "replicasets", true);
    public static readonly ResourceKind<V1Deployment> Deployments = new("apps", "v1", "Deployment", "deployments", true);
    public static readonly ResourceKind<V1StatefulSet> StatefulSets = new("apps", "v1", "StatefulSet", "statefulsets", true);
    public static readonly ResourceKind<V1DaemonSet> DaemonSets = new("apps", "v1", "DaemonSet", "daemonsets", true);
    public static readonly ResourceKind<V1ControllerRevision> ControllerRevisions = new("apps", "v1", "ControllerRevision", "controllerrevisions", true);
    public static readonly ResourceKind<V1Job> Jobs = new("batch", "v1", "Job", "jobs", true);
    public static readonly ResourceKind<V1CronJob> CronJobs = new("batch", "v1", "CronJob", "cronjobs", true);
    public static readonly ResourceKind<V1Lease> Leases = new("coordination.k8s.io", "v1", "Lease", "leases", true);
    public static readonly ResourceKind<V1EndpointSlice> EndpointSlices = new("discovery.k8s.io", "v1", "EndpointSlice", "endpointslices", true);
    public static readonly ResourceKind<V1PodDisruptionBudget> PodDisruptionBudgets = new("policy", "v1", "PodDisruptionBudget", "poddisruptionbudgets", true);
    public static readonly ResourceKind<V1PriorityClass> PriorityClasses = new("scheduling.k8s.io", "v1", "PriorityClass", "priorityclasses", false);
    public static readonly ResourceKind<V1StorageClass> StorageClasses = new("storage.k8s.io", "v1", "StorageClass", "storageclasses", false);

    /// <summary>The served resource whose model is <typeparamref name="T"/>, from the API catalog.</summary>
    /// <exception cref="ArgumentException">No served resource uses that model.</exception>
    public static ResourceKind<T> For<T>()
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        var resource = ResourceCatalog.Default.All.FirstOrDefault(r => r.ModelType == typeof(T))
            ?? throw new ArgumentException($"no served resource has the model type {typeof(T).Name}", nameof(T));
        return new ResourceKind<T>(resource.Group, resource.Version, resource.Kind, resource.Plural, resource.Namespaced);
    }
}
