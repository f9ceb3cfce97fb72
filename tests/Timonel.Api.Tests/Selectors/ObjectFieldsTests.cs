using System.Text.Json.Nodes;
using Timonel.Api.Errors;
using Timonel.Api.Selectors;
using Timonel.Registry.Resources;
using Timonel.Registry.Selectors;
using Xunit;

namespace Timonel.Api.Tests.Selectors;

public class ObjectFieldsTests
{
    private static ApiResource Resource(string group, string plural) =>
        ResourceCatalog.Default.All.First(r => r.Group == group && r.Plural == plural);

    private static JsonObject Json(string text) => JsonNode.Parse(text)!.AsObject();

    [Fact]
    public void Get_Pod_ReadsEverySelectableField()
    {
        var pod = Json("""
            {"metadata":{"name":"web-1","namespace":"shop"},
             "spec":{"nodeName":"n1","restartPolicy":"Always","schedulerName":"default-scheduler","serviceAccountName":"sa","hostNetwork":true},
             "status":{"phase":"Running","podIP":"10.0.0.9","podIPs":[{"ip":"10.0.0.9"},{"ip":"fd00::9"}],"nominatedNodeName":"n2"}}
            """);

        var fields = ObjectFields.Get(Resource("", "pods"), pod);

        Assert.Equal("web-1", fields["metadata.name"]);
        Assert.Equal("shop", fields["metadata.namespace"]);
        Assert.Equal("n1", fields["spec.nodeName"]);
        Assert.Equal("n1", fields["spec.host"]);
        Assert.Equal("Always", fields["spec.restartPolicy"]);
        Assert.Equal("default-scheduler", fields["spec.schedulerName"]);
        Assert.Equal("sa", fields["spec.serviceAccountName"]);
        Assert.Equal("true", fields["spec.hostNetwork"]);
        Assert.Equal("Running", fields["status.phase"]);
        Assert.Equal("10.0.0.9", fields["status.podIP"]);
        Assert.Equal("", fields["status.podIPs"]);
        Assert.Equal("n2", fields["status.nominatedNodeName"]);
    }

    [Fact]
    public void Get_BarePod_MissingFieldsReadAsGoZeroValues()
    {
        var fields = ObjectFields.Get(Resource("", "pods"), Json("""{"metadata":{"name":"p"}}"""));

        Assert.Equal("", fields["spec.nodeName"]);
        Assert.Equal("false", fields["spec.hostNetwork"]);
        Assert.Equal("", fields["status.podIP"]);
        Assert.Equal("", fields["metadata.namespace"]);
    }

    [Fact]
    public void Get_PodWithOnlyPodIP_UsesIt()
    {
        var fields = ObjectFields.Get(Resource("", "pods"), Json("""{"status":{"podIP":"10.1.1.1"}}"""));

        Assert.Equal("10.1.1.1", fields["status.podIP"]);
    }

    [Theory]
    [InlineData("""{"metadata":{"name":"n1"},"spec":{"unschedulable":true}}""", "true")]
    [InlineData("""{"metadata":{"name":"n1"},"spec":{}}""", "false")]
    [InlineData("""{"metadata":{"name":"n1"}}""", "false")]
    public void Get_Node_UnschedulableAsBoolean(string json, string expected)
    {
        var fields = ObjectFields.Get(Resource("", "nodes"), Json(json));

        Assert.Equal(expected, fields["spec.unschedulable"]);
        Assert.Equal("n1", fields["metadata.name"]);
    }

    [Fact]
    public void Supported_Node_NameAndUnschedulableOnly()
    {
        Assert.Equal(["metadata.name", "spec.unschedulable"], ObjectFields.Supported(Resource("", "nodes")).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Get_CoreEvent_InvolvedObjectAndSourceFallback()
    {
        var withSource = Json("""
            {"metadata":{"name":"e1","namespace":"default"},
             "involvedObject":{"kind":"Pod","namespace":"default","name":"web","uid":"u1","apiVersion":"v1","resourceVersion":"7","fieldPath":"spec.containers{c}"},
             "reason":"Pulled","type":"Normal","source":{"component":"kubelet"},"reportingComponent":"kubelet-x"}
            """);
        var withoutSource = Json("""{"metadata":{"name":"e2"},"reportingComponent":"scheduler"}""");
        var events = Resource("", "events");

        var fields = ObjectFields.Get(events, withSource);

        Assert.Equal("Pod", fields["involvedObject.kind"]);
        Assert.Equal("default", fields["involvedObject.namespace"]);
        Assert.Equal("web", fields["involvedObject.name"]);
        Assert.Equal("u1", fields["involvedObject.uid"]);
        Assert.Equal("v1", fields["involvedObject.apiVersion"]);
        Assert.Equal("7", fields["involvedObject.resourceVersion"]);
        Assert.Equal("spec.containers{c}", fields["involvedObject.fieldPath"]);
        Assert.Equal("Pulled", fields["reason"]);
        Assert.Equal("Normal", fields["type"]);
        Assert.Equal("kubelet", fields["source"]);
        Assert.Equal("kubelet-x", fields["reportingComponent"]);
        Assert.Equal("scheduler", ObjectFields.Get(events, withoutSource)["source"]);
    }

    [Fact]
    public void Get_EventsV1Event_RegardingFields()
    {
        var ev = Json("""
            {"metadata":{"name":"e1","namespace":"default"},"regarding":{"kind":"Node","name":"n1"},
             "reason":"Ready","type":"Normal","reportingController":"kubelet"}
            """);
        var eventsV1 = Resource("events.k8s.io", "events");

        var fields = ObjectFields.Get(eventsV1, ev);

        Assert.Equal("Node", fields["regarding.kind"]);
        Assert.Equal("n1", fields["regarding.name"]);
        Assert.Equal("", fields["regarding.namespace"]);
        Assert.Equal("kubelet", fields["reportingController"]);
        Assert.Equal("kubelet", fields["source"]);
        Assert.DoesNotContain("involvedObject.name", ObjectFields.Supported(eventsV1));
    }

    [Theory]
    [InlineData("""{"metadata":{"name":"s","namespace":"ns"},"type":"kubernetes.io/tls"}""", "kubernetes.io/tls")]
    [InlineData("""{"metadata":{"name":"s","namespace":"ns"}}""", "")]
    public void Get_Secret_Type(string json, string expected)
    {
        Assert.Equal(expected, ObjectFields.Get(Resource("", "secrets"), Json(json))["type"]);
    }

    [Theory]
    [InlineData("""{"status":{"succeeded":3}}""", "3")]
    [InlineData("""{"status":{}}""", "0")]
    public void Get_Job_SuccessfulCount(string json, string expected)
    {
        Assert.Equal(expected, ObjectFields.Get(Resource("batch", "jobs"), Json(json))["status.successful"]);
    }

    [Fact]
    public void Get_NamespaceAndService_TheirFields()
    {
        Assert.Equal("Terminating", ObjectFields.Get(Resource("", "namespaces"), Json("""{"status":{"phase":"Terminating"}}"""))["status.phase"]);

        var svc = ObjectFields.Get(Resource("", "services"), Json("""{"spec":{"clusterIP":"10.43.0.1","type":"ClusterIP"}}"""));
        Assert.Equal("10.43.0.1", svc["spec.clusterIP"]);
        Assert.Equal("ClusterIP", svc["spec.type"]);
    }

    [Theory]
    [InlineData("", "pods", "spec.foo=x", "field label not supported: spec.foo")]
    [InlineData("", "nodes", "metadata.namespace=x", "field label not supported: metadata.namespace")]
    [InlineData("", "events", "regarding.name=x", "field label not supported: regarding.name")]
    [InlineData("events.k8s.io", "events", "involvedObject.name=x", "field label not supported: involvedObject.name")]
    [InlineData("batch", "jobs", "status.active=1", "field label \"status.active\" not supported for batchv1.Job")]
    [InlineData("", "configmaps", "data.x=y", "\"data.x\" is not a known field selector: only \"metadata.name\", \"metadata.namespace\"")]
    [InlineData("apps", "replicasets", "status.replicas=0", "\"status.replicas\" is not a known field selector: only \"metadata.name\", \"metadata.namespace\"")]
    [InlineData("networking.k8s.io", "ingresses", "foo.bar=baz", "\"foo.bar\" is not a known field selector: only \"metadata.name\", \"metadata.namespace\"")]
    [InlineData("", "pods", "metadata.name=a,spec.zzz=b", "field label not supported: spec.zzz")]
    public void Validate_UnsupportedField_ThrowsUpstreamMessage(string group, string plural, string selector, string message)
    {
        var e = Assert.Throws<ApiException>(() => ObjectFields.Validate(Resource(group, plural), FieldSelector.Parse(selector)));

        Assert.Equal(400, e.Code);
        Assert.Equal("BadRequest", e.Reason);
        Assert.Equal(message, e.Message);
    }

    [Theory]
    [InlineData("", "pods", "spec.nodeName=n1,status.phase!=Failed,spec.host=n1,status.podIPs=")]
    [InlineData("", "nodes", "spec.unschedulable=false,metadata.name=n1")]
    [InlineData("", "secrets", "type=Opaque,metadata.namespace=ns")]
    [InlineData("", "events", "involvedObject.kind=Pod,reason=x,reportingComponent=y,source=z,type=Normal")]
    [InlineData("events.k8s.io", "events", "regarding.kind=Pod,reportingController=y,source=z")]
    [InlineData("", "persistentvolumes", "metadata.name=pv1,metadata.namespace=")]
    public void Validate_SupportedFields_DoesNotThrow(string group, string plural, string selector)
    {
        ObjectFields.Validate(Resource(group, plural), FieldSelector.Parse(selector));
    }

    [Fact]
    public void Supported_EveryCatalogResource_HasMetadataName()
    {
        foreach (var resource in ResourceCatalog.Default.All)
        {
            Assert.Contains("metadata.name", ObjectFields.Supported(resource));
            Assert.Equal(ObjectFields.Supported(resource).Order(StringComparer.Ordinal), ObjectFields.Get(resource, new JsonObject()).Keys.Order(StringComparer.Ordinal));
        }
    }

    [Theory]
    [InlineData("spec.nodeName=n1", true)]
    [InlineData("spec.nodeName=n2", false)]
    [InlineData("status.phase!=Running", false)]
    [InlineData("spec.hostNetwork=false,metadata.namespace=shop", true)]
    [InlineData("spec.nodeName=", false)]
    public void Matches_PodThroughObjectFields(string selector, bool expected)
    {
        var pods = Resource("", "pods");
        var pod = Json("""{"metadata":{"name":"p","namespace":"shop"},"spec":{"nodeName":"n1"},"status":{"phase":"Running"}}""");
        var fieldSelector = FieldSelector.Parse(selector);

        ObjectFields.Validate(pods, fieldSelector);

        Assert.Equal(expected, fieldSelector.Matches(ObjectFields.Get(pods, pod)));
    }
}
