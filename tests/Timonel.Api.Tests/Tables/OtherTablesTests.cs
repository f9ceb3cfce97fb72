using Timonel.Registry.Resources;
using Timonel.Registry.Tables;
using Xunit;
using static Timonel.Api.Tests.Tables.TableTestData;

namespace Timonel.Api.Tests.Tables;

public class OtherTablesTests
{
    private static ITableConvertor For(string group, string plural) =>
        TableConvertors.For(ResourceCatalog.Default.All.First(r => r.Group == group && r.Plural == plural));

    [Fact]
    public void ComponentStatus_Rows_FollowTheHealthyCondition()
    {
        var cs = For("", "componentstatuses");
        var healthy = Parse("""{"metadata":{"name":"etcd-0"},"conditions":[{"type":"Healthy","status":"True","message":"ok"}]}""");
        var unhealthy = Parse("""{"metadata":{"name":"scheduler"},"conditions":[{"type":"Healthy","status":"False","error":"lease expired"}]}""");
        var unknown = Parse("""{"metadata":{"name":"x"},"conditions":[{"type":"Other","status":"True"}]}""");

        Assert.Equal(["Name", "Status", "Message", "Error"], cs.Columns.Select(c => c.Name));
        Assert.Equal<object?>(["etcd-0", "Healthy", "ok", ""], cs.Cells(healthy, Now));
        Assert.Equal<object?>(["scheduler", "Unhealthy", "", "lease expired"], cs.Cells(unhealthy, Now));
        Assert.Equal<object?>(["x", "Unknown", "", ""], cs.Cells(unknown, Now));
    }

    [Fact]
    public void CoreEvent_Row_MatchesUpstreamIncludingWideColumns()
    {
        var events = For("", "events");
        var obj = Parse("""
            {"metadata":{"name":"web.17a"},"type":"Warning","reason":"BackOff","message":" Back-off restarting failed container \n",
             "involvedObject":{"kind":"Pod","name":"web","fieldPath":"spec.containers{app}"},
             "source":{"component":"kubelet","host":"n1"},
             "firstTimestamp":"2024-06-01T11:00:00Z","lastTimestamp":"2024-06-01T11:58:00Z","count":7}
            """);

        Assert.Equal(
            ["Last Seen", "Type", "Reason", "Object", "Subobject", "Source", "Message", "First Seen", "Count", "Name"],
            events.Columns.Select(c => c.Name));
        Assert.Equal([0, 0, 0, 0, 1, 1, 0, 1, 1, 1], events.Columns.Select(c => c.Priority));
        Assert.Equal<object?>(
            ["2m", "Warning", "BackOff", "pod/web", "spec.containers{app}", "kubelet, n1", "Back-off restarting failed container", "60m", 7L, "web.17a"],
            events.Cells(obj, Now));
    }

    [Fact]
    public void CoreEvent_NewStyleWithSeries_UsesEventTimeAndSeries()
    {
        var obj = Parse("""
            {"metadata":{"name":"e"},"type":"Normal","reason":"Scheduled","message":"ok","involvedObject":{"kind":"Node"},
             "reportingComponent":"default-scheduler","eventTime":"2024-06-01T11:59:30.000000Z",
             "series":{"count":4,"lastObservedTime":"2024-06-01T11:59:50.000000Z"}}
            """);

        Assert.Equal<object?>(
            ["10s", "Normal", "Scheduled", "node", "", "default-scheduler", "ok", "30s", 4L, "e"],
            For("", "events").Cells(obj, Now));
    }

    [Fact]
    public void EventsV1Event_ReadsRegardingNoteAndDeprecatedFields()
    {
        var obj = Parse("""
            {"metadata":{"name":"e2"},"type":"Normal","reason":"Pulled","note":"Pulled image",
             "regarding":{"kind":"Pod","name":"web"},"reportingController":"kubelet","reportingInstance":"n1",
             "eventTime":"2024-06-01T11:59:00.000000Z"}
            """);

        Assert.Equal<object?>(
            ["60s", "Normal", "Pulled", "pod/web", "", "kubelet, n1", "Pulled image", "60s", 1L, "e2"],
            For("events.k8s.io", "events").Cells(obj, Now));
    }

    [Fact]
    public void Endpoints_ManyAddresses_ShowThreeAndMore()
    {
        var obj = Parse("""
            {"metadata":{"name":"web"},"subsets":[
              {"addresses":[{"ip":"10.42.0.1"},{"ip":"10.42.0.2"}],"ports":[{"name":"http","port":80},{"name":"https","port":443}]},
              {"addresses":[{"ip":"fd00::5"}]}]}
            """);
        var empty = Parse("""{"metadata":{"name":"none"}}""");

        Assert.Equal("10.42.0.1:80,10.42.0.2:80,10.42.0.1:443 + 2 more...", Cell(For("", "endpoints"), obj, "Endpoints"));
        Assert.Equal("<none>", Cell(For("", "endpoints"), empty, "Endpoints"));
    }

    [Fact]
    public void EndpointSlice_Row_ListsPortsAndAddresses()
    {
        var obj = Parse("""
            {"metadata":{"name":"web-x"},"addressType":"IPv4","ports":[{"name":"http","port":80},{"name":"named"},{}],
             "endpoints":[{"addresses":["10.42.0.1"]},{"addresses":["10.42.0.2"]}]}
            """);

        Assert.Equal<object?>(["web-x", "IPv4", "80,named,*", "10.42.0.1,10.42.0.2", "<unknown>"], For("discovery.k8s.io", "endpointslices").Cells(obj, Now));
    }

    [Fact]
    public void ConfigMapSecretServiceAccount_CountEntries()
    {
        var cm = Parse("""{"metadata":{"name":"c"},"data":{"a":"1","b":"2"},"binaryData":{"c":"AA=="}}""");
        var secret = Parse("""{"metadata":{"name":"s"},"type":"Opaque","data":{"k":"dg=="}}""");
        var sa = Parse("""{"metadata":{"name":"default"}}""");

        Assert.Equal<object?>(["c", 3L, "<unknown>"], For("", "configmaps").Cells(cm, Now));
        Assert.Equal<object?>(["s", "Opaque", 1L, "<unknown>"], For("", "secrets").Cells(secret, Now));
        Assert.Equal<object?>(["default", 0L, "<unknown>"], For("", "serviceaccounts").Cells(sa, Now));
    }

    [Fact]
    public void PersistentVolumeAndClaim_Rows_MatchUpstream()
    {
        var pv = Parse("""
            {"metadata":{"name":"pv1"},"spec":{"capacity":{"storage":"1024Mi"},"accessModes":["ReadWriteMany","ReadWriteOnce"],
              "persistentVolumeReclaimPolicy":"Retain","claimRef":{"namespace":"default","name":"data"},"storageClassName":"local"},
             "status":{"phase":"Bound"}}
            """);
        var pending = Parse("""{"metadata":{"name":"data"},"spec":{"resources":{"requests":{"storage":"1Gi"}}},"status":{"phase":"Pending"}}""");
        var bound = Parse("""
            {"metadata":{"name":"data","annotations":{"volume.beta.kubernetes.io/storage-class":"old"}},"spec":{"volumeName":"pv1","storageClassName":"local","volumeMode":"Filesystem"},
             "status":{"phase":"Bound","capacity":{"storage":"1Gi"},"accessModes":["ReadWriteOnce"]}}
            """);

        Assert.Equal<object?>(
            ["pv1", "1Gi", "RWO,RWX", "Retain", "Bound", "default/data", "local", "<unset>", "", "<unknown>", "<unset>"],
            For("", "persistentvolumes").Cells(pv, Now));
        Assert.Equal<object?>(["data", "Pending", "", "", "", "", "<unset>", "<unknown>", "<unset>"], For("", "persistentvolumeclaims").Cells(pending, Now));
        Assert.Equal<object?>(["data", "Bound", "pv1", "1Gi", "RWO", "old", "<unset>", "<unknown>", "Filesystem"], For("", "persistentvolumeclaims").Cells(bound, Now));
    }

    [Fact]
    public void ResourceQuota_SplitsRequestsAndLimits()
    {
        var obj = Parse("""
            {"metadata":{"name":"q"},"status":{"hard":{"pods":"10","requests.cpu":"2","limits.memory":"2Gi","limits.cpu":"4"},"used":{"pods":"3","requests.cpu":"500m"}}}
            """);

        Assert.Equal<object?>(["q", "pods: 3/10, requests.cpu: 500m/2", "limits.cpu: 0/4, limits.memory: 0/2Gi", "<unknown>"], For("", "resourcequotas").Cells(obj, Now));
    }

    [Fact]
    public void RoleBinding_Row_ListsSubjectsByKind()
    {
        var obj = Parse("""
            {"metadata":{"name":"rb"},"roleRef":{"kind":"ClusterRole","name":"view"},
             "subjects":[{"kind":"User","name":"alice"},{"kind":"Group","name":"devs"},{"kind":"User","name":"bob"},{"kind":"ServiceAccount","namespace":"ci","name":"runner"}]}
            """);

        Assert.Equal<object?>(["rb", "ClusterRole/view", "<unknown>", "alice, bob", "devs", "ci/runner"], For("rbac.authorization.k8s.io", "rolebindings").Cells(obj, Now));
        Assert.Equal("Users in the clusterRoleBinding", For("rbac.authorization.k8s.io", "clusterrolebindings").Columns[3].Description);
    }

    [Fact]
    public void ControllerRevision_ShowsControllingOwner()
    {
        var obj = Parse("""
            {"metadata":{"name":"ds-1","ownerReferences":[{"apiVersion":"v1","kind":"Pod","name":"x"},{"apiVersion":"apps/v1","kind":"DaemonSet","name":"agent","controller":true}]},"revision":2}
            """);

        Assert.Equal<object?>(["ds-1", "daemonset.apps/agent", 2L, "<unknown>"], For("apps", "controllerrevisions").Cells(obj, Now));
        Assert.Equal("<none>", Cell(For("apps", "controllerrevisions"), Parse("{}"), "Controller"));
    }

    [Fact]
    public void Ingress_Row_MatchesUpstream()
    {
        var obj = Parse("""
            {"metadata":{"name":"ing"},"spec":{"ingressClassName":"timonel","tls":[{"hosts":["a.example"]}],
              "rules":[{"host":"a.example"},{},{"host":"b.example"},{"host":"c.example"},{"host":"d.example"}]},
             "status":{"loadBalancer":{"ingress":[{"ip":"10.0.0.5"}]}}}
            """);
        var bare = Parse("""{"metadata":{"name":"bare"},"spec":{"rules":[{}]}}""");

        Assert.Equal<object?>(["ing", "timonel", "a.example,b.example,c.example + 2 more...", "10.0.0.5", "80, 443", "<unknown>"], For("networking.k8s.io", "ingresses").Cells(obj, Now));
        Assert.Equal<object?>(["bare", "<none>", "*", "", "80", "<unknown>"], For("networking.k8s.io", "ingresses").Cells(bare, Now));
    }

    [Fact]
    public void HorizontalPodAutoscaler_Targets_ShowCurrentOverTarget()
    {
        var obj = Parse("""
            {"metadata":{"name":"web"},
             "spec":{"scaleTargetRef":{"kind":"Deployment","name":"web"},"minReplicas":1,"maxReplicas":5,
               "metrics":[{"type":"Resource","resource":{"name":"cpu","target":{"type":"Utilization","averageUtilization":80}}},
                          {"type":"Pods","pods":{"metric":{"name":"qps"},"target":{"type":"AverageValue","averageValue":"100"}}},
                          {"type":"Resource","resource":{"name":"memory","target":{"type":"AverageValue","averageValue":"512Mi"}}}]},
             "status":{"currentReplicas":2,"currentMetrics":[{"type":"Resource","resource":{"name":"cpu","current":{"averageUtilization":40}}}]}}
            """);

        Assert.Equal<object?>(
            ["web", "Deployment/web", "cpu: 40%/80%, <unknown>/100 + 1 more...", "1", 5L, 2L, "<unknown>"],
            For("autoscaling", "horizontalpodautoscalers").Cells(obj, Now));
    }

    [Theory]
    [InlineData("""{"type":"Pods","pods":{"metric":{"name":"qps"},"target":{"type":"AverageValue","averageValue":"10"}}}""", """{"type":"Pods","pods":{"metric":{"name":"qps"},"current":{"averageValue":"12500m"}}}""", "12500m/10")]
    [InlineData("""{"type":"Object","object":{"describedObject":{"kind":"Ingress","name":"main"},"metric":{"name":"hits"},"target":{"type":"Value","value":"2k"}}}""", """{"type":"Object","object":{"describedObject":{"kind":"Ingress","name":"main"},"metric":{"name":"hits"},"current":{"value":"3k"}}}""", "3k/2k")]
    [InlineData("""{"type":"Object","object":{"describedObject":{"kind":"Ingress","name":"main"},"metric":{"name":"hits"},"target":{"type":"AverageValue","averageValue":"100"}}}""", """{"type":"Object","object":{"metric":{"name":"hits"},"current":{"averageValue":"150"}}}""", "150/100 (avg)")]
    [InlineData("""{"type":"External","external":{"metric":{"name":"queue"},"target":{"type":"Value","value":"30"}}}""", """{"type":"External","external":{"metric":{"name":"queue"},"current":{"value":"45"}}}""", "45/30")]
    [InlineData("""{"type":"External","external":{"metric":{"name":"queue"},"target":{"type":"AverageValue","averageValue":"5"}}}""", """{"type":"External","external":{"metric":{"name":"queue"},"current":{"averageValue":"5"}}}""", "5/5 (avg)")]
    [InlineData("""{"type":"External","external":{"metric":{"name":"queue"},"target":{"type":"AverageValue","averageValue":"5"}}}""", null, "<unknown>/5 (avg)")]
    public void HorizontalPodAutoscaler_CustomAndExternalTargets_PrintedAsUpstream(string spec, string? status, string expected)
    {
        var obj = Parse($$$"""
            {"metadata":{"name":"web"},
             "spec":{"scaleTargetRef":{"kind":"Deployment","name":"web"},"maxReplicas":5,"metrics":[{{{spec}}}]},
             "status":{"currentReplicas":2,"currentMetrics":[{{{status ?? ""}}}]}}
            """);

        Assert.Equal<object?>(
            ["web", "Deployment/web", expected, "<unset>", 5L, 2L, "<unknown>"],
            For("autoscaling", "horizontalpodautoscalers").Cells(obj, Now));
    }

    [Fact]
    public void StorageClassPriorityClassPdb_Rows_MatchUpstream()
    {
        var sc = Parse("""{"metadata":{"name":"local","annotations":{"storageclass.kubernetes.io/is-default-class":"true"}},"provisioner":"timonel.dev/local"}""");
        var pc = Parse("""{"metadata":{"name":"high"},"value":1000,"globalDefault":true,"preemptionPolicy":"Never"}""");
        var pdb = Parse("""{"metadata":{"name":"p"},"spec":{"minAvailable":"50%"},"status":{"disruptionsAllowed":1}}""");

        Assert.Equal<object?>(["local (default)", "timonel.dev/local", "Delete", "Immediate", false, "<unknown>"], For("storage.k8s.io", "storageclasses").Cells(sc, Now));
        Assert.Equal<object?>(["high", 1000L, true, "<unknown>", "Never"], For("scheduling.k8s.io", "priorityclasses").Cells(pc, Now));
        Assert.Equal<object?>(["p", "50%", "N/A", 1L, "<unknown>"], For("policy", "poddisruptionbudgets").Cells(pdb, Now));
    }

    [Fact]
    public void NamespaceLeaseNetworkPolicyIngressClass_Rows_MatchUpstream()
    {
        Assert.Equal<object?>(["default", "Active", "<unknown>"], For("", "namespaces").Cells(Parse("""{"metadata":{"name":"default"},"status":{"phase":"Active"}}"""), Now));
        Assert.Equal<object?>(["l", "n1", "<unknown>"], For("coordination.k8s.io", "leases").Cells(Parse("""{"metadata":{"name":"l"},"spec":{"holderIdentity":"n1"}}"""), Now));
        Assert.Equal<object?>(["np", "<none>", "<unknown>"], For("networking.k8s.io", "networkpolicies").Cells(Parse("""{"metadata":{"name":"np"},"spec":{"podSelector":{}}}"""), Now));
        Assert.Equal<object?>(
            ["ic", "timonel.dev/ingress", "IngressParameters.k8s.example.com/p", "<unknown>"],
            For("networking.k8s.io", "ingressclasses").Cells(Parse("""{"metadata":{"name":"ic"},"spec":{"controller":"timonel.dev/ingress","parameters":{"apiGroup":"k8s.example.com","kind":"IngressParameters","name":"p"}}}"""), Now));
    }
}
