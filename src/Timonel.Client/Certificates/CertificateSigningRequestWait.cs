using System.Security.Cryptography;
using System.Text;
using k8s;
using k8s.Models;

namespace Timonel.Client.Certificates;

/// <summary>
/// Reads a CertificateSigningRequest back until its certificate is issued, it is denied or
/// failed, or the time is up; the waits start at <c>first</c> and double up to <c>max</c>.
/// Shared by the user (`timonel kubeconfig`) and node (kubelet bootstrap) requesters, which
/// differ only in what they tell the person when it goes wrong.
/// </summary>
internal static class CertificateSigningRequestWait
{
    public static async Task<IssuedUserCertificate> UntilIssuedAsync(
        IKubernetes client,
        string name,
        ECDsa key,
        TimeSpan timeout,
        (TimeSpan First, TimeSpan Max) interval,
        TimeProvider time,
        Func<V1CertificateSigningRequestCondition, Exception> refused,
        Func<Exception> timedOut,
        CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        var wait = interval.First;
        try
        {
            while (true)
            {
                var current = await client.CertificatesV1.ReadCertificateSigningRequestAsync(name, cancellationToken: deadline.Token).ConfigureAwait(false);
                if (current.Status?.Certificate is { Length: > 0 } certificate)
                {
                    return new IssuedUserCertificate(name, Encoding.ASCII.GetString(certificate), key.ExportECPrivateKeyPem() + "\n");
                }

                if (current.Status?.Conditions?.FirstOrDefault(c => c.Type is "Denied" or "Failed") is { } condition)
                {
                    throw refused(condition);
                }

                await Task.Delay(wait, time, deadline.Token).ConfigureAwait(false);
                wait = TimeSpan.FromTicks(Math.Min(wait.Ticks * 2, interval.Max.Ticks));
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw timedOut();
        }
    }
}
