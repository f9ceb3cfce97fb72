using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Timonel.Kubelet.Node;

/// <summary>Creates this agent's Node (or adopts the existing one) and makes sure it has a podCIDR.</summary>
public sealed class NodeRegistrar
{
    private readonly IKubernetes _client;
    private readonly KubeletOptions _options;

    public NodeRegistrar(IKubernetes client, KubeletOptions options)
    {
        _client = client;
        _options = options;
    }

    /// <summary>The registered Node, with spec.podCIDR set.</summary>
    public async Task<V1Node> RegisterAsync(MachineInfo machine, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            V1Node? existing = null;
            try
            {
                existing = await _client.CoreV1.ReadNodeAsync(_options.NodeName, cancellationToken: cancellationToken).ConfigureAwait(false);
            }
            catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
            {
            }

            if (existing is { Spec.PodCIDR: { Length: > 0 } })
            {
                return existing;
            }

            // As upstream, the server's node-ipam controller assigns the podCIDR: register the
            // Node without one and wait for it.
            if (_options.PodCidrWait > TimeSpan.Zero)
            {
                existing ??= await CreateOrReadAsync(cancellationToken).ConfigureAwait(false);
                if (await WaitForPodCidrAsync(cancellationToken).ConfigureAwait(false) is { } assigned)
                {
                    return assigned;
                }

                existing = await _client.CoreV1.ReadNodeAsync(_options.NodeName, cancellationToken: cancellationToken).ConfigureAwait(false);
            }

            var nodes = await _client.CoreV1.ListNodeAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            var cidr = PodCidrAllocator.Allocate(_options.ClusterCidr, nodes.Items.Select(n => n.Spec?.PodCIDR).OfType<string>());
            try
            {
                if (existing is null)
                {
                    var node = new V1Node
                    {
                        Metadata = new V1ObjectMeta { Name = _options.NodeName, Labels = Labels() },
                        Spec = new V1NodeSpec { PodCIDR = cidr, PodCIDRs = [cidr] },
                    };
                    return await _client.CoreV1.CreateNodeAsync(node, cancellationToken: cancellationToken).ConfigureAwait(false);
                }

                existing.Spec ??= new V1NodeSpec();
                existing.Spec.PodCIDR = cidr;
                existing.Spec.PodCIDRs = [cidr];
                return await _client.CoreV1.ReplaceNodeAsync(existing, _options.NodeName, cancellationToken: cancellationToken).ConfigureAwait(false);
            }
            catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Conflict && attempt < 10)
            {
                // Another node took the same range, or the Node changed meanwhile: read again.
            }
        }
    }

    private async Task<V1Node> CreateOrReadAsync(CancellationToken cancellationToken)
    {
        try
        {
            var node = new V1Node { Metadata = new V1ObjectMeta { Name = _options.NodeName, Labels = Labels() } };
            return await _client.CoreV1.CreateNodeAsync(node, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Conflict)
        {
            return await _client.CoreV1.ReadNodeAsync(_options.NodeName, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<V1Node?> WaitForPodCidrAsync(CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + _options.PodCidrWait;
        while (DateTime.UtcNow < deadline)
        {
            var node = await _client.CoreV1.ReadNodeAsync(_options.NodeName, cancellationToken: cancellationToken).ConfigureAwait(false);
            if (node.Spec?.PodCIDR is { Length: > 0 })
            {
                return node;
            }

            await Task.Delay(250, cancellationToken).ConfigureAwait(false);
        }

        return null;
    }

    private Dictionary<string, string> Labels() => new()
    {
        ["kubernetes.io/hostname"] = _options.NodeName,
        ["kubernetes.io/os"] = "linux",
        ["kubernetes.io/arch"] = System.Runtime.InteropServices.RuntimeInformation.OSArchitecture == System.Runtime.InteropServices.Architecture.Arm64 ? "arm64" : "amd64",
        ["beta.kubernetes.io/os"] = "linux",
    };
}
