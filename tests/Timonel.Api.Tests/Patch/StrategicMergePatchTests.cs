using System.Text.Json.Nodes;
using k8s.Models;
using Timonel.Api.Patch;
using Xunit;
using static Timonel.Api.Tests.Patch.PatchAssert;

namespace Timonel.Api.Tests.Patch;

public class StrategicMergePatchTests
{
    private const string Pod = """
        {"apiVersion":"v1","kind":"Pod",
         "metadata":{"name":"web","labels":{"app":"web"},"finalizers":["a.io/one","b.io/two","c.io/three"]},
         "spec":{
           "containers":[
             {"name":"web","image":"nginx:1","ports":[{"containerPort":80,"protocol":"TCP"}],"env":[{"name":"A","value":"1"}]},
             {"name":"sidecar","image":"busybox","command":["sleep","inf"]}],
           "tolerations":[{"key":"k1","operator":"Exists"}]},
         "status":{"phase":"Running","conditions":[
           {"type":"Ready","status":"False","lastTransitionTime":"2024-01-01T00:00:00Z"},
           {"type":"PodScheduled","status":"True"}]}}
        """;

    private const string Deployment = """
        {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web"},
         "spec":{"replicas":2,
           "strategy":{"type":"RollingUpdate","rollingUpdate":{"maxSurge":1,"maxUnavailable":0}},
           "template":{"metadata":{"labels":{"app":"web"}},
             "spec":{"containers":[{"name":"web","image":"nginx:1"},{"name":"log","image":"fluentd"}]}}}}
        """;

    private static JsonObject Apply(string document, string patch, Type model) =>
        PatchApplier.Apply(PatchApplier.StrategicMergePatch, Obj(document), Node(patch)!, model);

    private static JsonObject PatchPod(string patch) => Apply(Pod, patch, typeof(V1Pod));

    private static JsonNode? At(JsonNode node, params object[] path)
    {
        JsonNode? current = node;
        foreach (var step in path)
        {
            current = step is int i ? current![i] : current![(string)step];
        }

        return current;
    }

    private static string[] Names(JsonNode? list, string key = "name") =>
        list!.AsArray().Select(i => i![key]!.ToString()).ToArray();

    [Fact]
    public void Apply_KubectlSetImage_ChangesThatContainerAndKeepsTheOthers()
    {
        var result = Apply(Deployment, """{"spec":{"template":{"spec":{"containers":[{"image":"nginx:2","name":"web"}]}}}}""", typeof(V1Deployment));

        var containers = At(result, "spec", "template", "spec", "containers");
        Json("""[{"name":"web","image":"nginx:2"},{"name":"log","image":"fluentd"}]""", containers);
    }

    [Fact]
    public void Apply_ContainerFieldChange_KeepsContainerOtherFields()
    {
        var result = PatchPod("""{"spec":{"containers":[{"name":"sidecar","image":"busybox:2"}]}}""");

        Json("""{"name":"sidecar","image":"busybox:2","command":["sleep","inf"]}""", At(result, "spec", "containers", 1));
        Json("""{"name":"web","image":"nginx:1","ports":[{"containerPort":80,"protocol":"TCP"}],"env":[{"name":"A","value":"1"}]}""", At(result, "spec", "containers", 0));
    }

    [Fact]
    public void Apply_NewEnvVar_IsMergedByNameAndPutFirstLikeUpstream()
    {
        var result = PatchPod("""{"spec":{"containers":[{"name":"web","env":[{"name":"B","value":"2"}]}]}}""");

        // Without $setElementOrder upstream places new items before the live ones.
        Json("""[{"name":"B","value":"2"},{"name":"A","value":"1"}]""", At(result, "spec", "containers", 0, "env"));
    }

    [Fact]
    public void Apply_NewEnvVarWithSetElementOrder_FollowsTheGivenOrder()
    {
        var result = PatchPod("""{"spec":{"containers":[{"name":"web","$setElementOrder/env":[{"name":"A"},{"name":"B"}],"env":[{"name":"B","value":"2"}]}]}}""");

        Json("""[{"name":"A","value":"1"},{"name":"B","value":"2"}]""", At(result, "spec", "containers", 0, "env"));
    }

    [Fact]
    public void Apply_ChangedEnvVar_MergesItByName()
    {
        var result = PatchPod("""{"spec":{"containers":[{"name":"web","env":[{"name":"A","value":"changed"}]}]}}""");

        Json("""[{"name":"A","value":"changed"}]""", At(result, "spec", "containers", 0, "env"));
    }

    [Fact]
    public void Apply_PortsMergeByContainerPort()
    {
        var result = PatchPod("""{"spec":{"containers":[{"name":"web","ports":[{"containerPort":80,"name":"http"}]}]}}""");

        Json("""[{"containerPort":80,"protocol":"TCP","name":"http"}]""", At(result, "spec", "containers", 0, "ports"));
    }

    [Fact]
    public void Apply_DeleteDirectiveOnListItem_RemovesThatContainer()
    {
        var result = PatchPod("""{"spec":{"containers":[{"name":"sidecar","$patch":"delete"}]}}""");

        Assert.Equal(["web"], Names(At(result, "spec", "containers")));
    }

    [Fact]
    public void Apply_ReplaceDirectiveInList_ReplacesWholeList()
    {
        var result = PatchPod("""{"spec":{"containers":[{"name":"only","image":"x"},{"$patch":"replace"}]}}""");

        Json("""[{"name":"only","image":"x"}]""", At(result, "spec", "containers"));
    }

    [Fact]
    public void Apply_ReplaceDirectiveOnMap_ReplacesThatMap()
    {
        var result = PatchPod("""{"metadata":{"labels":{"$patch":"replace","tier":"front"}}}""");

        Json("""{"tier":"front"}""", At(result, "metadata", "labels"));
    }

    [Fact]
    public void Apply_DeleteDirectiveOnMap_EmptiesThatMap()
    {
        var result = PatchPod("""{"metadata":{"labels":{"$patch":"delete"}}}""");

        Json("""{}""", At(result, "metadata", "labels"));
    }

    [Fact]
    public void Apply_MergeDirectiveOnMap_MergesAsByDefault()
    {
        var result = PatchPod("""{"metadata":{"labels":{"$patch":"merge","tier":"front"}}}""");

        Json("""{"app":"web","tier":"front"}""", At(result, "metadata", "labels"));
    }

    [Fact]
    public void Apply_NullValue_DeletesMember()
    {
        var result = PatchPod("""{"metadata":{"labels":{"app":null}},"status":{"phase":null}}""");

        Json("""{}""", At(result, "metadata", "labels"));
        Assert.False(At(result, "status")!.AsObject().ContainsKey("phase"));
    }

    [Fact]
    public void Apply_ListWithoutStrategy_IsReplaced()
    {
        var result = PatchPod("""{"spec":{"tolerations":[{"key":"k2","operator":"Exists"}]}}""");

        Json("""[{"key":"k2","operator":"Exists"}]""", At(result, "spec", "tolerations"));
    }

    [Fact]
    public void Apply_SetElementOrderAlone_ReordersContainers()
    {
        var result = PatchPod("""{"spec":{"$setElementOrder/containers":[{"name":"sidecar"},{"name":"web"}]}}""");

        Assert.Equal(["sidecar", "web"], Names(At(result, "spec", "containers")));
        Assert.Equal("nginx:1", At(result, "spec", "containers", 1, "image")!.ToString());
    }

    [Fact]
    public void Apply_SetElementOrderWithNewItem_PlacesItWhereTheOrderSays()
    {
        var result = PatchPod("""{"spec":{"$setElementOrder/containers":[{"name":"web"},{"name":"mid"},{"name":"sidecar"}],"containers":[{"name":"mid","image":"m"}]}}""");

        Assert.Equal(["web", "mid", "sidecar"], Names(At(result, "spec", "containers")));
    }

    [Fact]
    public void Apply_RetainKeysOnStrategy_SwitchesRollingUpdateToRecreate()
    {
        var result = Apply(Deployment, """{"spec":{"strategy":{"$retainKeys":["type"],"type":"Recreate"}}}""", typeof(V1Deployment));

        Json("""{"type":"Recreate"}""", At(result, "spec", "strategy"));
    }

    [Fact]
    public void Apply_StrategyChangeWithoutRetainKeys_KeepsRollingUpdate()
    {
        var result = Apply(Deployment, """{"spec":{"strategy":{"type":"Recreate"}}}""", typeof(V1Deployment));

        Json("""{"type":"Recreate","rollingUpdate":{"maxSurge":1,"maxUnavailable":0}}""", At(result, "spec", "strategy"));
    }

    [Fact]
    public void Apply_RetainKeysWithUnlistedMember_Throws422()
    {
        var patch = """{"spec":{"strategy":{"$retainKeys":["type"],"type":"Recreate","rollingUpdate":{"maxSurge":2}}}}""";

        var error = Fails(422, () => Apply(Deployment, patch, typeof(V1Deployment)));
        Assert.Contains("rollingUpdate", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Apply_DeleteFromPrimitiveList_RemovesThatFinalizer()
    {
        var result = PatchPod("""{"metadata":{"$deleteFromPrimitiveList/finalizers":["b.io/two"]}}""");

        Json("""["a.io/one","c.io/three"]""", At(result, "metadata", "finalizers"));
    }

    [Fact]
    public void Apply_FinalizersPatch_TakesTheUnion()
    {
        var result = PatchPod("""{"metadata":{"finalizers":["c.io/three","d.io/four"]}}""");

        var finalizers = At(result, "metadata", "finalizers")!.AsArray().Select(f => f!.ToString()).Order().ToArray();
        Assert.Equal(["a.io/one", "b.io/two", "c.io/three", "d.io/four"], finalizers);
    }

    [Fact]
    public void Apply_FinalizersWithSetElementOrderAndDeletion_GivesExactList()
    {
        var patch = """{"metadata":{"$setElementOrder/finalizers":["c.io/three","a.io/one","d.io/four"],"$deleteFromPrimitiveList/finalizers":["b.io/two"],"finalizers":["d.io/four"]}}""";

        Json("""["c.io/three","a.io/one","d.io/four"]""", At(PatchPod(patch), "metadata", "finalizers"));
    }

    [Fact]
    public void Apply_StatusCondition_MergesByType()
    {
        var result = PatchPod("""{"status":{"conditions":[{"type":"Ready","status":"True"}]}}""");

        Json("""[{"type":"Ready","status":"True","lastTransitionTime":"2024-01-01T00:00:00Z"},{"type":"PodScheduled","status":"True"}]""", At(result, "status", "conditions"));
    }

    [Fact]
    public void Apply_NodeConditionsAndDeploymentConditions_MergeByType()
    {
        var node = """{"status":{"conditions":[{"type":"Ready","status":"True"},{"type":"MemoryPressure","status":"False"}]}}""";
        var nodeResult = Apply(node, """{"status":{"conditions":[{"type":"Ready","status":"False","reason":"KubeletDown"}]}}""", typeof(V1Node));
        Json("""[{"type":"Ready","status":"False","reason":"KubeletDown"},{"type":"MemoryPressure","status":"False"}]""", At(nodeResult, "status", "conditions"));

        var deployment = """{"status":{"conditions":[{"type":"Available","status":"True"}]}}""";
        var deploymentResult = Apply(deployment, """{"status":{"conditions":[{"type":"Progressing","status":"True"}]}}""", typeof(V1Deployment));
        Assert.Equal(["Progressing", "Available"], Names(At(deploymentResult, "status", "conditions"), "type"));
    }

    [Fact]
    public void Apply_ServicePorts_MergeByPort()
    {
        var service = """{"spec":{"ports":[{"port":80,"targetPort":8080},{"port":443,"targetPort":8443}]}}""";
        var result = Apply(service, """{"spec":{"ports":[{"port":443,"name":"https"}]}}""", typeof(V1Service));

        Json("""[{"port":80,"targetPort":8080},{"port":443,"targetPort":8443,"name":"https"}]""", At(result, "spec", "ports"));
    }

    [Fact]
    public void Apply_OwnerReferences_MergeByUid()
    {
        var doc = """{"metadata":{"ownerReferences":[{"uid":"u1","kind":"ReplicaSet","name":"rs"}]}}""";
        var result = Apply(doc, """{"metadata":{"ownerReferences":[{"uid":"u1","controller":true}]}}""", typeof(V1Pod));

        Json("""[{"uid":"u1","kind":"ReplicaSet","name":"rs","controller":true}]""", At(result, "metadata", "ownerReferences"));
    }

    [Fact]
    public void Apply_NewFieldWithDirectivesAndNulls_StoresNoDirectiveOrNull()
    {
        var result = PatchPod("""{"spec":{"volumes":[{"name":"data","emptyDir":{"medium":null,"sizeLimit":"1Gi"}},{"name":"gone","$patch":"delete"}]}}""");

        Json("""[{"name":"data","emptyDir":{"sizeLimit":"1Gi"}}]""", At(result, "spec", "volumes"));
    }

    [Fact]
    public void Apply_KubectlLabelAsStrategicPatch_MergesLabels()
    {
        var result = PatchPod("""{"metadata":{"labels":{"tier":"front"}}}""");

        Json("""{"app":"web","tier":"front"}""", At(result, "metadata", "labels"));
    }

    [Fact]
    public void Apply_KubectlApplyPatch_ChangesImageAndDeletesRemovedContainer()
    {
        var patch = """
            {"metadata":{"annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{}"}},
             "spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"web"}],
               "containers":[{"image":"nginx:2","name":"web"},{"$patch":"delete","name":"log"}]}}}}
            """;

        var result = Apply(Deployment, patch, typeof(V1Deployment));

        Json("""[{"name":"web","image":"nginx:2"}]""", At(result, "spec", "template", "spec", "containers"));
        Assert.Equal("{}", At(result, "metadata", "annotations", "kubectl.kubernetes.io/last-applied-configuration")!.ToString());
    }

    [Fact]
    public void Apply_RetainKeysOnVolumeItem_SwitchesVolumeSource()
    {
        var pod = """{"spec":{"volumes":[{"name":"data","emptyDir":{}},{"name":"other","emptyDir":{}}]}}""";
        var patch = """{"spec":{"volumes":[{"$retainKeys":["configMap","name"],"configMap":{"name":"cm"},"name":"data"}]}}""";

        var result = Apply(pod, patch, typeof(V1Pod));

        Json("""[{"name":"data","configMap":{"name":"cm"}},{"name":"other","emptyDir":{}}]""", At(result, "spec", "volumes"));
    }

    [Fact]
    public void Apply_KubectlRolloutRestartAndCordon_AddMissingFields()
    {
        var restarted = Apply(Deployment, """{"spec":{"template":{"metadata":{"annotations":{"kubectl.kubernetes.io/restartedAt":"2025-01-01T00:00:00Z"}}}}}""", typeof(V1Deployment));
        Json("""{"labels":{"app":"web"},"annotations":{"kubectl.kubernetes.io/restartedAt":"2025-01-01T00:00:00Z"}}""", At(restarted, "spec", "template", "metadata"));

        var cordoned = Apply("""{"metadata":{"name":"n1"},"spec":{"podCIDR":"10.0.0.0/24"}}""", """{"spec":{"unschedulable":true}}""", typeof(V1Node));
        Json("""{"podCIDR":"10.0.0.0/24","unschedulable":true}""", At(cordoned, "spec"));
    }

    [Fact]
    public void Apply_MergeDirectiveOnListItem_MergesThatItem()
    {
        var result = PatchPod("""{"spec":{"containers":[{"name":"sidecar","$patch":"merge","image":"busybox:2"}]}}""");

        Json("""{"name":"sidecar","image":"busybox:2","command":["sleep","inf"]}""", At(result, "spec", "containers", 1));
    }

    [Fact]
    public void Apply_Patch_LeavesOriginalUnchanged()
    {
        var original = Obj(Pod);
        var before = original.DeepClone();

        PatchApplier.Apply(PatchApplier.StrategicMergePatch, original, Node("""{"metadata":{"labels":null,"$deleteFromPrimitiveList/finalizers":["a.io/one"]},"spec":{"containers":[{"name":"sidecar","$patch":"delete"},{"name":"web","image":"x"}]}}""")!, typeof(V1Pod));

        Assert.True(JsonNode.DeepEquals(before, original));
    }

    [Theory]
    [InlineData("""[{"metadata":{}}]""")]
    [InlineData("\"x\"")]
    [InlineData("null")]
    public void Apply_PatchNotAnObject_Throws400(string patch) =>
        Fails(400, () => PatchPod(patch));

    [Theory]
    [InlineData("""{"metadata":{"labels":{"$patch":"bogus"}}}""", "unknown patch type")]
    [InlineData("""{"spec":{"containers":[{"name":"web","$patch":7}]}}""", "unknown patch type")]
    [InlineData("""{"spec":{"strategy":{"$retainKeys":"type"}}}""", "retainKeys")]
    [InlineData("""{"spec":{"$setElementOrder/containers":{"name":"web"}}}""", "setElementOrder")]
    [InlineData("""{"spec":{"$setElementOrder/containers":[{"image":"x"}]}}""", "merge key")]
    [InlineData("""{"spec":{"$setElementOrder":[]}}""", "$setElementOrder/<field>")]
    [InlineData("""{"metadata":{"$deleteFromPrimitiveList/finalizers":"a.io/one"}}""", "primitive list")]
    [InlineData("""{"spec":{"containers":[{"image":"no-name"}]}}""", "merge key: name")]
    [InlineData("""{"spec":{"containers":[{"name":"web"},"oops"]}}""", "not identical")]
    [InlineData("""{"spec":{"$setElementOrder/containers":[{"name":"web"},{"name":"sidecar"}],"containers":[{"name":"sidecar","image":"a"},{"name":"web","image":"b"}]}}""", "does not follow the order")]
    public void Apply_MalformedDirective_Throws400WithClearMessage(string patch, string message)
    {
        var error = Fails(400, () => PatchPod(patch));
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Apply_ListOfListsInMergingList_Throws422()
    {
        Fails(422, () => PatchPod("""{"metadata":{"finalizers":[["nested"]]}}"""));
    }
}
