using System.Text.Json.Nodes;

namespace Timonel.ApiServer.Tests.Resources;

/// <summary>
/// A minimal valid body (without metadata) per built-in resource, keyed by "plural.group", for
/// tests that create one object of every kind. A resource missing here fails the contract test:
/// add its sample with the definition.
/// </summary>
internal static class ResourceSamples
{
    private static JsonObject Containers(string restartPolicy = "Always") => new()
    {
        ["restartPolicy"] = restartPolicy,
        ["containers"] = new JsonArray(new JsonObject { ["name"] = "c", ["image"] = "busybox:1.36" }),
    };

    private static JsonObject Template(string restartPolicy = "Always") => new()
    {
        ["metadata"] = new JsonObject { ["labels"] = new JsonObject { ["app"] = "a" } },
        ["spec"] = Containers(restartPolicy),
    };

    private static JsonObject Selector() => new() { ["matchLabels"] = new JsonObject { ["app"] = "a" } };

    private static JsonObject RoleRef(string kind) => new() { ["apiGroup"] = "rbac.authorization.k8s.io", ["kind"] = kind, ["name"] = "r" };

    /// <summary>The sample of <paramref name="groupResource"/> ("pods", "deployments.apps"), or null.</summary>
    /// <param name="groupResource">The resource.</param>
    /// <param name="ns">The namespace the object goes into, for fields that name it.</param>
    public static JsonObject? For(string groupResource, string ns) => groupResource switch
    {
        "namespaces" or "configmaps" or "secrets" or "serviceaccounts" or "endpoints" or "nodes" or "leases.coordination.k8s.io" => new JsonObject(),
        "pods" => new JsonObject { ["spec"] = Containers() },
        "customresourcedefinitions.apiextensions.k8s.io" => new JsonObject
        {
            // A CRD's name is "<plural>.<group>" of what it defines.
            ["metadata"] = new JsonObject { ["name"] = "contracts.contract.timonel.dev" },
            ["spec"] = new JsonObject
            {
                ["group"] = "contract.timonel.dev",
                ["scope"] = "Namespaced",
                ["names"] = new JsonObject { ["plural"] = "contracts", ["kind"] = "Contract" },
                ["versions"] = new JsonArray(new JsonObject
                {
                    ["name"] = "v1",
                    ["served"] = true,
                    ["storage"] = true,
                    ["schema"] = new JsonObject { ["openAPIV3Schema"] = new JsonObject { ["type"] = "object", ["x-kubernetes-preserve-unknown-fields"] = true } },
                }),
            },
        },
        "services" => new JsonObject { ["spec"] = new JsonObject { ["ports"] = new JsonArray(new JsonObject { ["port"] = 80 }) } },
        "events" => new JsonObject
        {
            ["involvedObject"] = new JsonObject { ["kind"] = "Pod", ["name"] = "p", ["namespace"] = ns, ["apiVersion"] = "v1" },
            ["reason"] = "Tested",
            ["message"] = "a contract test",
            ["type"] = "Normal",
            ["source"] = new JsonObject { ["component"] = "contract-test" },
        },
        "events.events.k8s.io" => new JsonObject
        {
            ["eventTime"] = "2026-01-01T00:00:00.000000Z",
            ["reportingController"] = "timonel.dev/contract-test",
            ["reportingInstance"] = "contract-test-1",
            ["action"] = "Test",
            ["reason"] = "Tested",
            ["type"] = "Normal",
            ["regarding"] = new JsonObject { ["kind"] = "Pod", ["name"] = "p", ["namespace"] = ns, ["apiVersion"] = "v1" },
        },
        "persistentvolumes" => new JsonObject
        {
            ["spec"] = new JsonObject
            {
                ["capacity"] = new JsonObject { ["storage"] = "1Gi" },
                ["accessModes"] = new JsonArray("ReadWriteOnce"),
                ["hostPath"] = new JsonObject { ["path"] = "/tmp/contract" },
            },
        },
        "persistentvolumeclaims" => new JsonObject
        {
            ["spec"] = new JsonObject
            {
                ["accessModes"] = new JsonArray("ReadWriteOnce"),
                ["resources"] = new JsonObject { ["requests"] = new JsonObject { ["storage"] = "1Gi" } },
            },
        },
        "resourcequotas" => new JsonObject { ["spec"] = new JsonObject { ["hard"] = new JsonObject { ["configmaps"] = "100" } } },
        "limitranges" => new JsonObject
        {
            ["spec"] = new JsonObject { ["limits"] = new JsonArray(new JsonObject { ["type"] = "Container", ["max"] = new JsonObject { ["cpu"] = "4" } }) },
        },
        "podtemplates" => new JsonObject { ["template"] = Template() },
        "replicationcontrollers" => new JsonObject { ["spec"] = new JsonObject { ["selector"] = new JsonObject { ["app"] = "a" }, ["template"] = Template() } },
        "deployments.apps" or "replicasets.apps" or "daemonsets.apps" => new JsonObject { ["spec"] = new JsonObject { ["selector"] = Selector(), ["template"] = Template() } },
        "statefulsets.apps" => new JsonObject { ["spec"] = new JsonObject { ["serviceName"] = "s", ["selector"] = Selector(), ["template"] = Template() } },
        "controllerrevisions.apps" => new JsonObject { ["revision"] = 1 },
        "jobs.batch" => new JsonObject { ["spec"] = new JsonObject { ["template"] = new JsonObject { ["spec"] = Containers("Never") } } },
        "cronjobs.batch" => new JsonObject
        {
            ["spec"] = new JsonObject
            {
                ["schedule"] = "*/5 * * * *",
                ["jobTemplate"] = new JsonObject { ["spec"] = new JsonObject { ["template"] = new JsonObject { ["spec"] = Containers("Never") } } },
            },
        },
        "endpointslices.discovery.k8s.io" => new JsonObject { ["addressType"] = "IPv4", ["endpoints"] = new JsonArray() },
        "ingresses.networking.k8s.io" => new JsonObject
        {
            ["spec"] = new JsonObject
            {
                ["defaultBackend"] = new JsonObject { ["service"] = new JsonObject { ["name"] = "s", ["port"] = new JsonObject { ["number"] = 80 } } },
            },
        },
        "ingressclasses.networking.k8s.io" => new JsonObject { ["spec"] = new JsonObject { ["controller"] = "timonel.dev/contract" } },
        "networkpolicies.networking.k8s.io" => new JsonObject { ["spec"] = new JsonObject { ["podSelector"] = new JsonObject() } },
        "poddisruptionbudgets.policy" => new JsonObject { ["spec"] = new JsonObject { ["minAvailable"] = 1, ["selector"] = Selector() } },
        "roles.rbac.authorization.k8s.io" or "clusterroles.rbac.authorization.k8s.io" => new JsonObject { ["rules"] = new JsonArray() },
        "rolebindings.rbac.authorization.k8s.io" => new JsonObject { ["roleRef"] = RoleRef("Role") },
        "clusterrolebindings.rbac.authorization.k8s.io" => new JsonObject { ["roleRef"] = RoleRef("ClusterRole") },
        "horizontalpodautoscalers.autoscaling" => new JsonObject
        {
            ["spec"] = new JsonObject
            {
                ["scaleTargetRef"] = new JsonObject { ["apiVersion"] = "apps/v1", ["kind"] = "Deployment", ["name"] = "d" },
                ["maxReplicas"] = 2,
            },
        },
        "priorityclasses.scheduling.k8s.io" => new JsonObject { ["value"] = 1000 },
        "storageclasses.storage.k8s.io" => new JsonObject { ["provisioner"] = "timonel.dev/contract" },
        "mutatingwebhookconfigurations.admissionregistration.k8s.io" or "validatingwebhookconfigurations.admissionregistration.k8s.io" => new JsonObject
        {
            ["webhooks"] = new JsonArray(new JsonObject
            {
                ["name"] = "contract.timonel.dev",
                ["clientConfig"] = new JsonObject { ["url"] = "https://127.0.0.1:9443/hook" },
                ["sideEffects"] = "None",
                ["admissionReviewVersions"] = new JsonArray("v1"),
            }),
        },
        "validatingadmissionpolicies.admissionregistration.k8s.io" => new JsonObject
        {
            ["spec"] = new JsonObject
            {
                ["matchConstraints"] = new JsonObject
                {
                    ["resourceRules"] = new JsonArray(new JsonObject
                    {
                        ["apiGroups"] = new JsonArray("apps"), ["apiVersions"] = new JsonArray("v1"), ["operations"] = new JsonArray("CREATE"), ["resources"] = new JsonArray("deployments"),
                    }),
                },
                ["validations"] = new JsonArray(new JsonObject { ["expression"] = "object.spec.replicas <= 5" }),
            },
        },
        "validatingadmissionpolicybindings.admissionregistration.k8s.io" => new JsonObject { ["spec"] = new JsonObject { ["policyName"] = "p", ["validationActions"] = new JsonArray("Deny") } },
        // APIService names are version.group, IPAddress names the address: the sample names them.
        "apiservices.apiregistration.k8s.io" => new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = "v1.contract.timonel.dev" },
            ["spec"] = new JsonObject { ["group"] = "contract.timonel.dev", ["version"] = "v1", ["groupPriorityMinimum"] = 100, ["versionPriority"] = 10 },
        },
        "ipaddresses.networking.k8s.io" => new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = "192.0.2.10" },
            ["spec"] = new JsonObject { ["parentRef"] = new JsonObject { ["group"] = "", ["resource"] = "services", ["namespace"] = ns, ["name"] = "s" } },
        },
        "servicecidrs.networking.k8s.io" => new JsonObject { ["spec"] = new JsonObject { ["cidrs"] = new JsonArray("10.250.0.0/24") } },
        "certificatesigningrequests.certificates.k8s.io" => new JsonObject
        {
            ["spec"] = new JsonObject { ["request"] = ContractCsr, ["signerName"] = "timonel.dev/contract", ["usages"] = new JsonArray("client auth") },
        },
        "flowschemas.flowcontrol.apiserver.k8s.io" => new JsonObject { ["spec"] = new JsonObject { ["priorityLevelConfiguration"] = new JsonObject { ["name"] = "global-default" } } },
        "prioritylevelconfigurations.flowcontrol.apiserver.k8s.io" => new JsonObject
        {
            ["spec"] = new JsonObject { ["type"] = "Limited", ["limited"] = new JsonObject { ["limitResponse"] = new JsonObject { ["type"] = "Reject" } } },
        },
        "runtimeclasses.node.k8s.io" => new JsonObject { ["handler"] = "runc" },
        "csidrivers.storage.k8s.io" => new JsonObject { ["spec"] = new JsonObject() },
        "csinodes.storage.k8s.io" => new JsonObject { ["spec"] = new JsonObject { ["drivers"] = new JsonArray() } },
        "csistoragecapacities.storage.k8s.io" => new JsonObject { ["storageClassName"] = "sc" },
        "volumeattachments.storage.k8s.io" => new JsonObject
        {
            ["spec"] = new JsonObject { ["attacher"] = "csi.timonel.dev", ["nodeName"] = "n", ["source"] = new JsonObject { ["persistentVolumeName"] = "pv" } },
        },
        _ => null,
    };

    /// <summary>A PEM certificate signing request (CN=contract), base64-encoded as spec.request carries it.</summary>
    private const string ContractCsr = "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURSBSRVFVRVNULS0tLS0KTUlITk1IVUNBUUF3RXpFUk1BOEdBMVVFQXd3SVkyOXVkSEpoWTNRd1dUQVRCZ2NxaGtqT1BRSUJCZ2dxaGtqTwpQUU1CQndOQ0FBUmwrUEU3VjFTbGhxbExFK1h4dzFuUGhLcVVIdjlmMThxd21YWGd3dDBXU0IwdlRQd1cwQ2Y1CkloQkhuK1cwaUM5THFEcUNzanUyeWhwUVZRclJNTWFFb0FBd0NnWUlLb1pJemowRUF3SURTQUF3UlFJZ2FwUE0KU0Q1NVlxQ20zcnpWSmx1TGlFV0p5aTFrOTJGakhKTzdHZXZmNXFzQ0lRRFZjd1VSM1pTcHA0WjR3SWVLOW9UTwp6WFNOUkxrb2t2ZEk1dEp1VmFiWnFBPT0KLS0tLS1FTkQgQ0VSVElGSUNBVEUgUkVRVUVTVC0tLS0tCg==";
}
