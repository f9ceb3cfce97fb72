using k8s;
using k8s.Models;
using Timonel.Testing;
using Xunit;

namespace Timonel.Controllers.Tests.ServiceAccount;

public sealed class ServiceAccountControllerTests : IAsyncLifetime
{
    private const string Pem = "-----BEGIN CERTIFICATE-----\nTEST\n-----END CERTIFICATE-----\n";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private ControllerHarness _harness = null!;

    private IKubernetes Client => _harness.Client;

    public async Task InitializeAsync() =>
        _harness = await ControllerHarness.StartAsync(new ControllerManagerOptions { RootCaPem = Pem }, "serviceaccount", "root-ca-cert-publisher");

    public async Task DisposeAsync() => await _harness.DisposeAsync();

    private Task<V1ServiceAccount> WaitDefaultAsync(string ns) =>
        Eventually.WaitAsync(async ct => (await Client.CoreV1.ListNamespacedServiceAccountAsync(ns, cancellationToken: ct)).Items.FirstOrDefault(s => s.Metadata.Name == "default"), Patience, $"ServiceAccount default in {ns}");

    private Task<V1ConfigMap> WaitRootCaAsync(string ns, Func<V1ConfigMap, bool>? accept = null) =>
        Eventually.WaitAsync(async ct =>
        {
            var cm = (await Client.CoreV1.ListNamespacedConfigMapAsync(ns, cancellationToken: ct)).Items.FirstOrDefault(c => c.Metadata.Name == "kube-root-ca.crt");
            return cm is not null && (accept?.Invoke(cm) ?? true) ? cm : null;
        }, Patience, $"kube-root-ca.crt in {ns}");

    [Fact]
    public async Task NewNamespace_GetsDefaultServiceAccount_RecreatedWhenDeleted()
    {
        var ns = await _harness.Cluster.CreateNamespaceAsync("sa");
        var first = await WaitDefaultAsync(ns);

        await Client.CoreV1.DeleteNamespacedServiceAccountAsync("default", ns);

        var second = await Eventually.WaitAsync(async ct => (await Client.CoreV1.ListNamespacedServiceAccountAsync(ns, cancellationToken: ct)).Items.FirstOrDefault(s => s.Metadata.Name == "default" && s.Metadata.Uid != first.Metadata.Uid), Patience, "a new default ServiceAccount");
        Assert.NotEqual(first.Metadata.Uid, second.Metadata.Uid);
    }

    [Fact]
    public async Task ExistingNamespaces_GetDefaultServiceAccount()
    {
        await WaitDefaultAsync("default");
        await WaitDefaultAsync("kube-system");
    }

    [Fact]
    public async Task NewNamespace_GetsRootCaConfigMap_RestoredWhenEditedOrDeleted()
    {
        var ns = await _harness.Cluster.CreateNamespaceAsync("ca");
        var cm = await WaitRootCaAsync(ns);
        Assert.Equal(Pem, cm.Data["ca.crt"]);
        Assert.Contains("kubernetes.io/description", cm.Metadata.Annotations.Keys);

        cm.Data["ca.crt"] = "tampered";
        cm.Data["extra"] = "x";
        await Client.CoreV1.ReplaceNamespacedConfigMapAsync(cm, "kube-root-ca.crt", ns);
        var restored = await WaitRootCaAsync(ns, c => c.Data.Count == 1 && c.Data["ca.crt"] == Pem);
        Assert.Equal(Pem, restored.Data["ca.crt"]);

        await Client.CoreV1.DeleteNamespacedConfigMapAsync("kube-root-ca.crt", ns);
        var recreated = await WaitRootCaAsync(ns, c => c.Metadata.Uid != restored.Metadata.Uid);
        Assert.Equal(Pem, recreated.Data["ca.crt"]);
    }
}
