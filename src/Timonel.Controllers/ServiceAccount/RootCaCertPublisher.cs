using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Timonel.Client.Controllers;
using Timonel.Client.Informers;
using Timonel.Client.WorkQueues;

namespace Timonel.Controllers.ServiceAccount;

/// <summary>
/// Upstream's root-ca-cert-publisher: every active namespace has the ConfigMap "kube-root-ca.crt"
/// holding the API server's CA bundle under "ca.crt", so pods can verify the server; edits and
/// deletions are undone. Does nothing when no CA is configured.
/// </summary>
public sealed class RootCaCertPublisher : Controller, IController
{
    public const string ConfigMapName = "kube-root-ca.crt";
    public const string DataKey = "ca.crt";
    public const string DescriptionAnnotation = "kubernetes.io/description";

    private const string Description = "Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.";

    private readonly ControllerContext _context;
    private readonly SharedInformer<V1Namespace> _namespaces;
    private readonly SharedInformer<V1ConfigMap> _configMaps;
    private readonly string _rootCa;

    public RootCaCertPublisher(ControllerContext context)
        : base("root-ca-cert-publisher", context.Loggers.CreateLogger("root-ca-cert-publisher"), context.Time)
    {
        _context = context;
        _rootCa = context.Options.RootCaPem ?? "";
        _namespaces = context.Informers.Get(ResourceKinds.Namespaces);
        _configMaps = context.Informers.Get(ResourceKinds.ConfigMaps, new InformerOptions { FieldSelector = $"metadata.name={ConfigMapName}" });
        _namespaces.AddEventHandler(onAdd: Enqueue, onUpdate: (_, n) => Enqueue(n));
        _configMaps.AddEventHandler(
            onAdd: cm => Enqueue(cm.Metadata.NamespaceProperty),
            onUpdate: (_, cm) => Enqueue(cm.Metadata.NamespaceProperty),
            onDelete: cm => Enqueue(cm.Metadata.NamespaceProperty));
    }

    string IController.Name => "root-ca-cert-publisher";

    public Task RunAsync(CancellationToken cancellationToken) =>
        _rootCa.Length == 0 ? Task.CompletedTask : RunAsync(_context.Options.Workers, [_namespaces, _configMaps], cancellationToken);

    protected override async Task SyncAsync(string key, CancellationToken cancellationToken)
    {
        var ns = _namespaces.Cache.Get(key);
        if (ns is null || ns.Metadata.DeletionTimestamp is not null || ns.Status?.Phase == "Terminating")
        {
            return;
        }

        var existing = _configMaps.Cache.Get(key, ConfigMapName);
        try
        {
            if (existing is null)
            {
                var created = new V1ConfigMap
                {
                    Metadata = new V1ObjectMeta { Name = ConfigMapName, Annotations = new Dictionary<string, string> { [DescriptionAnnotation] = Description } },
                    Data = new Dictionary<string, string> { [DataKey] = _rootCa },
                };
                await _context.Client.CoreV1.CreateNamespacedConfigMapAsync(created, key, cancellationToken: cancellationToken).ConfigureAwait(false);
                return;
            }

            if (existing.Data is { Count: 1 } data && data.TryGetValue(DataKey, out var pem) && pem == _rootCa
                && existing.Metadata.Annotations is { } annotations && annotations.TryGetValue(DescriptionAnnotation, out var description) && description == Description)
            {
                return;
            }

            var updated = KubernetesJson.Deserialize<V1ConfigMap>(KubernetesJson.Serialize(existing));
            updated.Data = new Dictionary<string, string> { [DataKey] = _rootCa };
            updated.Metadata.Annotations ??= new Dictionary<string, string>();
            updated.Metadata.Annotations[DescriptionAnnotation] = Description;
            await _context.Client.CoreV1.ReplaceNamespacedConfigMapAsync(updated, ConfigMapName, key, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (HttpOperationException e) when (ApiErrors.IsAlreadyExists(e) || ApiErrors.IsNotFound(e) || ApiErrors.IsNamespaceTerminating(e))
        {
            // Created meanwhile (the cache lags: the update event brings it back here), or the namespace is going away.
        }
    }
}
