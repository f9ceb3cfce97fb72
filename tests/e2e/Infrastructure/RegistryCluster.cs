using Timonel.Kubelet.Images;

namespace Timonel.E2E.Tests.Infrastructure;

/// <summary>
/// One control plane, one node agent, and three docker-registry servers on 127.0.0.1 inside the
/// node's network namespace (made by the test), where the agent's containerd pulls from:
/// <list type="bullet">
/// <item><see cref="Secured"/> (:5443): TLS with the test CA, htpasswd user alice; the agent's
/// registries.yaml gives the CA only, so pulls need an imagePullSecret. It is also the mirror
/// endpoint of the (unresolvable) registry name mirror.test.</item>
/// <item><see cref="Untrusted"/> (:5444): TLS with another CA than the one registries.yaml names for it.</item>
/// <item><see cref="NodeCredentials"/> (:5445): TLS with the test CA, htpasswd user node, whose
/// password is in registries.yaml: pods pull from it without any secret.</item>
/// <item><see cref="PlainHttp"/> (:5446): no TLS, no auth, empty (the README's example); its
/// registries.yaml mirror entry says its endpoint is http://.</item>
/// <item><see cref="StallingProxy"/> (:5447): plain HTTP in front of PlainHttp that can stall
/// layers mid-way; the agent cancels a pull after 10 s without progress
/// (--image-pull-progress-deadline).</item>
/// </list>
/// The first three hold e2e/busybox:1 (the project's busybox image, pushed by the test); Secured
/// also e2e/armonly:1, a manifest list offering only linux/arm64.
/// </summary>
public sealed class RegistryCluster : MultiNodeCluster, IAsyncLifetime
{
    public const string Repository = "e2e/busybox";
    public const string Tag = "1";
    public const string MirrorName = "mirror.test";
    public static readonly (string User, string Password) Alice = ("alice", "alice-pw-1");
    public static readonly (string User, string Password) NodeUser = ("node", "node-pw-2");

    private readonly string _dir = Directory.CreateTempSubdirectory("timonel-registries-").FullName;
    private readonly TestCa _ca = new("timonel-e2e-registry-ca");
    private readonly TestCa _otherCa = new("timonel-e2e-unknown-ca");
    private readonly List<LocalRegistry> _registries = [];
    private StallingRegistryProxy? _proxy;

    protected override int NodeCount => 1;

    public LocalRegistry Secured => _registries[0];

    public LocalRegistry Untrusted => _registries[1];

    public LocalRegistry NodeCredentials => _registries[2];

    public LocalRegistry PlainHttp => _registries[3];

    /// <summary>The agent's --image-pull-progress-deadline here.</summary>
    public const string PullProgressDeadline = "10s";

    public StallingRegistryProxy StallingProxy => _proxy ?? throw new InvalidOperationException("the cluster did not start");

    /// <summary>The network namespace of the node and the registries.</summary>
    public string NodeNetnsPath => Topology.Hosts.Single(h => h.Name.EndsWith("-n1", StringComparison.Ordinal)).NetnsPath;

    /// <summary>The digest of e2e/busybox:1's manifest on <see cref="Secured"/>.</summary>
    public string BusyboxDigest { get; private set; } = string.Empty;

    public string RegistriesFile => Path.Combine(_dir, "registries.yaml");

    async Task IAsyncLifetime.InitializeAsync()
    {
        if (LocalRegistry.SkipReason is not null)
        {
            return;
        }

        try
        {
            await InitializeAsync();
        }
        catch
        {
            // The cluster cleaned up after itself; the registries are this fixture's.
            await StopRegistriesAsync();
            throw;
        }
    }

    protected override async Task<IReadOnlyList<string>> AgentArgsFromServerAsync()
    {
        _registries.Add(await LocalRegistry.StartAsync(Path.Combine(_dir, "secured"), NodeNetnsPath, 5443, _ca, Alice));
        _registries.Add(await LocalRegistry.StartAsync(Path.Combine(_dir, "untrusted"), NodeNetnsPath, 5444, _otherCa, null));
        _registries.Add(await LocalRegistry.StartAsync(Path.Combine(_dir, "node"), NodeNetnsPath, 5445, _ca, NodeUser));
        _registries.Add(await LocalRegistry.StartAsync(Path.Combine(_dir, "plain"), NodeNetnsPath, 5446, null, null));
        _proxy = await StallingRegistryProxy.StartAsync(NodeNetnsPath, 5447, PlainHttp.Port);

        var (config, layer) = ImageBuilder.Busybox($"{Repository}:{Tag}").BuildConfigAndLayer();
        foreach (var registry in _registries.Take(3))
        {
            var digest = await registry.PushAsync(Repository, Tag, config, layer);
            if (registry == Secured)
            {
                BusyboxDigest = digest;
            }
        }

        await Secured.PushAsync("e2e/armonly", Tag, config, layer, architecture: "arm64");

        var caFile = Path.Combine(_dir, "ca.pem");
        await File.WriteAllTextAsync(caFile, _ca.CertificatePem);
        await File.WriteAllTextAsync(RegistriesFile, $"""
            mirrors:
              {MirrorName}:
                endpoint:
                  - "https://{Secured.Host}"
              "{PlainHttp.Host}":
                endpoint: ["http://{PlainHttp.Host}"]
              "{_proxy.Host}":
                endpoint: ["http://{_proxy.Host}"]
            configs:
              "{Secured.Host}":
                tls:
                  ca_file: {caFile}
              "{Untrusted.Host}":
                tls:
                  ca_file: {caFile}
              "{NodeCredentials.Host}":
                auth:
                  username: {NodeUser.User}
                  password: {NodeUser.Password}
                tls:
                  ca_file: {caFile}
            """);
        return ["--registries", RegistriesFile, "--image-pull-progress-deadline", PullProgressDeadline];
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        try
        {
            await DisposeAsync();
        }
        finally
        {
            await StopRegistriesAsync();
            _ca.Dispose();
            _otherCa.Dispose();
            Directory.Delete(_dir, recursive: true);
        }
    }

    private async Task StopRegistriesAsync()
    {
        foreach (var registry in _registries)
        {
            await registry.DisposeAsync();
        }

        _registries.Clear();
        if (_proxy is not null)
        {
            await _proxy.DisposeAsync();
            _proxy = null;
        }
    }
}
