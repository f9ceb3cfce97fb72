using System.CommandLine;
using System.Net;
using k8s;
using Microsoft.Extensions.Logging;
using Timonel.ApiServer;
using Timonel.ApiServer.Admission;
using Timonel.ApiServer.Security;
using Timonel.Cli.Agent;
using Timonel.Controllers;
using Timonel.Storage;

namespace Timonel.Cli;

/// <summary>`timonel server`: the control plane (and, once the agent exists, a local node).</summary>
internal static class ServerCommand
{
    public static Command Create()
    {
        var dataDir = new Option<string>("--data-dir") { Description = "Directory for certificates, kubeconfig and the database (default /var/lib/timonel as root, else ~/.timonel)" };
        var port = new Option<int>("--port") { Description = "HTTPS port of the API server", DefaultValueFactory = _ => 6443 };
        var bind = new Option<string>("--bind-address") { Description = "Address to listen on", DefaultValueFactory = _ => "127.0.0.1" };
        var advertise = new Option<string?>("--advertise-address") { Description = "Address published in the kubernetes Service's endpoints (default: the bind address, or the first non-loopback IPv4 address when binding 0.0.0.0 or loopback)" };
        var auditLogPath = new Option<string?>("--audit-log-path") { Description = "Append an audit log here: JSON audit.k8s.io/v1 Events as --audit-policy-file says; without a policy, one per request at the Metadata level (who, acting as whom, did what to which object, with what result; no bodies)" };
        var auditPolicy = new Option<string?>("--audit-policy-file") { Description = "An audit.k8s.io/v1 Policy (YAML or JSON) choosing what the audit log records per request (levels None, Metadata, Request, RequestResponse; omitStages); without it, every request at Metadata" };
        var auditMaxSize = new Option<int>("--audit-log-maxsize") { Description = "Rotate the audit log when it would grow past this many megabytes (0: 100 if --audit-log-maxbackup or -maxage is set, else never)" };
        var auditMaxBackup = new Option<int>("--audit-log-maxbackup") { Description = "Rotated audit log files to keep (0: all)" };
        var auditMaxAge = new Option<int>("--audit-log-maxage") { Description = "Days to keep rotated audit log files (0: forever)" };
        var pullOverride = new Option<string?>("--image-pull-policy-override") { Description = "For the local agent: IfNotPresent or Never, followed by every container instead of its imagePullPolicy (air-gapped machines); empty (default): each container's own policy" };
        var disableAgent = new Option<bool>("--disable-agent") { Description = "Run only the control plane, no local node agent" };
        var datastore = new Option<string?>("--datastore-endpoint") { Description = "Datastore: empty for embedded SQLite, memory:// for an in-memory store, or etcd client URLs (http://127.0.0.1:2379[,...])" };
        var datastoreCa = new Option<string?>("--datastore-cafile") { Description = "CA certificate (PEM) that signed the etcd servers' certificates" };
        var datastoreCert = new Option<string?>("--datastore-certfile") { Description = "Client certificate (PEM) presented to etcd" };
        var datastoreKey = new Option<string?>("--datastore-keyfile") { Description = "Client private key (PEM) for --datastore-certfile" };
        var serviceCidr = new Option<string>("--service-cidr") { Description = "IPv4 CIDR for Service ClusterIPs", DefaultValueFactory = _ => "10.43.0.0/16" };
        var nodePorts = new Option<string>("--service-node-port-range") { Description = "Port range for NodePort Services", DefaultValueFactory = _ => "30000-32767" };
        var tlsSan = new Option<string[]>("--tls-san") { Description = "Extra DNS names or IPs for the serving certificate", AllowMultipleArgumentsPerToken = true };
        var token = new Option<string?>("--token") { Description = "Cluster join token; to add a server to a cluster, the first server's token (its DIR/token)" };
        var tokenFile = new Option<string?>("--token-file") { Description = "File holding the cluster join token (instead of --token)" };
        var verbose = new Option<bool>("--debug") { Description = "Log every request" };
        var clusterCidr = new Option<string>("--cluster-cidr") { Description = "IPv4 CIDR for pod addresses, cut into one subnet per node", DefaultValueFactory = _ => "10.42.0.0/16" };
        var nodeMonitorGrace = new Option<int>("--node-monitor-grace-period") { Description = "Seconds without a node heartbeat before the node is marked unhealthy", DefaultValueFactory = _ => 40 };
        var controllers = new Option<string>("--controllers") { Description = "Controllers to run: '*' for all on by default, 'name' to enable one, '-name' to disable one (comma separated; kube-controller-manager's names, e.g. replicaset-controller or replicaset)", DefaultValueFactory = _ => "*" };
        var legacyTokenCleanUp = new Option<string>("--legacy-service-account-token-clean-up-period") { Description = "How long a legacy service-account token may go unused before it is marked invalid, and then deleted after as long again (a duration such as 8760h)", DefaultValueFactory = _ => "8760h0m0s" };
        var signingDuration = new Option<string>("--cluster-signing-duration") { Description = "The longest certificate the csrsigning controller issues for approved CertificateSigningRequests (spec.expirationSeconds may ask for less)", DefaultValueFactory = _ => "8760h0m0s" };
        var controllerManagerPort = new Option<int>("--controller-manager-secure-port") { Description = "HTTPS port (127.0.0.1, self-signed) of the controller manager's /healthz and /healthz/<controller>; 0 turns it off", DefaultValueFactory = _ => ControllerManagerHealthServer.DefaultPort };
        var disableSimulator = new Option<bool>("--disable-simulator") { Description = "Do not simulate kubelets for nodes labelled timonel.dev/simulated=true" };
        var disableScheduler = new Option<bool>("--disable-scheduler") { Description = "Do not run the scheduler in this server" };
        var schedulerConfig = new Option<string?>("--scheduler-config") { Description = "A KubeSchedulerConfiguration file (profiles, plugins, weights)" };
        var disableControllerManager = new Option<bool>("--disable-controller-manager") { Description = "Do not run the controller manager in this server" };
        var notReadyToleration = new Option<long>("--default-not-ready-toleration-seconds") { Description = "tolerationSeconds of the not-ready:NoExecute toleration added to pods that have none", DefaultValueFactory = _ => 300 };
        var watchCache = new Option<bool>("--watch-cache") { Description = "Serve watches, and gets and lists at a resourceVersion, from an in-memory cache per resource (--watch-cache=false: every watch opens its own datastore watch)", DefaultValueFactory = _ => true };
        var encryptionConfig = new Option<string?>("--encryption-provider-config") { Description = "An apiserver.config.k8s.io/v1 EncryptionConfiguration file (YAML or JSON) choosing how resources are encrypted at rest; reloaded when it changes (default with the embedded store: DATA_DIR/cred/encryption-config.json, generated on first start with an AES-CBC key for Secrets, see timonel secrets-encrypt; with --datastore-endpoint the first server generates it and the others take it from the datastore)" };
        var authorizationMode = new Option<string>("--authorization-mode") { Description = "Ordered, comma-separated authorizers behind system:masters: Node, RBAC, AlwaysAllow, AlwaysDeny", DefaultValueFactory = _ => AuthorizationModes.ServerDefault };
        var metricsResolution = new Option<string>("--metrics-resolution") { Description = "How often the built-in metrics API (metrics.k8s.io, kubectl top) scrapes each kubelet's /metrics/resource; a duration of at least 10s", DefaultValueFactory = _ => "15s" };
        var hpaFlags = new HorizontalPodAutoscalerFlags();
        var clusterAutoscalerFlags = new ClusterAutoscalerFlags();
        var unreachableToleration = new Option<long>("--default-unreachable-toleration-seconds") { Description = "tolerationSeconds of the unreachable:NoExecute toleration added to pods that have none", DefaultValueFactory = _ => 300 };

        var command = new Command("server", "Run the Timonel control plane");
        foreach (var o in new Option[] { dataDir, port, bind, advertise, auditLogPath, auditPolicy, auditMaxSize, auditMaxBackup, auditMaxAge, pullOverride, disableAgent, datastore, datastoreCa, datastoreCert, datastoreKey, serviceCidr, nodePorts, tlsSan, token, tokenFile, verbose, notReadyToleration, unreachableToleration, watchCache, authorizationMode, encryptionConfig, clusterCidr, nodeMonitorGrace, controllers, legacyTokenCleanUp, signingDuration, controllerManagerPort, disableControllerManager, disableScheduler, schedulerConfig, disableSimulator, metricsResolution })
        {
            command.Options.Add(o);
        }

        foreach (var o in hpaFlags.Options.Concat(clusterAutoscalerFlags.Options))
        {
            command.Options.Add(o);
        }

        // The local agent's ingress controller (the server issues its identity; no --ingress-kubeconfig).
        var ingressFlags = new Agent.IngressFlags();
        ingressFlags.AddTo(command, withKubeconfig: false);
        var networkPolicyFlag = new Agent.NetworkPolicyFlag();
        networkPolicyFlag.AddTo(command);
        var imageGcFlags = new Agent.ImageGcFlags();
        imageGcFlags.AddTo(command);
        var imageFlags = new Agent.ImageFlags();
        imageFlags.AddTo(command);
        var imagePolicy = new Option<string?>("--image-policy") { Description = "An image policy file (docs/images.md): require images by digest, resolve tags to digests, require sigstore signatures by configured keys, per namespace; a bad file stops the server" };
        command.Options.Add(imagePolicy);

        command.SetAction(async (parse, ct) =>
        {
            using var loggers = Logging.Create(parse.GetValue(verbose) ? LogLevel.Debug : LogLevel.Information);
            var log = loggers.CreateLogger("server");
            ApiServerOptions options;
            string? imagePullOverride;
            Kubelet.Images.ImageGcPolicy imageGc;
            DatastoreSettings datastoreSettings;
            ClusterComponents components;
            Agent.AgentIngressSettings ingress;
            try
            {
                if (!IPAddress.TryParse(parse.GetValue(bind), out var address))
                {
                    throw new ArgumentException($"--bind-address \"{parse.GetValue(bind)}\" is not an IP address");
                }

                IPAddress? advertiseAddress = null;
                if (parse.GetValue(advertise) is { } advertiseText && (!IPAddress.TryParse(advertiseText, out advertiseAddress) || advertiseAddress.Equals(IPAddress.Any) || advertiseAddress.Equals(IPAddress.IPv6Any)))
                {
                    throw new ArgumentException($"--advertise-address \"{advertiseText}\" is not a single IP address other members can reach");
                }

                if (parse.GetValue(port) is < 1 or > 65535)
                {
                    throw new ArgumentException($"--port {parse.GetValue(port)} must be between 1 and 65535");
                }

                var joinToken = parse.GetValue(token);
                if (parse.GetValue(tokenFile) is { } file)
                {
                    if (joinToken is not null)
                    {
                        throw new ArgumentException("pass either --token or --token-file, not both");
                    }

                    try
                    {
                        joinToken = File.ReadAllText(file).Trim();
                    }
                    catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                    {
                        throw new ArgumentException($"--token-file {file}: {e.Message}", e);
                    }
                }

                foreach (var (flag, value) in new[] { ("--audit-log-maxsize", parse.GetValue(auditMaxSize)), ("--audit-log-maxbackup", parse.GetValue(auditMaxBackup)), ("--audit-log-maxage", parse.GetValue(auditMaxAge)) })
                {
                    if (value < 0)
                    {
                        throw new ArgumentException($"{flag} {value} must be 0 or more");
                    }
                }

                imagePullOverride = AgentHost.ParseImagePullPolicyOverride(parse.GetValue(pullOverride));
                imageGc = imageGcFlags.Read(parse);
                // metrics-server refuses a resolution under 10 s: kubelets refresh their stats no faster.
                if (!Timonel.Api.Validation.GoDuration.TryParse(parse.GetValue(metricsResolution)!, out var resolution) || resolution < TimeSpan.FromSeconds(10))
                {
                    throw new ArgumentException($"--metrics-resolution \"{parse.GetValue(metricsResolution)}\" must be a duration of at least 10s, such as 15s");
                }

                options = new ApiServerOptions
                {
                    JoinToken = joinToken,
                    DataDir = Path.GetFullPath(parse.GetValue(dataDir) ?? ApiServerOptions.DefaultDataDir()),
                    Port = parse.GetValue(port),
                    BindAddress = address,
                    AdvertiseAddress = advertiseAddress,
                    // The serviceaccount controller creates each namespace's "default" account:
                    // only with it running may pods be refused for lacking one, as upstream does.
                    RequireServiceAccounts = !parse.GetValue(disableControllerManager) && ControllerNames.IsEnabled("serviceaccount", ControllerList(parse.GetValue(controllers)!)),
                    ServiceNetwork = ServiceNetwork.Parse(parse.GetValue(serviceCidr)!, parse.GetValue(nodePorts)!),
                    ExtraSans = parse.GetValue(tlsSan) ?? [],
                    DatastoreEndpoint = parse.GetValue(datastore),
                    DefaultNotReadyTolerationSeconds = parse.GetValue(notReadyToleration),
                    DefaultUnreachableTolerationSeconds = parse.GetValue(unreachableToleration),
                    WatchCache = parse.GetValue(watchCache),
                    AuditLogPath = parse.GetValue(auditLogPath) is { Length: > 0 } audit ? Path.GetFullPath(audit) : null,
                    AuditPolicyFile = parse.GetValue(auditPolicy) is { Length: > 0 } policy ? Path.GetFullPath(policy) : null,
                    AuditLogRotation = ApiServer.Audit.AuditLogRotation.FromFlags(parse.GetValue(auditMaxSize), parse.GetValue(auditMaxBackup), parse.GetValue(auditMaxAge)),
                    AuthorizationModes = AuthorizationModes.Parse(parse.GetValue(authorizationMode) ?? ""),
                    MetricsResolution = resolution,
                };
                // On by default. Servers sharing a datastore share the generated key through the
                // datastore's bootstrap record, as k3s does; the first server makes it.
                options = options with
                {
                    EncryptionProviderConfig = parse.GetValue(encryptionConfig) is { Length: > 0 } encryptionPath
                        ? Path.GetFullPath(encryptionPath)
                        : Path.GetFullPath(ApiServer.Encryption.EncryptionKeyFile.DefaultPath(options.DataDir)),
                    EncryptionConfigFromDatastore = parse.GetValue(encryptionConfig) is not { Length: > 0 } && options.SharedDatastore,
                };
                if (parse.GetValue(nodeMonitorGrace) < 1)
                {
                    throw new ArgumentException($"--node-monitor-grace-period {parse.GetValue(nodeMonitorGrace)} must be at least 1 second");
                }

                if (ControllerNames.Validate(ControllerList(parse.GetValue(controllers)!)) is { } unknown)
                {
                    throw new ArgumentException($"--controllers: {unknown}");
                }

                if (!Timonel.Api.Validation.GoDuration.TryParse(parse.GetValue(legacyTokenCleanUp)!, out var cleanUpPeriod) || cleanUpPeriod <= TimeSpan.Zero)
                {
                    throw new ArgumentException($"--legacy-service-account-token-clean-up-period \"{parse.GetValue(legacyTokenCleanUp)}\" must be a positive duration such as 8760h");
                }

                if (!Timonel.Api.Validation.GoDuration.TryParse(parse.GetValue(signingDuration)!, out var clusterSigningDuration) || clusterSigningDuration <= TimeSpan.Zero)
                {
                    throw new ArgumentException($"--cluster-signing-duration \"{parse.GetValue(signingDuration)}\" must be a positive duration such as 8760h");
                }

                if (parse.GetValue(controllerManagerPort) is < 0 or > 65535)
                {
                    throw new ArgumentException($"--controller-manager-secure-port {parse.GetValue(controllerManagerPort)} must be between 0 and 65535");
                }

                var controllerOptions = new ControllerManagerOptions
                {
                    LegacyServiceAccountTokenCleanUpPeriod = cleanUpPeriod,
                    ClusterSigningDuration = clusterSigningDuration,
                    Autoscaling = hpaFlags.Parse(parse),
                    ClusterCidr = parse.GetValue(clusterCidr)!,
                    NodeMonitorGracePeriod = TimeSpan.FromSeconds(parse.GetValue(nodeMonitorGrace)),
                    Controllers = ControllerList(parse.GetValue(controllers)!),
                    // local-path volumes live under the server's data dir, as k3s keeps them under its own.
                    LocalPathStorageDir = Path.Combine(options.DataDir, "storage"),
                };
                _ = new Controllers.NodeIpam.CidrSet(controllerOptions.ClusterCidr, controllerOptions.NodeCidrMaskSize);
                components = new ClusterComponents
                {
                    ControllerManager = !parse.GetValue(disableControllerManager),
                    NodeSimulator = !parse.GetValue(disableSimulator),
                    ControllerOptions = controllerOptions,
                    Scheduler = !parse.GetValue(disableScheduler),
                    SchedulerConfig = parse.GetValue(schedulerConfig) is { } configPath
                        ? Scheduler.Config.SchedulerConfiguration.Parse(File.ReadAllText(configPath))
                        : Scheduler.Config.SchedulerConfiguration.Default,
                    ClusterAutoscaler = clusterAutoscalerFlags.Parse(parse),
                };
                datastoreSettings = new DatastoreSettings(parse.GetValue(datastore), parse.GetValue(datastoreCa), parse.GetValue(datastoreCert), parse.GetValue(datastoreKey));
                if (datastoreSettings.IsEtcd)
                {
                    datastoreSettings.EtcdOptions().Validate();
                }
            }
            catch (Exception e) when (e is ArgumentException or IOException)
            {
                Console.Error.WriteLine($"timonel server: {e.Message}");
                return 2;
            }

            Agent.AgentImageSettings images;
            try
            {
                ingress = ingressFlags.Read(parse);
                images = imageFlags.Read(parse, imagePullOverride);
                options = options with
                {
                    Registries = images.Registries,
                    ImagePolicy = parse.GetValue(imagePolicy) is { Length: > 0 } policyFile ? LoadImagePolicy(policyFile) : null,
                };
            }
            catch (ArgumentException e)
            {
                Console.Error.WriteLine($"timonel server: {e.Message}");
                return 2;
            }

            if (!parse.GetValue(disableAgent) && AgentPreflight() is { } problem)
            {
                Console.Error.WriteLine($"timonel server: {problem}; or pass --disable-agent to run only the control plane");
                return 1;
            }

            try
            {
                if (parse.GetValue(encryptionConfig) is not { Length: > 0 } && !options.EncryptionConfigFromDatastore
                    && await new ApiServer.Encryption.EncryptionKeyFile(options.EncryptionProviderConfig).EnsureAsync(ct).ConfigureAwait(false))
                {
                    SecretsEncryptCommand.Log.KeyGenerated(log, options.EncryptionProviderConfig);
                }

                await using var host = await ApiServerHost.StartAsync(
                    options,
                    c => StoreFactory.OpenAsync(options.DataDir, datastoreSettings, loggers, c),
                    loggers,
                    ct).ConfigureAwait(false);
                using var stopComponents = new CancellationTokenSource();
                components.RootCaPem = host.Pki.ServerCaPem;
                components.SigningAuthorities = new Controllers.Certificates.CsrSigningAuthorities(host.Pki.ClientCa, host.Pki.ServerCa);
                components.TokenSigner = new ControllerTokenSigner(new ApiServer.ServiceAccounts.LegacyTokenSigner(host.Pki.ServiceAccountKey));
                await using var health = components.ControllerManager && parse.GetValue(controllerManagerPort) > 0
                    ? await ControllerManagerHealthServer.StartAsync(components.ControllerHealth, IPAddress.Loopback, parse.GetValue(controllerManagerPort), log, ct).ConfigureAwait(false)
                    : null;
                // Each component as itself (upstream's identities, RBAC-bound), never as the admin.
                var credentials = ComponentCredentials.Issue(host.Pki, KubernetesClientConfiguration.BuildConfigFromConfigFile(host.KubeconfigPath).Host, TimeProvider.System.GetUtcNow());
                var running = components.RunAsync(credentials, options.Port, loggers, stopComponents.Token);
                try
                {
                    await using (parse.GetValue(disableAgent) ? null : await AgentHost.StartInServerAsync(options.DataDir, host.KubeconfigPath, host.Pki, parse.GetValue(clusterCidr)!, images, imageGc, ingress, networkPolicyFlag.Enabled(parse), loggers, ct).ConfigureAwait(false))
                    {
                        await host.WaitForStopRequestAsync(ct).ConfigureAwait(false);
                        // Stop order, while the API still serves: the components release their
                        // Leases (so another server takes over at once), then the local agent stops
                        // its kubelet, proxy and containerd; the host stops serving last.
                        await StopComponentsAsync(stopComponents, running).ConfigureAwait(false);
                    }
                }
                finally
                {
                    await StopComponentsAsync(stopComponents, running).ConfigureAwait(false);
                }

                return 0;
            }
            catch (Exception e) when (e is PkiFileException or ClusterJoinException or IOException or UnauthorizedAccessException or ArgumentException or StoreUnavailableException or InvalidOperationException or ApiServer.Encryption.EncryptionConfigException)
            {
                log.LogCritical("timonel server cannot start: {Reason}", e.Message);
                Console.Error.WriteLine($"timonel server: {e.Message}");
                return 1;
            }
        });
        return command;
    }

    /// <summary>The --controllers list: comma separated, blanks ignored.</summary>
    internal static string[] ControllerList(string value) => value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static async Task StopComponentsAsync(CancellationTokenSource stop, Task running)
    {
        await stop.CancelAsync().ConfigureAwait(false);
        await running.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    /// <summary>Why the local node agent cannot run here (not root, packages missing), or null.</summary>
    /// <summary>The --image-policy file, read and checked; ArgumentException (exit 2) says what is wrong.</summary>
    private static Timonel.Api.Images.ImagePolicy LoadImagePolicy(string path)
    {
        try
        {
            return Timonel.Api.Images.ImagePolicy.Load(path);
        }
        catch (FormatException e)
        {
            throw new ArgumentException($"--image-policy: {e.Message}", e);
        }
    }

    private static string? AgentPreflight()
    {
        if (!Environment.IsPrivilegedProcess)
        {
            return "the local node agent runs containers and needs root: run as root";
        }

        var missing = Kubelet.Runtime.MachineRequirements.Missing("/usr/lib/cni");
        return missing.Count == 0 ? null : $"the local node agent needs {string.Join(", ", missing)}; {Kubelet.Runtime.MachineRequirements.InstallHint}";
    }
}
