using Timonel.Controllers.Deployment;
using Timonel.Controllers.LocalPath;
using Timonel.Controllers.NodeIpam;
using Timonel.Controllers.PersistentVolume;
using Timonel.Controllers.ReplicaSet;
using Timonel.Controllers.NodeLifecycle;
using Timonel.Controllers.PodGc;
using Timonel.Controllers.DaemonSet;
using Timonel.Controllers.StatefulSet;
using Timonel.Controllers.CronJob;
using Timonel.Controllers.Job;
using Timonel.Controllers.TtlAfterFinished;
using Timonel.Controllers.Ttl;
using Timonel.Controllers.Endpoints;
using Timonel.Controllers.EndpointSlice;
using Timonel.Controllers.EndpointSliceMirroring;
using Timonel.Controllers.GarbageCollector;
using Timonel.Controllers.Namespace;
using Timonel.Controllers.ResourceQuota;
using Timonel.Controllers.ServiceAccount;
using Timonel.Controllers.ServiceCidr;
using Timonel.Controllers.ServiceLoadBalancer;

namespace Timonel.Controllers;

/// <summary>Every controller the manager can run, by upstream name. Adding a controller is one line here.</summary>
public static class ControllerRegistry
{
    public static IReadOnlyList<(string Name, Func<ControllerContext, IController> Create)> All { get; } =
    [
        ("nodeipam", c => new NodeIpamController(c)),
        ("replicaset", c => new ReplicaSetController(c)),
        ("replicationcontroller", c => new ReplicationManager(c)),
        ("disruption", c => new Disruption.DisruptionController(c)),
        ("horizontalpodautoscaling", c => new Autoscaling.HorizontalPodAutoscalerController(c)),
        ("pvc-protection", c => new VolumeProtection.PvcProtectionController(c)),
        ("pv-protection", c => new VolumeProtection.PvProtectionController(c)),
        ("ephemeral-volume", c => new Ephemeral.EphemeralVolumeController(c)),
        ("persistentvolume-expander", c => new VolumeExpansion.ExpandController(c)),
        ("deployment", c => new DeploymentController(c)),
        ("nodelifecycle", c => new NodeLifecycleController(c)),
        ("podgc", c => new PodGcController(c)),
        ("statefulset", c => new StatefulSetController(c)),
        ("daemonset", c => new DaemonSetController(c)),
        ("job", c => new JobController(c)),
        ("cronjob", c => new CronJobController(c)),
        ("ttl-after-finished", c => new TtlAfterFinishedController(c)),
        ("ttl", c => new TtlController(c)),
        ("garbagecollector", c => new GarbageCollectorController(c)),
        ("namespace", c => new NamespaceController(c)),
        ("serviceaccount", c => new ServiceAccountController(c)),
        ("serviceaccount-token", c => new TokensController(c)),
        ("legacy-serviceaccount-token-cleaner", c => new LegacyTokenCleaner(c)),
        ("endpoint", c => new EndpointsController(c)),
        ("endpointslice", c => new EndpointSliceController(c)),
        ("endpointslicemirroring", c => new EndpointSliceMirroringController(c)),
        ("resourcequota", c => new ResourceQuotaController(c)),
        ("root-ca-cert-publisher", c => new RootCaCertPublisher(c)),
        ("persistentvolume-binder", c => new PersistentVolumeBinderController(c)),
        ("local-path-provisioner", c => new LocalPathProvisioner(c)),
        ("service-cidr", c => new ServiceCidrController(c)),
        ("service-lb-controller", c => new ServiceLoadBalancerController(c, new LocalCloudProvider())),
        ("clusterrole-aggregation", c => new ClusterRoleAggregation.ClusterRoleAggregationController(c)),
        ("csrsigning", c => new Certificates.CsrSigningController(c)),
        ("csrapproving", c => new Certificates.CsrApprovingController(c)),
    ];
}
