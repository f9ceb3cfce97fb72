using k8s;
using Microsoft.Extensions.Logging;
using Timonel.Client.Informers;
using Timonel.Registry.Resources;

namespace Timonel.Controllers;

/// <summary>What every controller is built from: the API client, the shared informers, events, logs and clock.</summary>
public sealed record ControllerContext(
    IKubernetes Client,
    SharedInformerFactory Informers,
    ControllerEvents Events,
    ILoggerFactory Loggers,
    TimeProvider Time,
    ControllerManagerOptions Options)
{
    /// <summary>Signs the tokens serviceaccount-token puts in Secrets; null when the manager was given no key.</summary>
    public ServiceAccount.IServiceAccountTokenSigner? TokenSigner { get; init; }

    /// <summary>The CAs csrsigning signs from; null when the manager was given none (then nothing is signed).</summary>
    public Certificates.CsrSigningAuthorities? SigningAuthorities { get; init; }

    /// <summary>The served resources, for the controllers that walk them all (garbage collector, namespace, quota).</summary>
    public ResourceCatalog Catalog { get; init; } = ResourceCatalog.Default;
}
