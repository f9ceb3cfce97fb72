using System.Globalization;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Timonel.Client.Controllers;
using Timonel.Client.Informers;
using Timonel.Client.WorkQueues;

namespace Timonel.Controllers.ServiceAccount;

/// <summary>
/// Upstream's legacy-serviceaccount-token-cleaner (1.33). Once a day it looks at every
/// auto-generated legacy token (a kubernetes.io/service-account-token Secret its ServiceAccount
/// lists under .secrets): one created, and unused (label kubernetes.io/legacy-token-last-used),
/// for more than the clean-up period and mounted by no pod is labelled
/// kubernetes.io/legacy-token-invalid-since=&lt;today&gt; (the API server then refuses it); one
/// invalid for more than the period again is deleted. Nothing happens until the API servers
/// have tracked token use (kube-system ConfigMap kube-apiserver-legacy-service-account-token-tracking)
/// for a full period.
/// </summary>
public sealed partial class LegacyTokenCleaner : Controller, IController
{
    public const string LastUsedLabel = "kubernetes.io/legacy-token-last-used";
    public const string InvalidSinceLabel = "kubernetes.io/legacy-token-invalid-since";
    public const string TrackingConfigMap = "kube-apiserver-legacy-service-account-token-tracking";
    public const string TrackingSinceKey = "since";

    private const string DateFormat = "yyyy-MM-dd";
    private const string Key = "evaluate";

    private readonly ControllerContext _context;
    private readonly SharedInformer<V1Secret> _secrets;
    private readonly SharedInformer<V1ServiceAccount> _accounts;
    private readonly SharedInformer<V1Pod> _pods;
    private readonly TimeSpan _period;

    public LegacyTokenCleaner(ControllerContext context)
        : base("legacy-serviceaccount-token-cleaner-controller", context.Loggers.CreateLogger("legacy-serviceaccount-token-cleaner"), context.Time)
    {
        _context = context;
        _period = context.Options.LegacyServiceAccountTokenCleanUpPeriod;
        _secrets = context.Informers.Get(ResourceKinds.Secrets);
        _accounts = context.Informers.Get(ResourceKinds.ServiceAccounts);
        _pods = context.Informers.Get(ResourceKinds.Pods);
    }

    string IController.Name => "legacy-serviceaccount-token-cleaner";

    public Task RunAsync(CancellationToken cancellationToken)
    {
        // One key: the whole evaluation, now and then every sync interval (upstream's wait.Until).
        Enqueue(Key);
        return RunAsync(1, [_secrets, _accounts, _pods], cancellationToken);
    }

    protected override async Task SyncAsync(string key, CancellationToken cancellationToken)
    {
        try
        {
            await EvaluateAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            EnqueueAfter(Key, _context.Options.LegacyServiceAccountTokenSyncInterval);
        }
    }

    private async Task EvaluateAsync(CancellationToken cancellationToken)
    {
        var now = Time.GetUtcNow();
        if (await TrackedSinceAsync(cancellationToken).ConfigureAwait(false) is not { } trackedSince || now < trackedSince + _period)
        {
            return;
        }

        var preserveCreatedOnOrAfter = now - _period;
        var preserveUsedOnOrAfter = Date(now - _period);
        var mounted = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var secret in _secrets.Cache.List())
        {
            if (secret.Type != TokensController.SecretType || secret.Metadata.DeletionTimestamp is not null
                || secret.Metadata.CreationTimestamp is not { } created || new DateTimeOffset(DateTime.SpecifyKind(created, DateTimeKind.Utc)) >= preserveCreatedOnOrAfter)
            {
                continue;
            }

            var labels = secret.Metadata.Labels ?? new Dictionary<string, string>();
            if (labels.TryGetValue(LastUsedLabel, out var lastUsed) && (!IsDate(lastUsed) || string.CompareOrdinal(lastUsed, preserveUsedOnOrAfter) >= 0))
            {
                continue;
            }

            // Only auto-generated tokens (listed by their account); a hand-made token Secret stays.
            if (!IsListedByItsAccount(secret) || MountedIn(secret.Metadata.NamespaceProperty, mounted).Contains(secret.Metadata.Name))
            {
                continue;
            }

            if (!labels.TryGetValue(InvalidSinceLabel, out var invalidSince) || !IsDate(invalidSince))
            {
                await MarkInvalidAsync(secret, Date(now), cancellationToken).ConfigureAwait(false);
                continue;
            }

            if (string.CompareOrdinal(invalidSince, preserveUsedOnOrAfter) >= 0)
            {
                continue;
            }

            await DeleteAsync(secret, lastUsed ?? "", invalidSince, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>00:00 UTC on the day after tracking started (upstream's latest possible tracked-since time), or null when not tracked.</summary>
    private async Task<DateTimeOffset?> TrackedSinceAsync(CancellationToken cancellationToken)
    {
        try
        {
            var map = await _context.Client.CoreV1.ReadNamespacedConfigMapAsync(TrackingConfigMap, "kube-system", cancellationToken: cancellationToken).ConfigureAwait(false);
            if (map.Data is { } data && data.TryGetValue(TrackingSinceKey, out var since)
                && DateTimeOffset.TryParseExact(since, DateFormat, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var day))
            {
                return day.AddDays(1);
            }

            Log.TrackingUnreadable(Logger);
            return null;
        }
        catch (HttpOperationException e) when (ApiErrors.IsNotFound(e))
        {
            Log.TrackingUnreadable(Logger);
            return null;
        }
    }

    private bool IsListedByItsAccount(V1Secret secret)
    {
        var annotations = secret.Metadata.Annotations;
        if (annotations is null || !annotations.TryGetValue(TokensController.NameAnnotation, out var name) || name.Length == 0)
        {
            return false;
        }

        var account = _accounts.Cache.Get(secret.Metadata.NamespaceProperty, name);
        if (account is null || (annotations.TryGetValue(TokensController.UidAnnotation, out var uid) && uid.Length > 0 && uid != account.Metadata.Uid))
        {
            return false;
        }

        return account.Secrets?.Any(r => r.Name == secret.Metadata.Name) == true;
    }

    private HashSet<string> MountedIn(string ns, Dictionary<string, HashSet<string>> byNamespace)
    {
        if (!byNamespace.TryGetValue(ns, out var names))
        {
            names = [.. _pods.Cache.ListByNamespace(ns).SelectMany(PodSecretNames.Of)];
            byNamespace[ns] = names;
        }

        return names;
    }

    private async Task MarkInvalidAsync(V1Secret secret, string today, CancellationToken cancellationToken)
    {
        Log.MarkingInvalid(Logger, secret.Metadata.NamespaceProperty, secret.Metadata.Name, today);
        // The UID in the patch makes it fail rather than label a Secret recreated under the same name.
        var patch = new V1Patch(
            new { metadata = new { uid = secret.Metadata.Uid, labels = new Dictionary<string, string> { [InvalidSinceLabel] = today } } },
            V1Patch.PatchType.MergePatch);
        try
        {
            await _context.Client.CoreV1.PatchNamespacedSecretAsync(patch, secret.Metadata.Name, secret.Metadata.NamespaceProperty, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (HttpOperationException e) when (ApiErrors.IsNotFound(e) || ApiErrors.IsConflict(e) || ApiErrors.IsInvalid(e))
        {
            // Gone or replaced (a changed UID conflicts or is refused as immutable): the next evaluation sees what is there.
        }
    }

    private async Task DeleteAsync(V1Secret secret, string lastUsed, string invalidSince, CancellationToken cancellationToken)
    {
        Log.Deleting(Logger, secret.Metadata.NamespaceProperty, secret.Metadata.Name, lastUsed, invalidSince);
        try
        {
            await _context.Client.CoreV1.DeleteNamespacedSecretAsync(
                secret.Metadata.Name,
                secret.Metadata.NamespaceProperty,
                new V1DeleteOptions { Preconditions = new V1Preconditions { ResourceVersion = secret.Metadata.ResourceVersion } },
                cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (HttpOperationException e) when (ApiErrors.IsNotFound(e) || ApiErrors.IsConflict(e))
        {
            // Gone, or changed since the cache saw it (used again, perhaps): the next evaluation decides.
        }
    }

    private static string Date(DateTimeOffset at) => at.UtcDateTime.ToString(DateFormat, CultureInfo.InvariantCulture);

    private static bool IsDate(string value) => DateTime.TryParseExact(value, DateFormat, CultureInfo.InvariantCulture, DateTimeStyles.None, out _);

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Information, Message = "marking the auto-generated service account token {Namespace}/{Name} invalid since {InvalidSince}")]
        public static partial void MarkingInvalid(ILogger logger, string @namespace, string name, string invalidSince);

        [LoggerMessage(Level = LogLevel.Information, Message = "deleting the auto-generated service account token {Namespace}/{Name} (last used {LastUsed}, invalid since {InvalidSince})")]
        public static partial void Deleting(ILogger logger, string @namespace, string name, string lastUsed, string invalidSince);

        [LoggerMessage(Level = LogLevel.Warning, Message = "legacy token use is not tracked yet (no readable kube-system/kube-apiserver-legacy-service-account-token-tracking): nothing is cleaned")]
        public static partial void TrackingUnreadable(ILogger logger);
    }
}
