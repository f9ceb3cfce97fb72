using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Timonel.Client.Controllers;
using Timonel.Client.Informers;
using Timonel.Client.WorkQueues;

namespace Timonel.Controllers.Certificates;

/// <summary>
/// Upstream's csrapproving: approves kubelet client requests (signer kube-apiserver-client-kubelet)
/// whose requester may create certificatesigningrequests/selfnodeclient (a node renewing its own
/// certificate: CN equals the requester) or certificatesigningrequests/nodeclient (a bootstrap
/// token asking for a new node's first one), asked through a SubjectAccessReview so RBAC decides.
/// </summary>
public sealed partial class CsrApprovingController : Controller, IController
{
    private const string Component = "csrapproving";

    private readonly ControllerContext _context;
    private readonly SharedInformer<V1CertificateSigningRequest> _csrs;

    public CsrApprovingController(ControllerContext context)
        : base(Component, context.Loggers.CreateLogger(Component), context.Time)
    {
        _context = context;
        _csrs = context.Informers.Get(ResourceKinds.For<V1CertificateSigningRequest>());
        _csrs.AddEventHandler(onAdd: Enqueue, onUpdate: (_, csr) => Enqueue(csr), onDelete: null);
    }

    string IController.Name => Component;

    public Task RunAsync(CancellationToken cancellationToken) => RunAsync(_context.Options.Workers, [_csrs], cancellationToken);

    protected override async Task SyncAsync(string key, CancellationToken cancellationToken)
    {
        var cached = _csrs.Cache.Get(key);
        if (cached is null || CsrConditions.IsIssued(cached) || CsrConditions.Has(cached, CsrConditions.Approved) || CsrConditions.Has(cached, CsrConditions.Denied)
            || cached.Spec?.SignerName != CsrSigners.KubeApiServerClientKubelet)
        {
            return;
        }

        if (!ParsedCsr.TryParse(cached.Spec.Request, out var parsed, out _)
            || CsrSignerRules.KubeletClient(parsed!, cached.Spec.Usages?.ToList() ?? []) is not null)
        {
            // Not a valid kubelet client request: left for a person (the signer fails it once approved).
            return;
        }

        // Upstream tries the self-node permission first, then the bootstrap one.
        var tried = new List<string>();
        if (cached.Spec.Username == parsed!.CommonName)
        {
            tried.Add("selfnodeclient");
            if (await AllowedAsync(cached, "selfnodeclient", cancellationToken).ConfigureAwait(false))
            {
                await ApproveAsync(cached, "Auto approving self kubelet client certificate after SubjectAccessReview.", cancellationToken).ConfigureAwait(false);
                return;
            }
        }

        tried.Add("nodeclient");
        if (await AllowedAsync(cached, "nodeclient", cancellationToken).ConfigureAwait(false))
        {
            await ApproveAsync(cached, "Auto approving kubelet client certificate after SubjectAccessReview.", cancellationToken).ConfigureAwait(false);
            return;
        }

        // Upstream's IgnorableError: logged, not retried until the CSR changes.
        Log.NotApproved(Logger, cached.Metadata.Name, string.Join(",", tried));
    }

    private async Task<bool> AllowedAsync(V1CertificateSigningRequest csr, string subresource, CancellationToken cancellationToken)
    {
        var review = new V1SubjectAccessReview
        {
            ApiVersion = "authorization.k8s.io/v1",
            Kind = "SubjectAccessReview",
            Spec = new V1SubjectAccessReviewSpec
            {
                User = csr.Spec.Username,
                Uid = csr.Spec.Uid,
                Groups = csr.Spec.Groups,
                Extra = csr.Spec.Extra,
                ResourceAttributes = new V1ResourceAttributes
                {
                    Group = "certificates.k8s.io",
                    Resource = "certificatesigningrequests",
                    Verb = "create",
                    Subresource = subresource,
                    Version = "*",
                },
            },
        };
        var answer = await _context.Client.AuthorizationV1.CreateSubjectAccessReviewAsync(review, cancellationToken: cancellationToken).ConfigureAwait(false);
        return answer.Status?.Allowed == true;
    }

    private async Task ApproveAsync(V1CertificateSigningRequest cached, string message, CancellationToken cancellationToken)
    {
        var csr = ObjectCopy.DeepCopy(cached);
        CsrConditions.Add(csr, CsrConditions.Approved, "AutoApproved", message, Time.GetUtcNow());
        try
        {
            await _context.Client.CertificatesV1.ReplaceCertificateSigningRequestApprovalAsync(csr, csr.Metadata.Name, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (k8s.Autorest.HttpOperationException e) when (ApiErrors.IsNotFound(e))
        {
            return;
        }

        Log.Approved(Logger, csr.Metadata.Name, csr.Spec.Username);
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Information, Message = "csr {Name}: auto-approved the kubelet client certificate of {User}")]
        public static partial void Approved(ILogger logger, string name, string user);

        [LoggerMessage(Level = LogLevel.Debug, Message = "csr {Name}: recognized as {Tried} but the subject access review was not approved")]
        public static partial void NotApproved(ILogger logger, string name, string tried);
    }
}
