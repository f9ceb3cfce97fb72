using System.Net;
using Timonel.ApiServer.Admission;

namespace Timonel.ApiServer;

/// <summary>Settings of the API server; each names the flag that sets it.</summary>
public sealed record ApiServerOptions
{
    /// <summary>--data-dir: certificates, kubeconfig, the SQLite database. Default /var/lib/timonel as root, else ~/.timonel.</summary>
    public required string DataDir { get; init; }

    /// <summary>--port: the HTTPS port (default 6443).</summary>
    public int Port { get; init; } = 6443;

    /// <summary>The server's clock (the system's by default); tests pass a fake one to control waits.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>--bind-address: the address to listen on (default 127.0.0.1; 0.0.0.0 serves other machines).</summary>
    public IPAddress BindAddress { get; init; } = IPAddress.Loopback;

    /// <summary>--service-cidr and --service-node-port-range.</summary>
    public ServiceNetwork ServiceNetwork { get; init; } = ServiceNetwork.Default;

    /// <summary>--tls-san: extra names or IPs for the serving certificate.</summary>
    public IReadOnlyList<string> ExtraSans { get; init; } = [];

    /// <summary>--datastore-endpoint: empty for the embedded SQLite store; "memory://" keeps state in memory (tests, benchmarks).</summary>
    public string? DatastoreEndpoint { get; init; }

    /// <summary>
    /// --token / --token-file: the cluster's join token. With a shared datastore, a server given
    /// the first server's token adopts its CAs and signing keys from the datastore; on an empty
    /// datastore (or the embedded store's first start) it becomes the cluster's token. Null: the
    /// data dir's own token, or a new one.
    /// </summary>
    public string? JoinToken { get; init; }

    /// <summary>True when the datastore may be shared by several servers (anything but the embedded SQLite store).</summary>
    public bool SharedDatastore => !string.IsNullOrEmpty(DatastoreEndpoint);

    /// <summary>tolerationSeconds of the not-ready NoExecute toleration added to every pod (upstream's --default-not-ready-toleration-seconds).</summary>
    public long DefaultNotReadyTolerationSeconds { get; init; } = 300;

    /// <summary>tolerationSeconds of the unreachable NoExecute toleration added to every pod (upstream's --default-unreachable-toleration-seconds).</summary>
    public long DefaultUnreachableTolerationSeconds { get; init; } = 300;

    /// <summary>
    /// --advertise-address: the address other members of the cluster (pods, through the
    /// "kubernetes" Service's endpoints) reach this server on. Null: the bind address unless it
    /// is 0.0.0.0 or loopback, else the machine's first non-loopback IPv4 address.
    /// </summary>
    public IPAddress? AdvertiseAddress { get; init; }

    /// <summary>--service-account-issuer: the "iss" of service-account tokens (upstream's default).</summary>
    public string ServiceAccountIssuer { get; init; } = ServiceAccounts.ServiceAccountIssuer.DefaultIssuer;

    /// <summary>--api-audiences: audiences a token must carry to be accepted here; empty means the issuer, as upstream.</summary>
    public IReadOnlyList<string> ApiAudiences { get; init; } = [];

    /// <summary>
    /// Whether a pod's ServiceAccount must exist (upstream's behaviour, waiting a few seconds for
    /// "default"). True when the serviceaccount controller runs in this cluster; false (a bare API
    /// server, as tests start) admits pods whose "default" ServiceAccount does not exist yet.
    /// </summary>
    public bool RequireServiceAccounts { get; init; }

    /// <summary>
    /// --metrics-resolution: how often the built-in metrics collector scrapes kubelets and
    /// recomputes simulated nodes' usage for metrics.k8s.io (metrics-server's --metric-resolution, 15 s).
    /// </summary>
    public TimeSpan MetricsResolution { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>How often this server renews its lease and reconciles the "kubernetes" Service's endpoints (upstream: 10 s).</summary>
    public TimeSpan EndpointReconcileInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long another server's endpoint lease lives without renewal (upstream: 15 s).</summary>
    public TimeSpan EndpointLeaseTtl { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// Which addresses this server may open kubelet connections to (pods' logs, exec, attach,
    /// port-forward) and connections to extension API servers (APIServices); null allows any. Not a flag: in-process test clusters confine it to
    /// loopback, so that no test can reach off the machine through a node's address.
    /// </summary>
    public Func<IPAddress, bool>? KubeletDialFilter { get; init; }

    /// <summary>
    /// The image policy (--image-policy FILE, docs/images.md): digests, tag resolution and
    /// sigstore signatures required at admission. Null: no image admission.
    /// </summary>
    public Timonel.Api.Images.ImagePolicy? ImagePolicy { get; init; }

    /// <summary>The server's registries.yaml (--registries): mirrors, TLS and credentials the image policy's registry reads use.</summary>
    public Timonel.Api.Images.RegistriesConfig? Registries { get; init; }

    /// <summary>How often the availability controller checks every APIService that names a Service (upstream resyncs every 30 s and on every change).</summary>
    public TimeSpan AggregatorCheckInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>How long an extension API server's fetched OpenAPI documents are kept before they are fetched again (upstream: 1 minute). Not a flag: tests shorten it.</summary>
    public TimeSpan AggregatorOpenApiRefreshInterval { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// How long a CRD's conversion webhook may take to answer (upstream: 30 s, sent to the
    /// webhook as ?timeout=30s). Not a flag: tests shorten it. Webhook connections pass
    /// <see cref="KubeletDialFilter"/> too.
    /// </summary>
    public TimeSpan ConversionWebhookTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Let the proxy subresources reach loopback and link-local addresses (a pod IP of 127.0.0.1,
    /// a node's loopback address on a port other than its kubelet's), which upstream refuses
    /// ("address not allowed") and so does this server by default. Not a flag: in-process tests
    /// stand up their backends on loopback. <see cref="KubeletDialFilter"/> applies either way.
    /// </summary>
    public bool AllowLoopbackProxyTargets { get; init; }

    /// <summary>
    /// Who may do what: every request is put to it after authentication. Null: allow every
    /// authenticated request (the server's behaviour until RBAC). Not a flag: tests pass a
    /// recording or refusing authorizer.
    /// </summary>
    public Security.IAuthorizer? Authorizer { get; init; }

    /// <summary>
    /// --authorization-mode: the authorizers behind system:masters, in order (AlwaysAllow,
    /// AlwaysDeny, RBAC, and Node, which turns on <see cref="NodeAuthorizer"/>; see
    /// <see cref="Security.AuthorizationModes"/>). Ignored when <see cref="Authorizer"/> is set.
    /// AlwaysAllow here (in-process tests); `timonel server` defaults to Node,RBAC.
    /// </summary>
    public IReadOnlyList<string> AuthorizationModes { get; init; } = [Security.AuthorizationModes.AlwaysAllow];

    /// <summary>
    /// Put the node authorizer ahead of the authorizer (<see cref="Authorizer"/> or the
    /// <see cref="AuthorizationModes"/> chain), as upstream's --authorization-mode=Node,...:
    /// kubelets ("system:node:&lt;name&gt;" in "system:nodes") may read only the secrets,
    /// configmaps, volumes and tokens of pods bound to them. Costs a store watch of pods,
    /// persistent volumes and volume attachments. Off by default: with the allow-all authorizer
    /// it would restrict nothing.
    /// </summary>
    public bool NodeAuthorizer { get; init; }

    /// <summary>
    /// Run the NodeRestriction admission plugin (upstream's --enable-admission-plugins=NodeRestriction,
    /// on by default): a kubelet ("system:node:&lt;name&gt;" in "system:nodes") may write only its
    /// own Node, mirror pods bound to it and the status of its pods. Other users pass untouched.
    /// Costs a cache of Nodes.
    /// </summary>
    public bool NodeRestriction { get; init; } = true;

    /// <summary>
    /// --watch-cache: serve watches, and gets and lists at a resourceVersion, from one in-memory
    /// cache per resource fed by a single store watch (upstream's --watch-cache, on by default).
    /// False: every watch opens its own store watch and every read goes to the store.
    /// </summary>
    public bool WatchCache { get; init; } = true;

    /// <summary>
    /// Where to append the audit log (upstream's --audit-log-path): audit.k8s.io/v1 Events as
    /// <see cref="AuditPolicyFile"/> says; without a policy, one per request at the Metadata
    /// level, stage ResponseComplete (no bodies). Null: no audit log.
    /// </summary>
    public string? AuditLogPath { get; init; }

    /// <summary>
    /// --audit-policy-file: an audit.k8s.io/v1 Policy (YAML or JSON) choosing each request's level
    /// and the stages written. An invalid file stops the start with the field at fault.
    /// </summary>
    public string? AuditPolicyFile { get; init; }

    /// <summary>--audit-log-maxsize / -maxbackup / -maxage; null: the log is never rotated.</summary>
    public Audit.AuditLogRotation? AuditLogRotation { get; init; }

    /// <summary>
    /// --encryption-provider-config: an apiserver.config.k8s.io/v1 EncryptionConfiguration file
    /// whose providers encrypt the listed resources at rest. The CLI passes a generated one
    /// (DATA_DIR/cred/encryption-config.json) when the flag is absent; null stores values as
    /// given (in-process tests).
    /// </summary>
    public string? EncryptionProviderConfig { get; init; }

    /// <summary>
    /// <see cref="EncryptionProviderConfig"/> is the generated file, shared by the servers of a
    /// shared datastore through its bootstrap record: the first server's key is written to the
    /// others' files before they load them.
    /// </summary>
    public bool EncryptionConfigFromDatastore { get; init; }

    /// <summary>How often the encryption provider config file is checked for changes (upstream reloads automatically the same way).</summary>
    public TimeSpan EncryptionConfigReloadInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The address to advertise: <see cref="AdvertiseAddress"/>, or one derived from the bind address.</summary>
    public IPAddress ResolveAdvertiseAddress() => AdvertiseAddress ?? Registry.AdvertiseAddress.Choose(BindAddress);

    /// <summary>The default data directory for the current user.</summary>
    public static string DefaultDataDir() =>
        Environment.UserName == "root" || Environment.GetEnvironmentVariable("USER") == "root"
            ? "/var/lib/timonel"
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".timonel");
}
