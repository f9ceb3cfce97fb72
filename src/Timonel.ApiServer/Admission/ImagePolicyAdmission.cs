using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Timonel.Api.Errors;
using Timonel.Api.Images;
using Timonel.Api.Validation;
using Timonel.ApiServer.Images;
using Timonel.ApiServer.Registry;
using Timonel.Registry.Resources;

namespace Timonel.ApiServer.Admission;

/// <summary>
/// The image policy (<c>--image-policy FILE</c>, docs/images.md "Image policy") on pods and on the
/// pod templates of Deployments, ReplicaSets, StatefulSets, DaemonSets, Jobs and CronJobs, at create
/// and when an update changes a container's image: an image not named by digest is refused under
/// requireDigest, or resolved to <c>name:tag@sha256:...</c> under resolveTags (Kyverno's
/// mutateDigest form: the tag stays for people, the digest decides what runs), so every pod of a
/// workload runs the same bytes; under requireSignature the digest must carry a sigstore
/// signature one of the named keys verifies (<see cref="SigstoreSignature"/>). Registry reads use
/// the pod's imagePullSecrets (a workload's template's, else its ServiceAccount's) and then the
/// server's registries.yaml credentials, within the rules' timeout; when the registry cannot
/// answer, onRegistryError refuses (Fail) or admits unchanged (Admit). Refusals are 403 Forbidden
/// naming the object, the image and the rule. Runs after ServiceAccount admission, which copies a
/// ServiceAccount's pull secrets into a pod.
/// </summary>
internal sealed partial class ImagePolicyAdmission(
    ImagePolicy policy,
    RegistryReader registry,
    ObjectStore objects,
    ApiResource secrets,
    WatchedObjects serviceAccounts,
    TimeProvider time,
    ILogger log) : IMutatingAdmissionHook
{
    // A digest whose signature was verified with a key set stays verified this long: a Deployment's
    // pods are admitted one by one and each would otherwise fetch the same signature again.
    private static readonly TimeSpan VerifiedLifetime = TimeSpan.FromMinutes(5);

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, DateTimeOffset> _verified = new(StringComparer.Ordinal);

    public bool AppliesTo(ApiResource resource) => TemplatePath(resource) is not null;

    public Task MutateCreateAsync(ApiResource resource, JsonObject obj, CancellationToken cancellationToken) =>
        AdmitAsync(resource, obj, old: null, cancellationToken);

    public Task MutateUpdateAsync(ApiResource resource, JsonObject obj, JsonObject old, CancellationToken cancellationToken) =>
        AdmitAsync(resource, obj, old, cancellationToken);

    /// <summary>Where a resource's pod spec is: the path of objects from the root, or null for a resource without one.</summary>
    private static string[]? TemplatePath(ApiResource resource) => (resource.Group, resource.Plural) switch
    {
        ("", "pods") => ["spec"],
        ("apps", "deployments" or "replicasets" or "statefulsets" or "daemonsets") or ("batch", "jobs") => ["spec", "template", "spec"],
        ("batch", "cronjobs") => ["spec", "jobTemplate", "spec", "template", "spec"],
        _ => null,
    };

    private async Task AdmitAsync(ApiResource resource, JsonObject obj, JsonObject? old, CancellationToken cancellationToken)
    {
        var ns = ObjectMetaAccess.Namespace(obj) ?? string.Empty;
        var rules = policy.For(ns);
        if (rules.IsEmpty || obj.Obj("metadata").Obj("annotations")?.ContainsKey(ServiceAccountAdmission.MirrorPodAnnotation) == true)
        {
            return;
        }

        var path = TemplatePath(resource)!;
        var spec = Walk(obj, path);
        if (spec is null)
        {
            return;
        }

        var oldImages = old is null ? null : Images(Walk(old, path));
        DockerConfigKeyring? keyring = null;
        foreach (var key in new[] { "initContainers", "containers" })
        {
            foreach (var (_, container) in spec.Arr(key).Objects())
            {
                var image = container.Str("image");
                // Unchanged by this update: it was admitted when it was written.
                if (image is null || ImageReference.Problem(image) is not null || oldImages?.Contains(image) == true)
                {
                    continue;
                }

                var normalized = ImageReference.Normalize(image);
                if (!rules.Covers(normalized))
                {
                    continue;
                }

                keyring ??= await KeyringAsync(ns, spec, resource, cancellationToken).ConfigureAwait(false);
                var admitted = await CheckAsync(resource, obj, rules, image, normalized, keyring.Lookup(normalized), cancellationToken).ConfigureAwait(false);
                if (admitted != image)
                {
                    container["image"] = admitted;
                }
            }
        }
    }

    /// <summary>The image as admitted (resolved or as given); throws ApiException when it is refused.</summary>
    private async Task<string> CheckAsync(ApiResource resource, JsonObject obj, ImagePolicyRules rules, string image, string normalized, IReadOnlyList<RegistryCredential> podCredentials, CancellationToken cancellationToken)
    {
        var (host, repository, tag, digest) = Split(normalized);
        if (digest is null && rules.RequireDigest && !rules.ResolveTags)
        {
            throw Refused(resource, obj, image, "requireDigest", "the image is not named by digest (name@sha256:...)");
        }

        if (digest is not null && rules.RequireSignature.Count == 0)
        {
            return image;
        }

        var credentials = podCredentials.Concat(registry.NodeCredentials(host)).ToArray();
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(rules.Timeout);
        try
        {
            var admitted = image;
            if (digest is null)
            {
                digest = await registry.ResolveAsync(host, repository, tag!, credentials, bounded.Token).ConfigureAwait(false);
                admitted = rules.ResolveTags ? $"{image}@{digest}" : image;
            }

            if (rules.RequireSignature.Count > 0)
            {
                await VerifyAsync(resource, obj, rules, image, host, repository, digest, credentials, bounded.Token).ConfigureAwait(false);
            }

            return admitted;
        }
        catch (ManifestUnknownException e)
        {
            throw Refused(resource, obj, image, rules.ResolveTags ? "resolveTags" : "requireSignature", e.Message);
        }
        catch (Exception e) when (e is RegistryUnavailableException or HttpRequestException or IOException
            || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            var why = e is OperationCanceledException ? $"no answer within {GoDurationText(rules.Timeout)}" : e.Message;
            if (rules.OnRegistryError == RegistryFailureMode.Admit)
            {
                LogAdmittedUnchecked(log, image, ObjectMetaAccess.Namespace(obj) ?? string.Empty, why);
                return image;
            }

            throw Refused(resource, obj, image, "onRegistryError: Fail", $"the registry {host} could not be asked: {why}");
        }
    }

    private async Task VerifyAsync(ApiResource resource, JsonObject obj, ImagePolicyRules rules, string image, string host, string repository, string digest, IReadOnlyList<RegistryCredential> credentials, CancellationToken cancellationToken)
    {
        var cacheKey = $"{host}/{repository}@{digest}|{string.Join(',', rules.RequireSignature)}";
        if (_verified.TryGetValue(cacheKey, out var until) && time.GetUtcNow() < until)
        {
            return;
        }

        var keys = rules.RequireSignature.Select(name => policy.Keys[name]).ToArray();
        var layers = await registry.SignaturesAsync(host, repository, digest, credentials, cancellationToken).ConfigureAwait(false);
        var problems = new List<string>();
        foreach (var layer in layers)
        {
            var check = SigstoreSignature.Verify(layer.Payload, layer.Signature, keys, digest, $"{host}/{repository}");
            if (check.Valid)
            {
                _verified[cacheKey] = time.GetUtcNow() + VerifiedLifetime;
                return;
            }

            problems.Add(check.Problem!);
        }

        var keyNames = string.Join(", ", rules.RequireSignature);
        var detail = layers.Count == 0
            ? $"no sigstore signature for {digest} (no {SigstoreSignature.SignatureTag(digest)} manifest with a signature layer); a signature by key {keyNames} is required"
            : $"no valid signature by key {keyNames} for {digest}: {string.Join("; ", problems.Distinct())}";
        throw Refused(resource, obj, image, "requireSignature", detail);
    }

    /// <summary>The docker config credentials of the pod spec's imagePullSecrets, else (a workload) its ServiceAccount's.</summary>
    private async Task<DockerConfigKeyring> KeyringAsync(string ns, JsonObject spec, ApiResource resource, CancellationToken cancellationToken)
    {
        var names = spec.Arr("imagePullSecrets").Objects().Select(r => r.Item.Str("name")).OfType<string>().ToList();
        if (names.Count == 0 && resource.Plural != "pods")
        {
            var accountName = spec.Str("serviceAccountName") is { Length: > 0 } named ? named : ServiceAccountAdmission.DefaultName;
            var account = await serviceAccounts.GetAsync(ns, accountName, cancellationToken).ConfigureAwait(false);
            names = account.Arr("imagePullSecrets").Objects().Select(r => r.Item.Str("name")).OfType<string>().ToList();
        }

        var keyring = new DockerConfigKeyring();
        foreach (var name in names)
        {
            if (await objects.GetAsync(secrets, ns, name, cancellationToken).ConfigureAwait(false) is not { } secret)
            {
                continue;
            }

            var data = secret.Object.Obj("data")?.Select(p => (p.Key, Value: Decode(p.Value?.GetValue<string>()))).Where(p => p.Value is not null).ToDictionary(p => p.Key, p => p.Value!, StringComparer.Ordinal);
            try
            {
                keyring.AddSecret(secret.Object.Str("type"), data);
            }
            catch (FormatException)
            {
                // As the kubelet: a secret that is not a docker config is left out.
            }
        }

        return keyring;
    }

    private static byte[]? Decode(string? base64)
    {
        try
        {
            return base64 is null ? null : Convert.FromBase64String(base64);
        }
        catch (FormatException)
        {
            return null;
        }
    }

    /// <summary>registry host, repository path, tag (null when by digest only) and digest of a normalized reference.</summary>
    internal static (string Host, string Repository, string? Tag, string? Digest) Split(string normalized)
    {
        var at = normalized.IndexOf('@', StringComparison.Ordinal);
        var digest = at < 0 ? null : normalized[(at + 1)..];
        var name = at < 0 ? normalized : normalized[..at];
        var slash = name.IndexOf('/', StringComparison.Ordinal);
        var host = name[..slash];
        var rest = name[(slash + 1)..];
        var colon = rest.LastIndexOf(':');
        var tag = colon < 0 ? (digest is null ? "latest" : null) : rest[(colon + 1)..];
        var repository = colon < 0 ? rest : rest[..colon];
        return (host, repository, tag, digest);
    }

    private static JsonObject? Walk(JsonObject obj, string[] path)
    {
        JsonObject? node = obj;
        foreach (var step in path)
        {
            node = node.Obj(step);
        }

        return node;
    }

    private static HashSet<string> Images(JsonObject? spec) =>
        new[] { "initContainers", "containers" }.SelectMany(k => spec.Arr(k).Objects()).Select(c => c.Item.Str("image")).OfType<string>().ToHashSet(StringComparer.Ordinal);

    private static ApiException Refused(ApiResource resource, JsonObject obj, string image, string rule, string detail)
    {
        var name = ObjectMetaAccess.Name(obj) ?? obj.Obj("metadata").Str("generateName") ?? string.Empty;
        return new ApiException(HttpStatusCode.Forbidden, "Forbidden",
            $"{resource.Plural} \"{name}\" is forbidden: image policy: image \"{image}\": {rule}: {detail}",
            new StatusDetails(name, resource.Group, resource.Plural));
    }

    private static string GoDurationText(TimeSpan value) => value.TotalSeconds == Math.Floor(value.TotalSeconds) ? $"{value.TotalSeconds:0}s" : $"{value.TotalMilliseconds:0}ms";

    [LoggerMessage(Level = LogLevel.Warning, Message = "Image policy: admitted image {Image} in namespace {Namespace} unchecked (onRegistryError: Admit): {Reason}")]
    private static partial void LogAdmittedUnchecked(ILogger logger, string image, string @namespace, string reason);
}
