using System.Text;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Timonel.Client.Controllers;
using Timonel.Client.Informers;
using Timonel.Client.WorkQueues;

namespace Timonel.Controllers.ServiceAccount;

/// <summary>
/// Upstream's serviceaccount-token controller: a Secret of type
/// kubernetes.io/service-account-token annotated kubernetes.io/service-account.name gets a
/// legacy token for that ServiceAccount in data.token, the cluster CA in data.ca.crt and its
/// namespace in data.namespace, and the account's UID in kubernetes.io/service-account.uid.
/// Such a Secret whose ServiceAccount does not exist (or has another UID) is deleted, so
/// deleting a ServiceAccount deletes its token Secrets. Keys are the Secrets' keys.
/// </summary>
public sealed partial class TokensController : Controller, IController
{
    public const string SecretType = "kubernetes.io/service-account-token";
    public const string NameAnnotation = "kubernetes.io/service-account.name";
    public const string UidAnnotation = "kubernetes.io/service-account.uid";
    public const string TokenKey = "token";
    public const string CaKey = "ca.crt";
    public const string NamespaceKey = "namespace";

    private readonly ControllerContext _context;
    private readonly SharedInformer<V1Secret> _secrets;
    private readonly SharedInformer<V1ServiceAccount> _accounts;
    private readonly byte[] _rootCa;

    public TokensController(ControllerContext context)
        : base("serviceaccount-token-controller", context.Loggers.CreateLogger("serviceaccount-token-controller"), context.Time)
    {
        _context = context;
        _rootCa = Encoding.UTF8.GetBytes(context.Options.RootCaPem ?? "");
        _secrets = context.Informers.Get(ResourceKinds.Secrets);
        _accounts = context.Informers.Get(ResourceKinds.ServiceAccounts);
        _secrets.AddEventHandler(onAdd: EnqueueToken, onUpdate: (_, s) => EnqueueToken(s));
        _accounts.AddEventHandler(onDelete: EnqueueTokensOf);
    }

    string IController.Name => "serviceaccount-token";

    public Task RunAsync(CancellationToken cancellationToken)
    {
        if (_context.TokenSigner is null)
        {
            Log.NoSigner(Logger);
            return Task.CompletedTask;
        }

        return RunAsync(_context.Options.Workers, [_secrets, _accounts], cancellationToken);
    }

    private void EnqueueToken(V1Secret secret)
    {
        if (secret.Type == SecretType)
        {
            Enqueue(secret);
        }
    }

    private void EnqueueTokensOf(V1ServiceAccount account)
    {
        foreach (var secret in _secrets.Cache.ListByNamespace(account.Metadata.NamespaceProperty))
        {
            if (secret.Type == SecretType && Annotation(secret, NameAnnotation) == account.Metadata.Name)
            {
                Enqueue(secret);
            }
        }
    }

    protected override async Task SyncAsync(string key, CancellationToken cancellationToken)
    {
        var secret = _secrets.Cache.Get(key);
        if (secret is null || secret.Type != SecretType || secret.Metadata.DeletionTimestamp is not null)
        {
            return;
        }

        var account = await AccountOfAsync(secret, cancellationToken).ConfigureAwait(false);
        if (account is null)
        {
            await DeleteAsync(secret, cancellationToken).ConfigureAwait(false);
            return;
        }

        var ns = secret.Metadata.NamespaceProperty;
        var data = secret.Data ?? new Dictionary<string, byte[]>();
        var needsToken = !data.TryGetValue(TokenKey, out var token) || token is not { Length: > 0 };
        var needsCa = _rootCa.Length > 0 && (!data.TryGetValue(CaKey, out var ca) || ca is null || !ca.AsSpan().SequenceEqual(_rootCa));
        var needsNamespace = !data.TryGetValue(NamespaceKey, out var nsBytes) || nsBytes is not { Length: > 0 };
        if (!needsToken && !needsCa && !needsNamespace)
        {
            return;
        }

        var updated = KubernetesJson.Deserialize<V1Secret>(KubernetesJson.Serialize(secret));
        updated.Data = new Dictionary<string, byte[]>(data);
        if (needsToken)
        {
            updated.Data[TokenKey] = Encoding.UTF8.GetBytes(_context.TokenSigner!.SignLegacyToken(ns, account.Metadata.Name, account.Metadata.Uid, secret.Metadata.Name));
        }

        if (needsCa)
        {
            updated.Data[CaKey] = _rootCa;
        }

        if (needsNamespace)
        {
            updated.Data[NamespaceKey] = Encoding.UTF8.GetBytes(ns);
        }

        updated.Metadata.Annotations ??= new Dictionary<string, string>();
        updated.Metadata.Annotations[UidAnnotation] = account.Metadata.Uid;
        try
        {
            await _context.Client.CoreV1.ReplaceNamespacedSecretAsync(updated, secret.Metadata.Name, ns, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (HttpOperationException e) when (ApiErrors.IsNotFound(e))
        {
            // Deleted meanwhile: nothing to fill.
        }
    }

    /// <summary>
    /// The ServiceAccount the Secret names, with the UID it names when it names one; the cache
    /// may lag a new account, so a miss is confirmed with a live read before the Secret goes.
    /// </summary>
    private async Task<V1ServiceAccount?> AccountOfAsync(V1Secret secret, CancellationToken cancellationToken)
    {
        var ns = secret.Metadata.NamespaceProperty;
        if (Annotation(secret, NameAnnotation) is not { Length: > 0 } name)
        {
            return null;
        }

        var uid = Annotation(secret, UidAnnotation);
        var account = _accounts.Cache.Get(ns, name);
        if (account is null || (uid is { Length: > 0 } && account.Metadata.Uid != uid))
        {
            try
            {
                account = await _context.Client.CoreV1.ReadNamespacedServiceAccountAsync(name, ns, cancellationToken: cancellationToken).ConfigureAwait(false);
            }
            catch (HttpOperationException e) when (ApiErrors.IsNotFound(e))
            {
                return null;
            }
        }

        return uid is { Length: > 0 } && account.Metadata.Uid != uid ? null : account;
    }

    private async Task DeleteAsync(V1Secret secret, CancellationToken cancellationToken)
    {
        Log.Deleting(Logger, secret.Metadata.NamespaceProperty, secret.Metadata.Name, Annotation(secret, NameAnnotation) ?? "");
        try
        {
            await _context.Client.CoreV1.DeleteNamespacedSecretAsync(
                secret.Metadata.Name,
                secret.Metadata.NamespaceProperty,
                new V1DeleteOptions { Preconditions = new V1Preconditions { Uid = secret.Metadata.Uid } },
                cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (HttpOperationException e) when (ApiErrors.IsNotFound(e) || ApiErrors.IsConflict(e))
        {
            // Gone already, or replaced by another Secret of that name (which gets its own event).
        }
    }

    private static string? Annotation(V1Secret secret, string key) =>
        secret.Metadata.Annotations is { } annotations && annotations.TryGetValue(key, out var value) ? value : null;

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Warning, Message = "serviceaccount-token: no service-account signing key was given; token Secrets are not filled")]
        public static partial void NoSigner(ILogger logger);

        [LoggerMessage(Level = LogLevel.Information, Message = "deleting token secret {Namespace}/{Name}: its service account {Account} is gone")]
        public static partial void Deleting(ILogger logger, string @namespace, string name, string account);
    }
}
