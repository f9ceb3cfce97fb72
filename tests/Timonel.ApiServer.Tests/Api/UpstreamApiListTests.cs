using Timonel.Testing;
using Xunit;

namespace Timonel.ApiServer.Tests.Api;

/// <summary>
/// `kubectl api-resources` and `kubectl api-versions` (kubectl 1.33) against upstream
/// kube-apiserver 1.33's defaults (every GA API it serves with no flags; beta APIs are off by
/// default). What Timonel does not serve yet is listed, with why, in the exclusion lists, and the
/// test checks those lists are exactly what is missing: serving an API makes this test fail
/// until its exclusion is removed. The lists also hold what k3s's bundled metrics-server adds
/// (metrics.k8s.io), which Timonel serves itself.
/// </summary>
public sealed class UpstreamApiListTests(ApiServerFixture fx) : IClassFixture<ApiServerFixture>
{
    /// <summary>Upstream 1.33's `kubectl api-resources`: name, short names, apiVersion, namespaced, kind.</summary>
    private static readonly (string Name, string ShortNames, string ApiVersion, bool Namespaced, string Kind)[] UpstreamResources =
    [
        ("bindings", "", "v1", true, "Binding"),
        ("componentstatuses", "cs", "v1", false, "ComponentStatus"),
        ("configmaps", "cm", "v1", true, "ConfigMap"),
        ("endpoints", "ep", "v1", true, "Endpoints"),
        ("events", "ev", "v1", true, "Event"),
        ("limitranges", "limits", "v1", true, "LimitRange"),
        ("namespaces", "ns", "v1", false, "Namespace"),
        ("nodes", "no", "v1", false, "Node"),
        ("persistentvolumeclaims", "pvc", "v1", true, "PersistentVolumeClaim"),
        ("persistentvolumes", "pv", "v1", false, "PersistentVolume"),
        ("pods", "po", "v1", true, "Pod"),
        ("podtemplates", "", "v1", true, "PodTemplate"),
        ("replicationcontrollers", "rc", "v1", true, "ReplicationController"),
        ("resourcequotas", "quota", "v1", true, "ResourceQuota"),
        ("secrets", "", "v1", true, "Secret"),
        ("serviceaccounts", "sa", "v1", true, "ServiceAccount"),
        ("services", "svc", "v1", true, "Service"),
        ("mutatingwebhookconfigurations", "", "admissionregistration.k8s.io/v1", false, "MutatingWebhookConfiguration"),
        ("validatingadmissionpolicies", "", "admissionregistration.k8s.io/v1", false, "ValidatingAdmissionPolicy"),
        ("validatingadmissionpolicybindings", "", "admissionregistration.k8s.io/v1", false, "ValidatingAdmissionPolicyBinding"),
        ("validatingwebhookconfigurations", "", "admissionregistration.k8s.io/v1", false, "ValidatingWebhookConfiguration"),
        ("customresourcedefinitions", "crd,crds", "apiextensions.k8s.io/v1", false, "CustomResourceDefinition"),
        ("apiservices", "", "apiregistration.k8s.io/v1", false, "APIService"),
        ("controllerrevisions", "", "apps/v1", true, "ControllerRevision"),
        ("daemonsets", "ds", "apps/v1", true, "DaemonSet"),
        ("deployments", "deploy", "apps/v1", true, "Deployment"),
        ("replicasets", "rs", "apps/v1", true, "ReplicaSet"),
        ("statefulsets", "sts", "apps/v1", true, "StatefulSet"),
        ("selfsubjectreviews", "", "authentication.k8s.io/v1", false, "SelfSubjectReview"),
        ("tokenreviews", "", "authentication.k8s.io/v1", false, "TokenReview"),
        ("localsubjectaccessreviews", "", "authorization.k8s.io/v1", true, "LocalSubjectAccessReview"),
        ("selfsubjectaccessreviews", "", "authorization.k8s.io/v1", false, "SelfSubjectAccessReview"),
        ("selfsubjectrulesreviews", "", "authorization.k8s.io/v1", false, "SelfSubjectRulesReview"),
        ("subjectaccessreviews", "", "authorization.k8s.io/v1", false, "SubjectAccessReview"),
        ("horizontalpodautoscalers", "hpa", "autoscaling/v2", true, "HorizontalPodAutoscaler"),
        ("cronjobs", "cj", "batch/v1", true, "CronJob"),
        ("jobs", "", "batch/v1", true, "Job"),
        ("certificatesigningrequests", "csr", "certificates.k8s.io/v1", false, "CertificateSigningRequest"),
        ("leases", "", "coordination.k8s.io/v1", true, "Lease"),
        ("endpointslices", "", "discovery.k8s.io/v1", true, "EndpointSlice"),
        ("events", "ev", "events.k8s.io/v1", true, "Event"),
        ("flowschemas", "", "flowcontrol.apiserver.k8s.io/v1", false, "FlowSchema"),
        ("prioritylevelconfigurations", "", "flowcontrol.apiserver.k8s.io/v1", false, "PriorityLevelConfiguration"),
        ("ingressclasses", "", "networking.k8s.io/v1", false, "IngressClass"),
        ("ingresses", "ing", "networking.k8s.io/v1", true, "Ingress"),
        ("ipaddresses", "ip", "networking.k8s.io/v1", false, "IPAddress"),
        ("networkpolicies", "netpol", "networking.k8s.io/v1", true, "NetworkPolicy"),
        ("servicecidrs", "", "networking.k8s.io/v1", false, "ServiceCIDR"),
        ("runtimeclasses", "", "node.k8s.io/v1", false, "RuntimeClass"),
        ("poddisruptionbudgets", "pdb", "policy/v1", true, "PodDisruptionBudget"),
        ("clusterrolebindings", "", "rbac.authorization.k8s.io/v1", false, "ClusterRoleBinding"),
        ("clusterroles", "", "rbac.authorization.k8s.io/v1", false, "ClusterRole"),
        ("rolebindings", "", "rbac.authorization.k8s.io/v1", true, "RoleBinding"),
        ("roles", "", "rbac.authorization.k8s.io/v1", true, "Role"),
        ("priorityclasses", "pc", "scheduling.k8s.io/v1", false, "PriorityClass"),
        ("csidrivers", "", "storage.k8s.io/v1", false, "CSIDriver"),
        ("csinodes", "", "storage.k8s.io/v1", false, "CSINode"),
        ("csistoragecapacities", "", "storage.k8s.io/v1", true, "CSIStorageCapacity"),
        ("storageclasses", "sc", "storage.k8s.io/v1", false, "StorageClass"),
        ("volumeattachments", "", "storage.k8s.io/v1", false, "VolumeAttachment"),

        // Not kube-apiserver's own: what the metrics-server k3s installs serves (built in here).
        ("nodes", "", "metrics.k8s.io/v1beta1", false, "NodeMetrics"),
        ("pods", "", "metrics.k8s.io/v1beta1", true, "PodMetrics"),
    ];

    /// <summary>Upstream 1.33's `kubectl api-versions`.</summary>
    private static readonly string[] UpstreamVersions =
    [
        "admissionregistration.k8s.io/v1", "apiextensions.k8s.io/v1", "apiregistration.k8s.io/v1", "apps/v1", "authentication.k8s.io/v1",
        "authorization.k8s.io/v1", "autoscaling/v1", "autoscaling/v2", "batch/v1", "certificates.k8s.io/v1", "coordination.k8s.io/v1",
        "discovery.k8s.io/v1", "events.k8s.io/v1", "flowcontrol.apiserver.k8s.io/v1", "networking.k8s.io/v1", "node.k8s.io/v1", "policy/v1",
        "rbac.authorization.k8s.io/v1", "scheduling.k8s.io/v1", "storage.k8s.io/v1", "v1",

        // k3s's metrics-server (built in here).
        "metrics.k8s.io/v1beta1",
    ];

    /// <summary>Resources Timonel does not serve yet ("name apiVersion").</summary>
    private static readonly string[] MissingResources =
    [
    ];

    /// <summary>Group/versions Timonel does not serve yet.</summary>
    private static readonly string[] MissingVersions =
    [
    ];

    private KubectlRunner Kubectl() => new(KubectlRunner.Latest, fx.Host.KubeconfigPath, Directory.CreateTempSubdirectory("apilist-home-").FullName);

    [Fact]
    public async Task ApiResources_Kubectl133_IsUpstreamsListLessTheExclusions()
    {
        var run = await Kubectl().RunAsync(["api-resources"]);
        Assert.True(run.ExitCode == 0, run.Stderr);

        var served = ParseTable(run.Stdout);
        var upstream = UpstreamResources.Select(r => $"{r.Name} {r.ApiVersion}").ToList();
        var servedKeys = served.Select(r => $"{r.Name} {r.ApiVersion}").ToList();

        // Nothing served that upstream does not serve, and the exclusions are exactly what is missing.
        Assert.Empty(servedKeys.Except(upstream));
        Assert.Equal(MissingResources.Order(StringComparer.Ordinal), upstream.Except(servedKeys).Order(StringComparer.Ordinal));
        foreach (var r in served)
        {
            var expected = UpstreamResources.Single(u => u.Name == r.Name && u.ApiVersion == r.ApiVersion);
            Assert.Equal((expected.ShortNames, expected.Namespaced, expected.Kind), (r.ShortNames, r.Namespaced, r.Kind));
        }
    }

    [Fact]
    public async Task ApiVersions_Kubectl133_IsUpstreamsListLessTheExclusions()
    {
        var run = await Kubectl().RunAsync(["api-versions"]);
        Assert.True(run.ExitCode == 0, run.Stderr);

        var served = run.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

        Assert.Empty(served.Except(UpstreamVersions));
        Assert.Equal(MissingVersions.Order(StringComparer.Ordinal), UpstreamVersions.Except(served).Order(StringComparer.Ordinal));
    }

    /// <summary>The rows of `kubectl api-resources`, cut at the header's column starts (SHORTNAMES may be blank).</summary>
    private static List<(string Name, string ShortNames, string ApiVersion, bool Namespaced, string Kind)> ParseTable(string stdout)
    {
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var header = lines[0];
        int[] starts = [0, header.IndexOf("SHORTNAMES", StringComparison.Ordinal), header.IndexOf("APIVERSION", StringComparison.Ordinal), header.IndexOf("NAMESPACED", StringComparison.Ordinal), header.IndexOf("KIND", StringComparison.Ordinal)];
        Assert.DoesNotContain(-1, starts);
        return [.. lines.Skip(1).Select(line =>
        {
            string Cell(int i) => (i + 1 < starts.Length ? line[starts[i]..Math.Min(starts[i + 1], line.Length)] : line[starts[i]..]).Trim();
            return (Cell(0), Cell(1), Cell(2), Cell(3) == "true", Cell(4));
        })];
    }
}
