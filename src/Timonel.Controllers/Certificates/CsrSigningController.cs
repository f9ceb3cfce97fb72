using System.Text;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Timonel.Client.Controllers;
using Timonel.Client.Informers;
using Timonel.Client.WorkQueues;

namespace Timonel.Controllers.Certificates;

/// <summary>
/// Upstream's csrsigning: signs approved, not failed, not yet issued requests for the
/// kube-apiserver-client, kube-apiserver-client-kubelet and kubelet-serving signers from the
/// cluster's CAs. A request that breaks its signer's rules gets the Failed condition
/// (SignerValidationFailure) instead of a certificate; the certificate goes in through /status.
/// </summary>
public sealed partial class CsrSigningController : Controller, IController
{
    private const string Component = "csrsigning";

    private readonly ControllerContext _context;
    private readonly CsrSigningAuthorities? _authorities;
    private readonly SharedInformer<V1CertificateSigningRequest> _csrs;

    public CsrSigningController(ControllerContext context)
        : base(Component, context.Loggers.CreateLogger(Component), context.Time)
    {
        _context = context;
        _authorities = context.SigningAuthorities;
        _csrs = context.Informers.Get(ResourceKinds.For<V1CertificateSigningRequest>());
        _csrs.AddEventHandler(onAdd: Enqueue, onUpdate: (_, csr) => Enqueue(csr), onDelete: null);
    }

    string IController.Name => Component;

    public Task RunAsync(CancellationToken cancellationToken)
    {
        if (_authorities is null)
        {
            // Upstream starts no signer without --cluster-signing-*-file: the same here without a CA.
            Log.NoAuthorities(Logger);
            return Task.Delay(Timeout.Infinite, cancellationToken);
        }

        return RunAsync(_context.Options.Workers, [_csrs], cancellationToken);
    }

    protected override async Task SyncAsync(string key, CancellationToken cancellationToken)
    {
        var cached = _csrs.Cache.Get(key);
        if (cached is null || !CsrConditions.IsApproved(cached) || CsrConditions.Has(cached, CsrConditions.Failed) || CsrConditions.IsIssued(cached))
        {
            return;
        }

        var signerName = cached.Spec?.SignerName;
        var authority = _authorities!.For(signerName);
        if (authority is null)
        {
            // Another signer's request: its own controller handles it.
            return;
        }

        var csr = ObjectCopy.DeepCopy(cached);
        var usages = csr.Spec.Usages?.ToList() ?? [];
        var now = Time.GetUtcNow();
        string? failure;
        ParsedCsr? parsed = null;
        if (!ParsedCsr.TryParse(csr.Spec.Request, out parsed, out var parseError))
        {
            // The API server validated the PEM at create; a request it let through but which does
            // not verify fails as upstream's signer reports its parse error.
            failure = $"unable to parse csr \"{csr.Metadata.Name}\": {parseError}";
        }
        else
        {
            failure = CsrSignerRules.Validate(signerName!, parsed!, usages);
        }

        if (failure is not null)
        {
            CsrConditions.Add(csr, CsrConditions.Failed, "SignerValidationFailure", failure, now);
            await UpdateStatusAsync(csr, cancellationToken).ConfigureAwait(false);
            Log.Failed(Logger, csr.Metadata.Name, failure);
            return;
        }

        var duration = CsrCertificateFactory.Duration(_context.Options.ClusterSigningDuration, csr.Spec.ExpirationSeconds);
        var pem = CsrCertificateFactory.Issue(authority, parsed!, usages, duration, now);
        csr.Status ??= new V1CertificateSigningRequestStatus();
        csr.Status.Certificate = Encoding.ASCII.GetBytes(pem);
        await UpdateStatusAsync(csr, cancellationToken).ConfigureAwait(false);
        Log.Signed(Logger, csr.Metadata.Name, signerName!, duration);
    }

    private async Task UpdateStatusAsync(V1CertificateSigningRequest csr, CancellationToken cancellationToken)
    {
        try
        {
            await _context.Client.CertificatesV1.ReplaceCertificateSigningRequestStatusAsync(csr, csr.Metadata.Name, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (k8s.Autorest.HttpOperationException e) when (ApiErrors.IsNotFound(e))
        {
            // Deleted meanwhile: nothing to sign.
        }
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Information, Message = "csr {Name}: signed for {Signer}, valid {Duration}")]
        public static partial void Signed(ILogger logger, string name, string signer, TimeSpan duration);

        [LoggerMessage(Level = LogLevel.Information, Message = "csr {Name}: not signed: {Reason}")]
        public static partial void Failed(ILogger logger, string name, string reason);

        [LoggerMessage(Level = LogLevel.Warning, Message = "csrsigning has no cluster CA to sign with; certificate signing requests stay unsigned")]
        public static partial void NoAuthorities(ILogger logger);
    }
}
