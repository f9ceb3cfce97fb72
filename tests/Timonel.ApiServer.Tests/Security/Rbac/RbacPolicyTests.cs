using System.Text.Json.Nodes;
using Timonel.ApiServer.Security;
using Timonel.ApiServer.Security.Rbac;
using Xunit;

namespace Timonel.ApiServer.Tests.Security.Rbac;

/// <summary>The RBAC index: which bindings apply to whom, where, in upstream's order, and odd objects granting nothing.</summary>
public sealed class RbacPolicyTests
{
    private static JsonObject Obj(string json) => JsonNode.Parse(json)!.AsObject();

    private static readonly JsonObject ReadPods = Obj("""{"metadata":{"name":"read-pods"},"rules":[{"verbs":["get"],"apiGroups":[""],"resources":["pods"]}]}""");

    [Fact]
    public void RulesFor_UserGroupAndServiceAccountSubjects()
    {
        var policy = RbacPolicy.Build(
            [],
            [Obj("""{"metadata":{"name":"b","namespace":"ns"},"roleRef":{"kind":"ClusterRole","name":"read-pods"},"subjects":[{"kind":"User","name":"alice"},{"kind":"Group","name":"devs"},{"kind":"ServiceAccount","name":"sa"}]}""")],
            [ReadPods],
            []);

        Assert.Single(policy.RulesFor(UserInfo.Authenticated("alice", []), "ns").Rules);
        Assert.Single(policy.RulesFor(UserInfo.Authenticated("bob", ["devs"]), "ns").Rules);
        Assert.Single(policy.RulesFor(UserInfo.Authenticated("system:serviceaccount:ns:sa", []), "ns").Rules);
        Assert.Empty(policy.RulesFor(UserInfo.Authenticated("system:serviceaccount:other:sa", []), "ns").Rules);
        Assert.Empty(policy.RulesFor(UserInfo.Authenticated("alice", []), "other").Rules);
        Assert.Empty(policy.RulesFor(UserInfo.Authenticated("alice", []), "").Rules);
        // Named twice (as the user and through a group), the binding counts once.
        Assert.Single(policy.RulesFor(UserInfo.Authenticated("alice", ["devs"]), "ns").Rules);
    }

    [Fact]
    public void RulesFor_ClusterBindingServiceAccountWithoutNamespace_MatchesNobody()
    {
        var policy = RbacPolicy.Build([], [], [ReadPods], [Obj("""{"metadata":{"name":"b"},"roleRef":{"kind":"ClusterRole","name":"read-pods"},"subjects":[{"kind":"ServiceAccount","name":"sa"}]}""")]);

        Assert.Empty(policy.RulesFor(UserInfo.Authenticated("system:serviceaccount:default:sa", []), "default").Rules);
    }

    [Fact]
    public void RulesFor_MissingRoles_AreErrorsInUpstreamWords()
    {
        var policy = RbacPolicy.Build(
            [],
            [Obj("""{"metadata":{"name":"a","namespace":"ns"},"roleRef":{"kind":"Role","name":"gone"},"subjects":[{"kind":"User","name":"u"}]}""")],
            [],
            [Obj("""{"metadata":{"name":"b"},"roleRef":{"kind":"ClusterRole","name":"gone"},"subjects":[{"kind":"User","name":"u"}]}""")]);

        var held = policy.RulesFor(UserInfo.Authenticated("u", []), "ns");

        Assert.Empty(held.Rules);
        Assert.Equal("[clusterrole.rbac.authorization.k8s.io \"gone\" not found, role.rbac.authorization.k8s.io \"gone\" not found]", held.ErrorText());
    }

    [Fact]
    public void Build_OddObjects_GrantNothingAndDoNotThrow()
    {
        var policy = RbacPolicy.Build(
            [Obj("""{"metadata":{"name":"r","namespace":"ns"},"rules":"not a list"}""")],
            [Obj("""{"metadata":{"name":"x","namespace":"ns"},"roleRef":{"kind":"Role","name":"r"},"subjects":[{"kind":"User"},{"kind":7,"name":"u"},"junk",{"kind":"User","name":"u"}]}"""), Obj("""{"metadata":{}}""")],
            [Obj("""{"metadata":{"name":"c"},"rules":[{"verbs":[1,"get"],"apiGroups":[""],"resources":["pods"]},"junk"]}""")],
            [Obj("""{"metadata":{"name":"y"},"roleRef":{"kind":"Something","name":"c"},"subjects":[{"kind":"User","name":"u"}]}""")]);

        var held = policy.RulesFor(UserInfo.Authenticated("u", []), "ns");

        Assert.Empty(held.Rules);
        Assert.Equal("unsupported role reference kind: \"Something\"", held.ErrorText());
    }
}
