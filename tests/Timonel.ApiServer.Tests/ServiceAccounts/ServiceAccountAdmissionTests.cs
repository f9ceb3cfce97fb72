using System.Text.Json.Nodes;
using Timonel.ApiServer.Tests.Api;
using Xunit;
using static Timonel.ApiServer.Tests.ServiceAccounts.ServiceAccountTestSupport;

namespace Timonel.ApiServer.Tests.ServiceAccounts;

/// <summary>The ServiceAccount admission plugin on pod create: defaulting, the token volume, opting out, missing accounts.</summary>
public sealed class ServiceAccountAdmissionTests(ApiServerFixture fx) : IClassFixture<ApiServerFixture>
{
    private const string MountPath = "/var/run/secrets/kubernetes.io/serviceaccount";

    private static string Pods(string ns) => $"/api/v1/namespaces/{ns}/pods";

    private static JsonObject PodWithInit(string name)
    {
        var pod = TestObjects.Pod(name);
        pod["spec"]!["initContainers"] = new JsonArray(new JsonObject { ["name"] = "init", ["image"] = "busybox:1.36" });
        return pod;
    }

    [Fact]
    public async Task Create_Pod_GetsDefaultAccountAndProjectedTokenVolumeInEveryContainer()
    {
        var ns = await fx.NamespaceAsync("adm-sa");
        await CreateAccountAsync(fx, ns, "default");

        var created = await fx.Client.PostAsync(Pods(ns), PodWithInit("web"));

        ApiAssert.Code(201, created);
        var spec = created.Body!["spec"]!;
        Assert.Equal("default", ApiResponse.Str(spec["serviceAccountName"]));
        var volume = Assert.Single(spec["volumes"]!.AsArray())!;
        var name = ApiResponse.Str(volume["name"])!;
        Assert.Matches("^kube-api-access-[bcdfghjklmnpqrstvwxz2456789]{5}$", name);
        var sources = volume["projected"]!["sources"]!.AsArray();
        Assert.Equal(3607, (long?)sources[0]!["serviceAccountToken"]?["expirationSeconds"]);
        Assert.Equal("token", ApiResponse.Str(sources[0]!["serviceAccountToken"]?["path"]));
        Assert.Equal("kube-root-ca.crt", ApiResponse.Str(sources[1]!["configMap"]?["name"]));
        Assert.Equal("ca.crt", ApiResponse.Str(sources[1]!["configMap"]?["items"]?[0]?["key"]));
        Assert.Equal("metadata.namespace", ApiResponse.Str(sources[2]!["downwardAPI"]?["items"]?[0]?["fieldRef"]?["fieldPath"]));
        Assert.Equal(420, (long?)volume["projected"]!["defaultMode"]);
        foreach (var container in spec["containers"]!.AsArray().Concat(spec["initContainers"]!.AsArray()))
        {
            var mount = Assert.Single(container!["volumeMounts"]!.AsArray())!;
            Assert.Equal(name, ApiResponse.Str(mount["name"]));
            Assert.Equal(MountPath, ApiResponse.Str(mount["mountPath"]));
            Assert.True((bool?)mount["readOnly"]);
        }
    }

    [Fact]
    public async Task Create_AccountWithPullSecrets_CopiedIntoAPodWithoutAny_ButNotOverAPodsOwn()
    {
        var ns = await fx.NamespaceAsync("adm-pull");
        var account = new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "ServiceAccount",
            ["metadata"] = new JsonObject { ["name"] = "puller" },
            ["imagePullSecrets"] = new JsonArray(new JsonObject { ["name"] = "regcred" }, new JsonObject { ["name"] = "other" }),
        };
        ApiAssert.Code(201, await fx.Client.PostAsync($"/api/v1/namespaces/{ns}/serviceaccounts", account));
        var plain = TestObjects.Pod("plain");
        plain["spec"]!["serviceAccountName"] = "puller";
        var own = TestObjects.Pod("own");
        own["spec"]!["serviceAccountName"] = "puller";
        own["spec"]!["imagePullSecrets"] = new JsonArray(new JsonObject { ["name"] = "mine" });

        var created = await fx.Client.PostAsync(Pods(ns), plain);
        var kept = await fx.Client.PostAsync(Pods(ns), own);

        ApiAssert.Code(201, created);
        Assert.Equal(["regcred", "other"], created.Body!["spec"]!["imagePullSecrets"]!.AsArray().Select(s => ApiResponse.Str(s!["name"])));
        ApiAssert.Code(201, kept);
        Assert.Equal(["mine"], kept.Body!["spec"]!["imagePullSecrets"]!.AsArray().Select(s => ApiResponse.Str(s!["name"])));
    }

    [Fact]
    public async Task Create_PodOptsOut_NoVolume()
    {
        var ns = await fx.NamespaceAsync("adm-optout");
        await CreateAccountAsync(fx, ns, "default");
        var pod = TestObjects.Pod("web");
        pod["spec"]!["automountServiceAccountToken"] = false;

        var created = await fx.Client.PostAsync(Pods(ns), pod);

        ApiAssert.Code(201, created);
        Assert.Equal("default", ApiResponse.Str(created.Body?["spec"]?["serviceAccountName"]));
        Assert.Null(created.Body?["spec"]?["volumes"]);
        Assert.Null(created.Body?["spec"]?["containers"]?[0]?["volumeMounts"]);
    }

    [Fact]
    public async Task Create_AccountOptsOut_NoVolumeUnlessPodOptsIn()
    {
        var ns = await fx.NamespaceAsync("adm-saoptout");
        await CreateAccountAsync(fx, ns, "quiet", automount: false);
        var pod = TestObjects.Pod("a");
        pod["spec"]!["serviceAccountName"] = "quiet";
        var optIn = TestObjects.Pod("b");
        optIn["spec"]!["serviceAccountName"] = "quiet";
        optIn["spec"]!["automountServiceAccountToken"] = true;

        var plain = await fx.Client.PostAsync(Pods(ns), pod);
        var opted = await fx.Client.PostAsync(Pods(ns), optIn);

        ApiAssert.Code(201, plain);
        Assert.Null(plain.Body?["spec"]?["volumes"]);
        ApiAssert.Code(201, opted);
        Assert.Single(opted.Body!["spec"]!["volumes"]!.AsArray());
    }

    [Fact]
    public async Task Create_ContainerAlreadyMountsThePath_KeepsItsOwnMount()
    {
        var ns = await fx.NamespaceAsync("adm-own");
        await CreateAccountAsync(fx, ns, "default");
        var pod = TestObjects.Pod("web");
        pod["spec"]!["volumes"] = new JsonArray(new JsonObject { ["name"] = "mine", ["emptyDir"] = new JsonObject() });
        pod["spec"]!["containers"]![0]!["volumeMounts"] = new JsonArray(new JsonObject { ["name"] = "mine", ["mountPath"] = MountPath });

        var created = await fx.Client.PostAsync(Pods(ns), pod);

        ApiAssert.Code(201, created);
        Assert.Equal("mine", ApiResponse.Str(Assert.Single(created.Body!["spec"]!["volumes"]!.AsArray())!["name"]));
        Assert.Equal("mine", ApiResponse.Str(Assert.Single(created.Body!["spec"]!["containers"]![0]!["volumeMounts"]!.AsArray())!["name"]));
    }

    [Fact]
    public async Task Create_PodNamesMissingAccount_Forbidden()
    {
        var ns = await fx.NamespaceAsync("adm-missing");
        var pod = TestObjects.Pod("web");
        pod["spec"]!["serviceAccountName"] = "ghost";

        var answer = await ApiAssert.NoWriteAsync(fx, () => fx.Client.PostAsync(Pods(ns), pod));

        ApiAssert.Failure(answer, 403, "Forbidden", $"pods \"web\" is forbidden: error looking up service account {ns}/ghost: serviceaccount \"ghost\" not found");
    }

    [Fact]
    public async Task Create_DefaultAccountMissingWithoutController_Admitted()
    {
        // This fixture runs no serviceaccount controller (RequireServiceAccounts is false).
        var ns = await fx.NamespaceAsync("adm-nodefault");

        var created = await fx.Client.PostAsync(Pods(ns), TestObjects.Pod("web"));

        ApiAssert.Code(201, created);
        Assert.Equal("default", ApiResponse.Str(created.Body?["spec"]?["serviceAccountName"]));
        Assert.Single(created.Body!["spec"]!["volumes"]!.AsArray());
    }

    [Fact]
    public async Task Create_PodInMissingNamespace_StillNamespaceNotFound()
    {
        var answer = await fx.Client.PostAsync(Pods("no-such-namespace"), TestObjects.Pod("web"));

        ApiAssert.Failure(answer, 404, "NotFound", "namespaces \"no-such-namespace\" not found");
    }

    [Fact]
    public async Task Create_MirrorPod_Untouched()
    {
        var ns = await fx.NamespaceAsync("adm-mirror");
        var pod = TestObjects.Pod("static-web");
        pod["metadata"]!["annotations"] = new JsonObject { ["kubernetes.io/config.mirror"] = "abc" };

        var created = await fx.Client.PostAsync(Pods(ns), pod);

        ApiAssert.Code(201, created);
        Assert.Null(created.Body?["spec"]?["volumes"]);
    }
}
