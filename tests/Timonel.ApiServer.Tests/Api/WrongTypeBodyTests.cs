using Xunit;

namespace Timonel.ApiServer.Tests.Api;

/// <summary>
/// A value of the wrong JSON type for its field is a 400 worded as upstream's decoder words it
/// ("json: cannot unmarshal array into Go struct field ServicePort.spec.ports.targetPort of type
/// int32"), never a 500 and never a .NET type name.
/// </summary>
public sealed class WrongTypeBodyTests(ApiServerFixture fx) : IClassFixture<ApiServerFixture>
{
    private const string Pod = """{"apiVersion":"v1","kind":"Pod","metadata":{"name":"NAME"},"spec":{"containers":[{"name":"c","image":"busybox","PROBE":{FIELD}}]}}""";

    public static TheoryData<string, string, string, string> Cases => new()
    {
        {
            "services", "svc-target-port",
            """{"apiVersion":"v1","kind":"Service","metadata":{"name":"NAME"},"spec":{"ports":[{"port":80,"targetPort":[]}]}}""",
            "Service in version \"v1\" cannot be handled as a Service: json: cannot unmarshal array into Go struct field ServicePort.spec.ports.targetPort of type int32"
        },
        {
            "services", "svc-port-fraction",
            """{"apiVersion":"v1","kind":"Service","metadata":{"name":"NAME"},"spec":{"ports":[{"port":80.5}]}}""",
            "Service in version \"v1\" cannot be handled as a Service: json: cannot unmarshal number 80.5 into Go struct field ServicePort.spec.ports.port of type int32"
        },
        {
            "services", "svc-ports-object",
            """{"apiVersion":"v1","kind":"Service","metadata":{"name":"NAME"},"spec":{"ports":{"port":80}}}""",
            "Service in version \"v1\" cannot be handled as a Service: json: cannot unmarshal object into Go struct field ServiceSpec.spec.ports of type []v1.ServicePort"
        },
        {
            "deployments", "dep-max-surge",
            """{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"NAME"},"spec":{"selector":{"matchLabels":{"a":"b"}},"strategy":{"type":"RollingUpdate","rollingUpdate":{"maxSurge":{}}},"template":{"metadata":{"labels":{"a":"b"}},"spec":{"containers":[{"name":"c","image":"busybox"}]}}}}""",
            "Deployment in version \"v1\" cannot be handled as a Deployment: json: cannot unmarshal object into Go struct field RollingUpdateDeployment.spec.strategy.rollingUpdate.maxSurge of type int32"
        },
        {
            "deployments", "dep-max-unavailable",
            """{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"NAME"},"spec":{"selector":{"matchLabels":{"a":"b"}},"strategy":{"rollingUpdate":{"maxUnavailable":[]}},"template":{"metadata":{"labels":{"a":"b"}},"spec":{"containers":[{"name":"c","image":"busybox"}]}}}}""",
            "Deployment in version \"v1\" cannot be handled as a Deployment: json: cannot unmarshal array into Go struct field RollingUpdateDeployment.spec.strategy.rollingUpdate.maxUnavailable of type int32"
        },
        {
            "deployments", "dep-replicas-string",
            """{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"NAME"},"spec":{"replicas":"3","selector":{"matchLabels":{"a":"b"}},"template":{"metadata":{"labels":{"a":"b"}},"spec":{"containers":[{"name":"c","image":"busybox"}]}}}}""",
            "Deployment in version \"v1\" cannot be handled as a Deployment: json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32"
        },
        {
            "deployments", "dep-paused-string",
            """{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"NAME"},"spec":{"paused":"yes","selector":{"matchLabels":{"a":"b"}},"template":{"metadata":{"labels":{"a":"b"}},"spec":{"containers":[{"name":"c","image":"busybox"}]}}}}""",
            "Deployment in version \"v1\" cannot be handled as a Deployment: json: cannot unmarshal string into Go struct field DeploymentSpec.spec.paused of type bool"
        },
        {
            "pods", "pod-httpget-port",
            Pod.Replace("PROBE", "livenessProbe").Replace("{FIELD}", """{"httpGet":{"port":{}}}"""),
            "Pod in version \"v1\" cannot be handled as a Pod: json: cannot unmarshal object into Go struct field HTTPGetAction.spec.containers.livenessProbe.httpGet.port of type int32"
        },
        {
            "pods", "pod-tcp-port",
            Pod.Replace("PROBE", "readinessProbe").Replace("{FIELD}", """{"tcpSocket":{"port":[]}}"""),
            "Pod in version \"v1\" cannot be handled as a Pod: json: cannot unmarshal array into Go struct field TCPSocketAction.spec.containers.readinessProbe.tcpSocket.port of type int32"
        },
        {
            "pods", "pod-grace-string",
            """{"apiVersion":"v1","kind":"Pod","metadata":{"name":"NAME"},"spec":{"terminationGracePeriodSeconds":"x","containers":[{"name":"c","image":"busybox"}]}}""",
            "Pod in version \"v1\" cannot be handled as a Pod: json: cannot unmarshal string into Go struct field PodSpec.spec.terminationGracePeriodSeconds of type int64"
        },
        {
            "pods", "pod-cpu-object",
            """{"apiVersion":"v1","kind":"Pod","metadata":{"name":"NAME"},"spec":{"containers":[{"name":"c","image":"busybox","resources":{"limits":{"cpu":{}}}}]}}""",
            "Pod in version \"v1\" cannot be handled as a Pod: quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
        },
        {
            "networkpolicies", "netpol-port",
            """{"apiVersion":"networking.k8s.io/v1","kind":"NetworkPolicy","metadata":{"name":"NAME"},"spec":{"podSelector":{},"ingress":[{"ports":[{"port":{}}]}]}}""",
            "NetworkPolicy in version \"v1\" cannot be handled as a NetworkPolicy: json: cannot unmarshal object into Go struct field NetworkPolicyPort.spec.ingress.ports.port of type int32"
        },
        {
            "horizontalpodautoscalers", "hpa-min-replicas",
            """{"apiVersion":"autoscaling/v2","kind":"HorizontalPodAutoscaler","metadata":{"name":"NAME"},"spec":{"minReplicas":"two","maxReplicas":3,"scaleTargetRef":{"kind":"Deployment","name":"web","apiVersion":"apps/v1"}}}""",
            "HorizontalPodAutoscaler in version \"v2\" cannot be handled as a HorizontalPodAutoscaler: json: cannot unmarshal string into Go struct field HorizontalPodAutoscalerSpec.spec.minReplicas of type int32"
        },
        {
            "horizontalpodautoscalers", "hpa-target-ref",
            """{"apiVersion":"autoscaling/v2","kind":"HorizontalPodAutoscaler","metadata":{"name":"NAME"},"spec":{"maxReplicas":3,"scaleTargetRef":"web"}}""",
            "HorizontalPodAutoscaler in version \"v2\" cannot be handled as a HorizontalPodAutoscaler: json: cannot unmarshal string into Go struct field HorizontalPodAutoscalerSpec.spec.scaleTargetRef of type v2.CrossVersionObjectReference"
        },
        {
            "horizontalpodautoscalers", "hpa-utilization",
            """{"apiVersion":"autoscaling/v2","kind":"HorizontalPodAutoscaler","metadata":{"name":"NAME"},"spec":{"maxReplicas":3,"scaleTargetRef":{"kind":"Deployment","name":"web"},"metrics":[{"type":"Resource","resource":{"name":"cpu","target":{"type":"Utilization","averageUtilization":[]}}}]}}""",
            "HorizontalPodAutoscaler in version \"v2\" cannot be handled as a HorizontalPodAutoscaler: json: cannot unmarshal array into Go struct field MetricTarget.spec.metrics.resource.target.averageUtilization of type int32"
        },
        {
            "configmaps", "cm-data-number",
            """{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"NAME"},"data":{"k":1}}""",
            "ConfigMap in version \"v1\" cannot be handled as a ConfigMap: json: cannot unmarshal number into Go struct field ConfigMap.data of type string"
        },
        {
            "configmaps", "cm-data-list",
            """{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"NAME"},"data":["k"]}""",
            "ConfigMap in version \"v1\" cannot be handled as a ConfigMap: json: cannot unmarshal array into Go struct field ConfigMap.data of type map[string]string"
        },
        {
            "configmaps", "cm-label-bool",
            """{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"NAME","labels":{"a":true}}}""",
            "ConfigMap in version \"v1\" cannot be handled as a ConfigMap: json: cannot unmarshal bool into Go struct field ObjectMeta.metadata.labels of type string"
        },
        {
            "secrets", "secret-base64",
            """{"apiVersion":"v1","kind":"Secret","metadata":{"name":"NAME"},"data":{"k":"no!"}}""",
            "Secret in version \"v1\" cannot be handled as a Secret: illegal base64 data at input byte 2"
        },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Create_WrongJsonType_Is400WithUpstreamMessage(string resource, string name, string body, string message)
    {
        var ns = await fx.NamespaceAsync("wrong-type");
        var path = Collection(resource, ns);

        var response = await ApiAssert.NoWriteAsync(fx, () => fx.Client.SendAsync(HttpMethod.Post, path, body.Replace("NAME", name), ApiClient.Json));

        ApiAssert.Failure(response, 400, "BadRequest");
        Assert.Equal(message, response.Message);
        Assert.DoesNotContain("System.", response.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("k8s.Models", response.Message, StringComparison.Ordinal);
        Assert.Equal(404, (await fx.Client.GetAsync($"{path}/{name}")).Code);
        Assert.Equal(200, (await fx.Client.GetAsync(path)).Code);
    }

    [Fact]
    public async Task Update_WrongJsonType_Is400AndKeepsTheStoredObject()
    {
        var ns = await fx.NamespaceAsync("wrong-type");
        var path = Collection("services", ns);
        var created = await fx.Client.PostAsync(path, TestObjects.Service("kept"));
        Assert.True(created.Code == 201, created.ToString());
        var replacement = created.Object.DeepClone().AsObject();
        replacement["spec"]!["ports"]![0]!["targetPort"] = new System.Text.Json.Nodes.JsonArray();

        var response = await ApiAssert.NoWriteAsync(fx, () => fx.Client.PutAsync($"{path}/kept", replacement));

        ApiAssert.Failure(response, 400, "BadRequest", "ServicePort.spec.ports.targetPort of type int32");
        Assert.Equal(created.ResourceVersion, (await fx.Client.GetAsync($"{path}/kept")).ResourceVersion);
    }

    private static string Collection(string resource, string ns) => resource switch
    {
        "deployments" => $"/apis/apps/v1/namespaces/{ns}/deployments",
        "networkpolicies" => $"/apis/networking.k8s.io/v1/namespaces/{ns}/networkpolicies",
        "horizontalpodautoscalers" => $"/apis/autoscaling/v2/namespaces/{ns}/horizontalpodautoscalers",
        _ => $"/api/v1/namespaces/{ns}/{resource}",
    };
}
