using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Timonel.Api.Images;
using Timonel.Kubelet.Images;

namespace Timonel.E2E.Tests.Infrastructure;

/// <summary>
/// A control plane started with an image policy (`--image-policy`: images of 127.0.0.1:5447 are
/// resolved to digests and need a sigstore signature by the test's key) and one node, with
/// Debian's docker-registry (TLS with a test CA, htpasswd user alice) inside the node's network
/// namespace on 127.0.0.1:5447, where the node pulls from. The server reaches that registry at
/// the node's bridge address through the mirror entry of its own `--registries` file (both
/// namespaces are the test's), so the name pods use stays 127.0.0.1:5447. The registry holds
/// e2e/signed:1 (signed in the sigstore format skopeo and cosign write: Debian's skopeo 1.9.3
/// refuses to sign, "Debian-local change: sigstore disabled"), e2e/unsigned:1 and e2e/retagged:1
/// (another digest, under whose signature tag the signed image's valid signature was copied).
/// </summary>
public sealed class SigningRegistryCluster : MultiNodeCluster, IAsyncLifetime
{
    public const int Port = 5447;
    public static readonly (string User, string Password) Alice = ("alice", "alice-pw-3");
    public static readonly IPAddress NodeAddress = IPAddress.Parse("10.98.0.11");

    private readonly string _dir = Directory.CreateTempSubdirectory("timonel-signing-").FullName;
    private readonly TestCa _ca = new("timonel-e2e-signing-ca");
    private readonly ECDsa _release = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private LocalRegistry? _registry;

    public SigningRegistryCluster()
    {
        var caFile = Path.Combine(_dir, "ca.pem");
        File.WriteAllText(caFile, _ca.CertificatePem);
        File.WriteAllText(Path.Combine(_dir, "release.pub"), _release.ExportSubjectPublicKeyInfoPem());
        File.WriteAllText(PolicyFile, $$"""
            keys:
              release: release.pub
            default:
              images: ["{{Host}}/*"]
              resolveTags: true
              requireSignature: [release]
              timeout: 10s
            """);
        File.WriteAllText(ServerRegistriesFile, $"""
            mirrors:
              "{Host}":
                endpoint: ["https://{NodeAddress}:{Port}"]
            configs:
              "{NodeAddress}:{Port}":
                tls:
                  ca_file: {caFile}
            """);
        File.WriteAllText(NodeRegistriesFile, $"""
            configs:
              "{Host}":
                tls:
                  ca_file: {caFile}
            """);
    }

    protected override int NodeCount => 1;

    /// <summary>host:port as pods name the registry.</summary>
    public static string Host => $"127.0.0.1:{Port}";

    public string PolicyFile => Path.Combine(_dir, "policy.yaml");

    public string ServerRegistriesFile => Path.Combine(_dir, "server-registries.yaml");

    public string NodeRegistriesFile => Path.Combine(_dir, "node-registries.yaml");

    public LocalRegistry Registry => _registry ?? throw new InvalidOperationException("The fixture is not initialized");

    public string SignedDigest { get; private set; } = string.Empty;

    public string RetaggedDigest { get; private set; } = string.Empty;

    protected override IReadOnlyList<string> ServerArgs => ["--image-policy", PolicyFile, "--registries", ServerRegistriesFile];

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
            if (_registry is not null)
            {
                await _registry.DisposeAsync();
            }

            throw;
        }
    }

    protected override async Task<IReadOnlyList<string>> AgentArgsFromServerAsync()
    {
        var nodeNetns = Topology.Hosts.Single(h => h.Name.EndsWith("-n1", StringComparison.Ordinal)).NetnsPath;
        _registry = await LocalRegistry.StartAsync(Path.Combine(_dir, "registry"), nodeNetns, Port, _ca, Alice, NodeAddress);

        var (config, layer) = ImageBuilder.Busybox("e2e/signed:1").BuildConfigAndLayer();
        SignedDigest = await _registry.PushAsync("e2e/signed", "1", config, layer);
        await _registry.PushAsync("e2e/unsigned", "1", config, layer);
        // Another manifest (its config differs) for the re-tag.
        var other = JsonNode.Parse(config)!.AsObject();
        other["author"] = "someone else";
        RetaggedDigest = await _registry.PushAsync("e2e/retagged", "1", Encoding.UTF8.GetBytes(other.ToJsonString()), layer);

        var payload = Encoding.UTF8.GetBytes($$$"""{"critical":{"identity":{"docker-reference":"{{{Host}}}/e2e/signed:1"},"image":{"docker-manifest-digest":"{{{SignedDigest}}}"},"type":"{{{SigstoreSignature.PayloadType}}}"},"optional":{"creator":"timonel e2e"}}""");
        var signature = Convert.ToBase64String(_release.SignData(payload, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence));
        await _registry.PushSigstoreSignatureAsync("e2e/signed", SignedDigest, payload, signature);
        await _registry.PushSigstoreSignatureAsync("e2e/retagged", RetaggedDigest, payload, signature);
        return ["--registries", NodeRegistriesFile];
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        try
        {
            await DisposeAsync();
        }
        finally
        {
            if (_registry is not null)
            {
                await _registry.DisposeAsync();
            }

            _ca.Dispose();
            _release.Dispose();
            Directory.Delete(_dir, recursive: true);
        }
    }
}
