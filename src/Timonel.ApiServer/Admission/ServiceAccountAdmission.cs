using System.Net;
using System.Text.Json.Nodes;
using Timonel.Api.Errors;
using Timonel.Api.Validation;
using Timonel.ApiServer.Registry;
using Timonel.Registry.Resources;

namespace Timonel.ApiServer.Admission;

/// <summary>
/// Upstream's ServiceAccount admission plugin for new pods: spec.serviceAccountName defaults to
/// "default", the named ServiceAccount must exist, and unless the pod or its ServiceAccount
/// opts out (automountServiceAccountToken: false) a projected "kube-api-access-xxxxx" volume
/// (a bound token, the cluster CA, the namespace) is mounted read-only at
/// /var/run/secrets/kubernetes.io/serviceaccount in every container and init container. A pod
/// without imagePullSecrets gets its ServiceAccount's, so the kubelet pulls with them and the
/// node authorizer lets the pod's node read them.
/// </summary>
/// <remarks>
/// The "default" ServiceAccount is created by the serviceaccount controller just after its
/// namespace, so a pod created right after the namespace may arrive first: like upstream, the
/// lookup of "default" is retried for a few seconds. When no such controller runs here
/// (<paramref name="requireServiceAccounts"/> false: a bare API server in tests, or a server
/// without the controller manager) a missing "default" is not an error and the pod is admitted
/// as if it existed; a missing ServiceAccount named by the pod is always refused.
/// </remarks>
internal sealed class ServiceAccountAdmission(WatchedObjects serviceAccounts, WatchedObjects namespaces, bool requireServiceAccounts, Random random, TimeProvider time) : IMutatingAdmissionHook
{
    public const string DefaultName = "default";
    public const string MountPath = "/var/run/secrets/kubernetes.io/serviceaccount";
    public const string VolumePrefix = "kube-api-access-";
    public const string MirrorPodAnnotation = "kubernetes.io/config.mirror";
    public const string RootCaConfigMap = "kube-root-ca.crt";

    /// <summary>How long a missing "default" ServiceAccount is waited for (upstream: 10 tries 100-200 ms apart; longer here for loaded machines).</summary>
    public static readonly TimeSpan DefaultAccountWait = TimeSpan.FromSeconds(3);

    // Upstream's utilrand alphabet: no vowels (no words), no look-alike characters.
    private const string Alphabet = "bcdfghjklmnpqrstvwxz2456789";

    public bool AppliesTo(ApiResource resource) => resource.Group.Length == 0 && resource.Plural == "pods";

    public async Task MutateCreateAsync(ApiResource resource, JsonObject obj, CancellationToken cancellationToken)
    {
        // Static pods mirrored by a kubelet are the kubelet's business, as upstream leaves them.
        if (obj.Obj("metadata").Obj("annotations")?.ContainsKey(MirrorPodAnnotation) == true)
        {
            return;
        }

        var spec = obj.Ensure("spec");
        var ns = ObjectMetaAccess.Namespace(obj)!;
        var accountName = spec.Str("serviceAccountName") is { Length: > 0 } named ? named : spec.Str("serviceAccount") is { Length: > 0 } legacy ? legacy : DefaultName;
        spec["serviceAccountName"] = accountName;

        var account = await LookUpAsync(ns, accountName, cancellationToken).ConfigureAwait(false);
        if (account is null)
        {
            // A missing namespace is NamespaceLifecycle's 404, which runs later.
            if (await namespaces.GetAsync(null, ns, cancellationToken).ConfigureAwait(false) is null)
            {
                return;
            }

            if (requireServiceAccounts || accountName != DefaultName)
            {
                throw new ApiException(HttpStatusCode.Forbidden, "Forbidden",
                    $"pods \"{ObjectMetaAccess.Name(obj)}\" is forbidden: error looking up service account {ns}/{accountName}: serviceaccount \"{accountName}\" not found",
                    new StatusDetails(ObjectMetaAccess.Name(obj), "", "pods"));
            }
        }

        if (account?.Arr("imagePullSecrets") is { Count: > 0 } accountSecrets && spec.Arr("imagePullSecrets") is null or { Count: 0 })
        {
            spec["imagePullSecrets"] = accountSecrets.DeepClone();
        }

        var automount = spec.Bool("automountServiceAccountToken") ?? account?.Bool("automountServiceAccountToken") ?? true;
        if (automount)
        {
            MountToken(spec);
        }
    }

    private async Task<JsonObject?> LookUpAsync(string ns, string name, CancellationToken ct)
    {
        var deadline = time.GetUtcNow() + (name == DefaultName && requireServiceAccounts ? DefaultAccountWait : TimeSpan.Zero);
        while (true)
        {
            if (await serviceAccounts.GetAsync(ns, name, ct).ConfigureAwait(false) is { } found)
            {
                return found;
            }

            if (time.GetUtcNow() >= deadline)
            {
                return null;
            }

            int jitter;
            lock (random)
            {
                jitter = random.Next(100);
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100 + jitter), time, ct).ConfigureAwait(false);
        }
    }

    private void MountToken(JsonObject spec)
    {
        var volumes = spec.Arr("volumes") ?? [];
        // A pod that already carries such a volume (created from a copy of another pod's spec) keeps it.
        var volumeName = volumes.Objects().Select(v => v.Item.Str("name")).FirstOrDefault(n => n?.StartsWith(VolumePrefix, StringComparison.Ordinal) == true)
            ?? VolumePrefix + RandomSuffix();
        var mounted = false;
        foreach (var key in new[] { "initContainers", "containers" })
        {
            foreach (var (_, container) in spec.Arr(key).Objects())
            {
                var mounts = container.Arr("volumeMounts") ?? [];
                if (mounts.Objects().Any(m => m.Item.Str("mountPath") == MountPath))
                {
                    continue;
                }

                mounts.Add(new JsonObject { ["name"] = volumeName, ["readOnly"] = true, ["mountPath"] = MountPath });
                container["volumeMounts"] = mounts;
                mounted = true;
            }
        }

        if (mounted && !volumes.Objects().Any(v => v.Item.Str("name") == volumeName))
        {
            volumes.Add(TokenVolume(volumeName));
            spec["volumes"] = volumes;
        }
    }

    /// <summary>The projected volume upstream adds: a kubelet-refreshed token, the CA bundle and the namespace.</summary>
    public static JsonObject TokenVolume(string name) => new()
    {
        ["name"] = name,
        ["projected"] = new JsonObject
        {
            ["sources"] = new JsonArray(
                new JsonObject { ["serviceAccountToken"] = new JsonObject { ["expirationSeconds"] = 3607, ["path"] = "token" } },
                new JsonObject
                {
                    ["configMap"] = new JsonObject
                    {
                        ["name"] = RootCaConfigMap,
                        ["items"] = new JsonArray(new JsonObject { ["key"] = "ca.crt", ["path"] = "ca.crt" }),
                    },
                },
                new JsonObject
                {
                    ["downwardAPI"] = new JsonObject
                    {
                        ["items"] = new JsonArray(new JsonObject
                        {
                            ["path"] = "namespace",
                            ["fieldRef"] = new JsonObject { ["apiVersion"] = "v1", ["fieldPath"] = "metadata.namespace" },
                        }),
                    },
                }),
            ["defaultMode"] = 420,
        },
    };

    private string RandomSuffix()
    {
        Span<char> chars = stackalloc char[5];
        lock (random)
        {
            // Random is not thread-safe; pods are admitted concurrently.
            for (var i = 0; i < chars.Length; i++)
            {
                chars[i] = Alphabet[random.Next(Alphabet.Length)];
            }
        }

        return new string(chars);
    }
}
