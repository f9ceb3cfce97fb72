using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Timonel.ApiServer.Admission;
using Timonel.ApiServer.Encryption;
using Timonel.ApiServer.Health;
using Timonel.ApiServer.Http;
using Timonel.ApiServer.Registry;
using Timonel.ApiServer.Registry.Rbac;
using Timonel.ApiServer.Security;
using Timonel.ApiServer.Security.Node;
using Timonel.ApiServer.ServiceAccounts;
using Timonel.ApiServer.Streaming;
using Timonel.ApiServer.Watch;
using Timonel.ApiServer.Watch.Cache;
using Timonel.Registry.Discovery;
using Timonel.Registry.OpenApi;
using Timonel.Registry.Resources;
using Timonel.Storage;
using Timonel.Storage.Encryption;

namespace Timonel.ApiServer;

/// <summary>
/// A running API server: PKI loaded, store open, system objects bootstrapped, HTTPS serving.
/// Start-up is a chain (certificates → store → allocations → bootstrap → listen) so that
/// /readyz is true as soon as the port answers.
/// </summary>
public sealed partial class ApiServerHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly IStore _store;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _background;
    private readonly WatchCaches? _watchCaches;
    private Audit.AuditLogFile? _audit;
    private Aggregation.BackendTransport? _aggregatorTransport;

    private ApiServerHost(WebApplication app, IStore store, ClusterPki pki, ResourceCatalog catalog, string url, string kubeconfigPath, Task background, WatchCaches? watchCaches)
    {
        Catalog = catalog;
        _watchCaches = watchCaches;
        _app = app;
        _store = store;
        Pki = pki;
        Url = url;
        KubeconfigPath = kubeconfigPath;
        _background = background;
    }

    public ClusterPki Pki { get; }

    /// <summary>
    /// The resources this server serves. Adding or removing a definition takes effect at once in
    /// routing, discovery and OpenAPI (custom resources use it).
    /// </summary>
    public ResourceCatalog Catalog { get; }

    /// <summary>https://host:port of this server.</summary>
    public string Url { get; }

    public string KubeconfigPath { get; }

    /// <summary>Starts a server; the store is opened by <paramref name="openStore"/> (the CLI picks SQLite, etcd or memory).</summary>
    public static async Task<ApiServerHost> StartAsync(ApiServerOptions options, Func<CancellationToken, Task<IStore>> openStore, ILoggerFactory loggerFactory, CancellationToken cancellationToken)
    {
        var log = loggerFactory.CreateLogger("apiserver");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        Directory.CreateDirectory(options.DataDir);

        // Building the web host (~0.3 s) needs nothing from the steps below: it runs alongside
        // them. Kestrel reads the certificates only when it starts listening.
        var https = new HttpsBinding();
        var webHost = Task.Run(() => BuildWebHost(options, https), cancellationToken);

        JoinToken? token = null;
        if (options.JoinToken is not null && !JoinToken.TryParse(options.JoinToken, out token))
        {
            throw new ArgumentException("--token is not a join token: expected K10<sha256 of server-ca.crt>::server:<secret> (the first server's data dir, file \"token\") or a bare secret without spaces");
        }

        var sans = options.ExtraSans.Append(options.ServiceNetwork.FirstAddress).ToList();
        var pkiLog = loggerFactory.CreateLogger("pki");
        ClusterPki? pki = null;
        Audit.AuditLogFile? auditLog = null;
        if (!options.SharedDatastore)
        {
            // The embedded store serves one server: the PKI lives in the data dir only.
            if (token is not null)
            {
                await ClusterBootstrap.EnsureTokenFileAsync(new PkiPaths(Path.GetFullPath(options.DataDir)), token, cancellationToken).ConfigureAwait(false);
            }

            pki = await ClusterPki.LoadOrCreateAsync(options.DataDir, sans, pkiLog, cancellationToken).ConfigureAwait(false);
        }

        // The catalog comes first: the encryption layer finds each key's resource in it.
        var catalog = ResourceCatalog.CreateBuiltIn();
        IStore? store = null;
        CatalogTransformerSelector? encryption = null;
        var encryptionConfigPath = options.EncryptionProviderConfig;
        var sharedEncryption = options.SharedDatastore && options.EncryptionConfigFromDatastore && encryptionConfigPath is not null;
        try
        {
            if (encryptionConfigPath is not null && !sharedEncryption)
            {
                encryption = new CatalogTransformerSelector(catalog, await EncryptionConfigParser.LoadAsync(encryptionConfigPath, cancellationToken).ConfigureAwait(false));
            }

            store = await openStore(cancellationToken).ConfigureAwait(false);
            if (sharedEncryption)
            {
                // The shared key comes with the cluster's bootstrap record: join first (the record
                // is no resource, so it is read the same with or without the transformers).
                pki = await ClusterBootstrap.LoadOrJoinAsync(options.DataDir, sans, store, token, new EncryptionKeyFile(encryptionConfigPath!), pkiLog, cancellationToken).ConfigureAwait(false);
                if (File.Exists(encryptionConfigPath))
                {
                    encryption = new CatalogTransformerSelector(catalog, await EncryptionConfigParser.LoadAsync(encryptionConfigPath!, cancellationToken).ConfigureAwait(false));
                }
                else
                {
                    Log.SharedRecordWithoutEncryption(log, ClusterBootstrap.Key);
                    encryptionConfigPath = null;
                }
            }

            if (encryption is not null)
            {
                store = TransformingStore.Wrap(store, encryption);
            }
        }
        catch
        {
            if (auditLog is not null)
            {
                await auditLog.DisposeAsync().ConfigureAwait(false);
            }

            if (store is not null)
            {
                await store.DisposeAsync().ConfigureAwait(false);
            }

            pki?.Dispose();
            await DisposeBuiltAsync(webHost).ConfigureAwait(false);
            throw;
        }

        WatchCaches? watchCaches = null;
        try
        {
            pki ??= await ClusterBootstrap.LoadOrJoinAsync(options.DataDir, sans, store, token, encryption: null, pkiLog, cancellationToken).ConfigureAwait(false);
            var time = options.Time;
            var objects = new ObjectStore(store);
            var services = catalog.Find("", "v1", "services")!;
            var allocations = new ServiceAllocations(options.ServiceNetwork, store, services, new Random(), loggerFactory.CreateLogger("allocations"), time, objects);
            Log.Stage(log, "store opened", clock.Elapsed.TotalMilliseconds);
            await new ServiceIpMigration(store, allocations, loggerFactory.CreateLogger<ServiceIpMigration>()).MigrateAsync(cancellationToken).ConfigureAwait(false);
            var repair = new AllocationRepair(allocations, store, services, loggerFactory.CreateLogger<AllocationRepair>());
            await repair.RepairAsync(cancellationToken).ConfigureAwait(false);
            // What admission reads on every pod create, kept in memory from the store's watch.
            var cacheLog = loggerFactory.CreateLogger<WatchedObjects>();
            var namespaces = new WatchedObjects(objects, catalog.Find("", "v1", "namespaces")!, cacheLog);
            var serviceAccounts = new WatchedObjects(objects, catalog.Find("", "v1", "serviceaccounts")!, cacheLog);
            var limitRanges = new WatchedObjects(objects, catalog.Find("", "v1", "limitranges")!, cacheLog);
            var quotas = new WatchedObjects(objects, catalog.Find("", "v1", "resourcequotas")!, cacheLog);
            var storageClasses = new WatchedObjects(objects, catalog.Find("storage.k8s.io", "v1", "storageclasses")!, cacheLog);
            // NodeAuthorizer without the Node mode puts the node authorizer first, as Node,<modes> would.
            var modes = options.NodeAuthorizer && !Security.AuthorizationModes.UsesNode(options.AuthorizationModes)
                ? [Security.AuthorizationModes.Node, .. options.AuthorizationModes]
                : options.AuthorizationModes;
            var nodeGraph = Security.AuthorizationModes.UsesNode(modes) && (options.Authorizer is null || options.NodeAuthorizer)
                ? new NodeGraphPopulator(objects, catalog, new NodeGraph(), time, loggerFactory.CreateLogger<NodeGraphPopulator>())
                : null;
            // Authorization before the writer: RBAC's escalation check runs inside its writes.
            Security.AuthorizationModes.Validate(modes);
            var rbacPolicies = options.Authorizer is null && Security.AuthorizationModes.UsesRbac(modes)
                ? new Security.Rbac.RbacPolicyCache(objects, catalog, loggerFactory.CreateLogger<Security.Rbac.RbacPolicyCache>())
                : null;
            var rbac = rbacPolicies is null ? null : new Security.Rbac.RbacAuthorizer(rbacPolicies);
            var node = nodeGraph is null ? null : new NodeAuthorizer(nodeGraph.Graph, loggerFactory.CreateLogger<NodeAuthorizer>());
            IAuthorizer authorizer = options.Authorizer is { } given
                ? (node is null ? given : new Security.Rbac.UnionAuthorizer([node, given]))
                : Security.AuthorizationModes.Build(modes, rbac, node);

            IRequesterAdmissionHook[] requesterHooks = rbac is null ? [] : [new Security.Rbac.RbacEscalationCheck(authorizer, rbac, new Security.Rbac.PrivilegedGroupAuthorizer(UserInfo.SystemMastersGroup))];
            List<WatchedObjects> caches = [namespaces, serviceAccounts, limitRanges, quotas, storageClasses, .. rbacPolicies?.Caches ?? []];
            List<IAdmissionHook> hooks = [new NamespaceLifecycle(namespaces), new PersistentVolumeClaimResize(storageClasses), allocations, new ResourceQuotaAdmission(objects, quotas)];
            List<IRequestAdmission> requestAdmission = [];
            if (options.NodeRestriction)
            {
                // Its Node reads (the UID a mirror pod's owner must carry) come from a cache, as upstream's from an informer.
                var nodes = new WatchedObjects(objects, catalog.Find("", "v1", "nodes")!, cacheLog);
                caches.Add(nodes);
                var nodeRestriction = new NodeRestriction(nodes, new PodPlacements(objects, catalog.Find("", "v1", "pods")!, nodeGraph));
                hooks.Add(nodeRestriction);
                requestAdmission.Add(nodeRestriction);
            }

            // The one check of which nodes may be dialled, for webhooks, the aggregator and the proxy subresources.
            var nodeReachability = new NodeReachability(async (node, ct) => (await objects.GetAsync(catalog.Find("", "v1", "nodes")!, null, node, ct).ConfigureAwait(false))?.Object);
            // Conversion and admission webhooks resolve Services by the same rules (docs/admission-webhooks.md).
            var webhookServices = new Registry.Conversion.WebhookServiceResolver(Registry.Conversion.WebhookServiceResolver.Rules(
                async (plural, ns, name, ct) => (await objects.GetAsync(catalog.Find("", "v1", plural)!, ns, name, ct).ConfigureAwait(false))?.Object,
                nodeReachability));
            var validatingWebhookConfigurations = new WatchedObjects(objects, catalog.Find("admissionregistration.k8s.io", "v1", "validatingwebhookconfigurations")!, cacheLog);
            var mutatingWebhookConfigurations = new WatchedObjects(objects, catalog.Find("admissionregistration.k8s.io", "v1", "mutatingwebhookconfigurations")!, cacheLog);
            caches.AddRange([validatingWebhookConfigurations, mutatingWebhookConfigurations]);
            var admissionWebhooks = new Admission.Webhooks.AdmissionWebhooks(
                validatingWebhookConfigurations,
                mutatingWebhookConfigurations,
                new Admission.Webhooks.WebhookSelectors(namespaces),
                new Admission.Webhooks.AdmissionReviewCaller(webhookServices, options.KubeletDialFilter, loggerFactory.CreateLogger<Admission.Webhooks.AdmissionReviewCaller>()));
            // Last: the webhooks see what the built-in plugins let through, as upstream's plugin order.
            var validatingWebhook = new Admission.Webhooks.ValidatingAdmissionWebhook(admissionWebhooks);
            hooks.Add(validatingWebhook);
            requestAdmission.Add(validatingWebhook);

            // After ServiceAccount admission: it gives a pod its ServiceAccount's pull secrets, which the policy's registry reads use.
            IMutatingAdmissionHook[] imagePolicy = options.ImagePolicy is { } policy
                ? [new ImagePolicyAdmission(policy, new Images.RegistryReader(options.Registries ?? Timonel.Api.Images.RegistriesConfig.Empty, options.KubeletDialFilter), objects, catalog.Find("", "v1", "secrets")!, serviceAccounts, time, loggerFactory.CreateLogger("image-policy"))]
                : [];
            IMutatingAdmissionHook[] mutating =
            [
                new ServiceAccountAdmission(serviceAccounts, namespaces, options.RequireServiceAccounts, new Random(), time),
                .. imagePolicy,
                new DefaultTolerationSeconds(options.DefaultNotReadyTolerationSeconds, options.DefaultUnreachableTolerationSeconds),
                new LimitRanger(limitRanges),
                new DefaultStorageClass(storageClasses),
                new StorageObjectInUseProtection(),
            ];
            var writer = new ObjectWriter(objects, mutating, hooks, new NameGenerator(new Random()), time, requesterHooks, admissionWebhooks);
            var deleter = new ObjectDeleter(objects, hooks, time);
            var lister = new ObjectLister(objects, time);
            var updater = new GuaranteedUpdater(objects, writer);
            watchCaches = options.WatchCache
                ? new WatchCaches(objects, new WatchCacheOptions { SharedDatastore = options.SharedDatastore }, time, loggerFactory.CreateLogger<WatchCache>())
                : null;
            var cachedReads = watchCaches is null ? null : new CachedReads(watchCaches, lister);

            // Before the kubernetes Service: its ClusterIP comes from this range.
            await new DefaultServiceCidr(catalog, writer, objects, time).EnsureAsync(options.ServiceNetwork.Cidr, cancellationToken).ConfigureAwait(false);
            await new Bootstrap(catalog, writer, objects).EnsureAsync(options.ServiceNetwork.FirstAddress, options.ServiceNetwork.DnsAddress, options.Port, cancellationToken).ConfigureAwait(false);
            await new RbacBootstrap(catalog, objects, writer, deleter, updater, loggerFactory.CreateLogger<RbacBootstrap>()).EnsureAsync(cancellationToken).ConfigureAwait(false);
            await new AuthenticationConfigMap(catalog, writer, objects).EnsureAsync(pki.ClientCaPem, pki.FrontProxyCaPem, cancellationToken).ConfigureAwait(false);
            await new LegacyTokenTracking(catalog, writer, objects, time).EnsureAsync(cancellationToken).ConfigureAwait(false);
            // Stored CRDs are served again before the server reports ready (and before the local APIServices are made).
            var conversionWebhooks = new Registry.Conversion.ConversionWebhooks(webhookServices, new Registry.Conversion.WebhookCaller(options.KubeletDialFilter, options.ConversionWebhookTimeout));
            var customResourceDefinitions = new CustomResourceDefinitionController(catalog, objects, writer, deleter, time, loggerFactory.CreateLogger<CustomResourceDefinitionController>(), conversionWebhooks.For);
            await customResourceDefinitions.SyncAllAsync(cancellationToken).ConfigureAwait(false);
            var localApiServices = new LocalApiServices(catalog, writer, objects, deleter, time, loggerFactory.CreateLogger<LocalApiServices>());
            await localApiServices.SyncAsync(cancellationToken).ConfigureAwait(false);
            // After the bootstrap objects: the store has a revision to start the caches' watches after.
            if (watchCaches is not null)
            {
                await watchCaches.StartAsync(catalog.Stored, cancellationToken).ConfigureAwait(false);
            }
            var kubelets = new KubeletConnector(pki, time.GetUtcNow(), options.KubeletDialFilter);
            // The aggregator: APIServices naming a Service are proxied there (docs/aggregation.md).
            var apiServiceCache = new WatchedObjects(objects, catalog.Find("apiregistration.k8s.io", "v1", "apiservices")!, cacheLog);
            var serviceCache = new WatchedObjects(objects, services, cacheLog);
            var sliceCache = new WatchedObjects(objects, catalog.Find("discovery.k8s.io", "v1", "endpointslices")!, cacheLog);
            caches.AddRange([apiServiceCache, serviceCache, sliceCache]);
            var endpointResolver = new Aggregation.ServiceEndpointResolver(serviceCache, new ServiceRouting.EndpointSliceSource(sliceCache.ListAsync), nodeReachability, Random.Shared);
            var aggregatorTransport = new Aggregation.BackendTransport(pki, time.GetUtcNow(), options.KubeletDialFilter);
            var aggregatedDiscovery = new Aggregation.AggregatedDiscovery();
            var openApi = new OpenApiDocuments(catalog);
            var aggregatedOpenApi = new Aggregation.AggregatedOpenApi(openApi, time, loggerFactory.CreateLogger<Aggregation.AggregatedOpenApi>())
            {
                RefreshInterval = options.AggregatorOpenApiRefreshInterval,
            };
            var availability = new Aggregation.ApiServiceAvailability(catalog, apiServiceCache, serviceCache, endpointResolver, aggregatorTransport, aggregatedDiscovery, objects, writer, time, loggerFactory.CreateLogger<Aggregation.ApiServiceAvailability>(), aggregatedOpenApi)
            {
                Interval = options.AggregatorCheckInterval,
            };
            var resourceMetrics = new Metrics.MetricsStore();
            // Fed by the collector, read by `timonel recommend` (docs/autoscaling.md, "Recommendations").
            var usageHistory = new Metrics.History.UsageHistory();
            var metricsCollector = new Metrics.MetricsCollector(objects, catalog, resourceMetrics, kubelets.Invoker, options.MetricsResolution, time, loggerFactory.CreateLogger<Metrics.MetricsCollector>(), usageHistory);

            Log.Stage(log, "bootstrap objects ensured", clock.Elapsed.TotalMilliseconds);
            var issuer = new ServiceAccountIssuer(pki.ServiceAccountKey, options.ServiceAccountIssuer, options.ApiAudiences);
            var legacyTokens = new LegacyTokenAuthenticator(
                new ServiceAccountIssuer(pki.ServiceAccountKey, LegacyServiceAccountToken.Issuer, []), issuer.ApiAudiences, objects, updater, catalog, time, loggerFactory.CreateLogger<LegacyTokenAuthenticator>());
            var authenticator = Authenticator.ForCluster(pki, [new JoinTokenAuthenticator(pki.JoinToken), new ServiceAccountTokenAuthenticator(issuer, objects, catalog, time), legacyTokens]);
            var advertise = options.ResolveAdvertiseAddress();
            var endpoints = new KubernetesEndpointsReconciler(store, objects, writer, catalog, advertise, options.Port, time, loggerFactory.CreateLogger<KubernetesEndpointsReconciler>())
            {
                Interval = options.EndpointReconcileInterval,
                LeaseTtl = options.EndpointLeaseTtl,
                SharedDatastore = options.SharedDatastore,
            };
            await endpoints.ReconcileAsync(cancellationToken).ConfigureAwait(false);
            // The OpenAPI documents are built on first request (~0.2 s, once), not at start: building
            // them eagerly costs ~30 MB of resident memory that an idle server need not hold.
            // The first X509 chain build costs ~0.1-0.25 s: pay it off the request path.
            _ = Task.Run(() => authenticator.Certificates.Validate(pki.AdminCertificate), CancellationToken.None);

            https.Options = KestrelHttps.ServerOptions(pki, authenticator.Certificates);
            var app = await webHost.ConfigureAwait(false);
            Log.Stage(log, "web host built", clock.Elapsed.TotalMilliseconds);

            // A bad policy stops the start before the log file is even created.
            var auditPolicy = options.AuditPolicyFile is { Length: > 0 } policyPath ? Audit.AuditPolicyFile.Load(policyPath) : null;
            auditLog = options.AuditLogPath is { Length: > 0 } auditPath ? new Audit.AuditLogFile(auditPath, loggerFactory.CreateLogger("audit"), options.AuditLogRotation, time) : null;
            var bindings = new BindingSubresource(updater, time);
            Func<CancellationToken, Task<bool>> storeReachable = async ct =>
            {
                try
                {
                    await store.GetCurrentRevisionAsync(ct).ConfigureAwait(false);
                    return true;
                }
                catch (StoreUnavailableException)
                {
                    return false;
                }
            };
            var pipeline = new RequestPipeline(
                authenticator,
                authorizer,
                new ResourceEndpoint(catalog, objects, writer, deleter, lister, new WatchStreamer(objects, lister, time, watchCaches, cachedReads), updater, bindings, new EvictionSubresource(catalog, objects, lister, deleter, updater, time, requestAdmission), time, new PodStreamEndpoint(catalog, objects, kubelets), cachedReads,
                    new ComputedCoreEndpoint(catalog, bindings, new ComponentStatuses(objects, catalog, storeReachable, time), time),
                    new ApplyPatchHandler(objects, writer, updater, time),
                    new Metrics.MetricsEndpoint(catalog, objects, resourceMetrics, time, new Metrics.History.RecommendationEndpoint(catalog, objects, usageHistory)),
                    ProxySubresources(catalog, objects, kubelets, nodeReachability, options.AllowLoopbackProxyTargets)),
                new AuthenticationEndpoint(catalog, issuer, new TokenRequestHandler(issuer, objects, catalog, time), $"https://{UrlHost(advertise)}:{options.Port}{AuthenticationEndpoint.JwksPath}", requestAdmission),
                new ReviewEndpoint(catalog, new Reviews.TokenReviewer(authenticator, issuer.ApiAudiences), new Reviews.AccessReviewer(authorizer)),
                new DiscoveryEndpoint(new DiscoveryDocuments(catalog), openApi, aggregatedDiscovery),
                new RequestMetrics { EncryptionConfigHash = encryption is null ? null : () => encryption.Config.Hash, WatchStages = watchCaches?.Stages },
                storeReachable,
                auditLog,
                auditPolicy,
                time,
                loggerFactory.CreateLogger<RequestPipeline>(),
                new Aggregation.ApiServiceProxy(apiServiceCache, endpointResolver, aggregatorTransport, app.Services.GetRequiredService<Yarp.ReverseProxy.Forwarder.IHttpForwarder>(), loggerFactory.CreateLogger<Aggregation.ApiServiceProxy>()));
            app.Run(pipeline.InvokeAsync);

            await app.StartAsync(cancellationToken).ConfigureAwait(false);
            Log.Stage(log, "listening", clock.Elapsed.TotalMilliseconds);
            var host = options.BindAddress.Equals(System.Net.IPAddress.Any) ? "127.0.0.1" : options.BindAddress.ToString();
            var url = $"https://{host}:{options.Port}";
            var kubeconfig = Path.Combine(options.DataDir, "kubeconfig.yaml");
            await KubeconfigWriter.WriteAsync(kubeconfig, url, pki.ServerCaPem, pki.AdminCertificatePem, pki.AdminKeyPem, cancellationToken).ConfigureAwait(false);

            var stopping = new CancellationTokenSource();
            localApiServices.FollowCatalog(stopping.Token);
            var reloader = encryption is null
                ? null
                : new EncryptionConfigReloader(options.EncryptionProviderConfig!, encryption, options.EncryptionConfigReloadInterval, time, loggerFactory.CreateLogger<EncryptionConfigReloader>());
            // Emptying terminating namespaces is the namespace controller's job (controller manager).
            var background = Task.WhenAll(
                Task.Run(() => repair.RunAsync(time, stopping.Token), CancellationToken.None),
                Task.Run(() => endpoints.RunAsync(stopping.Token), CancellationToken.None),
                Task.Run(() => customResourceDefinitions.RunAsync(stopping.Token), CancellationToken.None),
                Task.Run(() => metricsCollector.RunAsync(stopping.Token), CancellationToken.None),
                Task.Run(() => availability.RunAsync(stopping.Token), CancellationToken.None),
                reloader is null ? Task.CompletedTask : Task.Run(() => reloader.RunAsync(stopping.Token), CancellationToken.None),
                Task.WhenAll(caches.Select(c => Task.Run(() => c.RunAsync(stopping.Token), CancellationToken.None))),
                nodeGraph is null ? Task.CompletedTask : Task.Run(() => nodeGraph.RunAsync(stopping.Token), CancellationToken.None));
            var result = new ApiServerHost(app, store, pki, catalog, url, kubeconfig, background, watchCaches) { _audit = auditLog, _aggregatorTransport = aggregatorTransport };
            result._stopping.Token.Register(stopping.Cancel);
            Log.Serving(log, url, kubeconfig);
            return result;
        }
        catch
        {
            pki?.Dispose();
            if (watchCaches is not null)
            {
                await watchCaches.DisposeAsync().ConfigureAwait(false);
            }

            await store.DisposeAsync().ConfigureAwait(false);
            await DisposeBuiltAsync(webHost).ConfigureAwait(false);
            throw;
        }
    }

    private static Proxy.ProxySubresource ProxySubresources(ResourceCatalog catalog, ObjectStore objects, KubeletConnector kubelets, NodeReachability nodes, bool allowLoopback)
    {
        var addresses = new Proxy.ProxyAddresses(allowLoopback);
        return new Proxy.ProxySubresource(
            new Proxy.NodeProxyResolver(objects, kubelets, addresses),
            new Proxy.PodProxyResolver(objects, kubelets, addresses, nodes),
            new Proxy.ServiceProxyResolver(catalog, objects, kubelets, nodes, Random.Shared));
    }

    private static string UrlHost(System.Net.IPAddress address) =>
        address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{address}]" : address.ToString();

    private static async Task DisposeBuiltAsync(Task<WebApplication> webHost)
    {
        try
        {
            await (await webHost.ConfigureAwait(false)).DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is InvalidOperationException or OperationCanceledException or IOException)
        {
            // The host never got built: nothing to release.
        }
    }

    private static WebApplication BuildWebHost(ApiServerOptions options, HttpsBinding https)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Limits.MaxRequestBodySize = RequestBody.MaxBytes + 1;
            k.AddServerHeader = false;

            // Warning texts name the client's own fields, which may be any Unicode: upstream (Go's
            // net/http) sends header values as UTF-8 bytes, and Kestrel refuses non-ASCII unless
            // told an encoding. For every header, because Kestrel asks for known headers such as
            // Warning under an empty name when it writes them; ASCII values are the same bytes.
            k.ResponseHeaderEncodingSelector = _ => System.Text.Encoding.UTF8;
            KestrelHttps.ConfigureHttps(
                k,
                () => https.Options ?? throw new InvalidOperationException("certificates are not loaded yet"),
                options.Port,
                options.BindAddress);
        });
        // The caller owns the process's signals: on SIGTERM the server first lets its components
        // release their Leases and the local agent stop, and only then stops serving.
        builder.Services.AddSingleton<Microsoft.Extensions.Hosting.IHostLifetime, CallerOwnedLifetime>();
        // The aggregator forwards requests to extension API servers with YARP's forwarder.
        builder.Services.AddHttpForwarder();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(5));
        return builder.Build();
    }

    /// <summary>What Kestrel's HTTPS endpoint needs, filled in before the host starts.</summary>
    private sealed class HttpsBinding
    {
        public System.Net.Security.SslServerAuthenticationOptions? Options { get; set; }
    }

    /// <summary>
    /// Completes when <paramref name="cancellationToken"/> fires (the caller's SIGTERM or Ctrl-C) or
    /// something asks the host to stop. It stops nothing: the server keeps serving until disposed,
    /// so what runs beside it can still reach it while it shuts down.
    /// </summary>
    public async Task WaitForStopRequestAsync(CancellationToken cancellationToken)
    {
        var stopping = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var onCancel = cancellationToken.Register(() => stopping.TrySetResult());
        using var onStopping = _app.Lifetime.ApplicationStopping.Register(() => stopping.TrySetResult());
        await stopping.Task.ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _app.StopAsync().ConfigureAwait(false);
        await _background.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _aggregatorTransport?.Dispose();
        if (_watchCaches is not null)
        {
            await _watchCaches.DisposeAsync().ConfigureAwait(false);
        }

        await _app.DisposeAsync().ConfigureAwait(false);
        if (_audit is not null)
        {
            await _audit.DisposeAsync().ConfigureAwait(false);
        }

        await _store.DisposeAsync().ConfigureAwait(false);
        Pki.Dispose();
        _stopping.Dispose();
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Warning, Message = "Secrets are stored unencrypted: this cluster's bootstrap record {Key} was written before servers shared a generated key; pass one --encryption-provider-config file to every server (docs/limits.md)")]
        public static partial void SharedRecordWithoutEncryption(ILogger logger, string key);

        [LoggerMessage(Level = LogLevel.Debug, Message = "start-up: {Stage} after {Milliseconds:F0} ms")]
        public static partial void Stage(ILogger logger, string stage, double milliseconds);

        [LoggerMessage(Level = LogLevel.Information, Message = "serving the Kubernetes API at {Url}; kubeconfig written to {Kubeconfig}")]
        public static partial void Serving(ILogger logger, string url, string kubeconfig);
    }
}
