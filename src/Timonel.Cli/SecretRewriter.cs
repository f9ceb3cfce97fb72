using System.Net;
using k8s;
using k8s.Autorest;

namespace Timonel.Cli;

/// <summary>
/// Rewrites every Secret unchanged through the API (upstream's documented re-encryption:
/// <c>kubectl get secrets -A -o json | kubectl replace -f -</c>). The server stores a value read
/// with an old key again even when nothing changed, now under the current write key.
/// </summary>
internal static class SecretRewriter
{
    private const int Attempts = 5;

    public static async Task<(int Rewritten, int Failed)> RewriteAllAsync(Kubernetes client, CancellationToken ct)
    {
        var rewritten = 0;
        var failed = 0;
        string? next = null;
        do
        {
            var page = await client.CoreV1.ListSecretForAllNamespacesAsync(limit: 500, continueParameter: next, cancellationToken: ct).ConfigureAwait(false);
            foreach (var secret in page.Items)
            {
                if (await RewriteAsync(client, secret.Metadata.NamespaceProperty, secret.Metadata.Name, ct).ConfigureAwait(false))
                {
                    rewritten++;
                }
                else
                {
                    failed++;
                }
            }

            next = page.Metadata.ContinueProperty;
        }
        while (!string.IsNullOrEmpty(next));

        return (rewritten, failed);
    }

    private static async Task<bool> RewriteAsync(Kubernetes client, string ns, string name, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var secret = await client.CoreV1.ReadNamespacedSecretAsync(name, ns, cancellationToken: ct).ConfigureAwait(false);
                await client.CoreV1.ReplaceNamespacedSecretAsync(secret, name, ns, cancellationToken: ct).ConfigureAwait(false);
                return true;
            }
            catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
            {
                // Deleted meanwhile: nothing left to re-encrypt.
                return true;
            }
            catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Conflict && attempt < Attempts)
            {
                // Changed meanwhile: that write used the current key already, but read it again to be sure.
            }
            catch (HttpOperationException e)
            {
                Console.Error.WriteLine($"secret {ns}/{name}: {e.Response.Content}");
                return false;
            }
        }
    }
}
