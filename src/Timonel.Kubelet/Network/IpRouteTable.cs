using System.Diagnostics;
using System.Globalization;
using System.Net;

namespace Timonel.Kubelet.Network;

/// <summary>
/// <see cref="IRouteTable"/> through iproute2 and nftables, run in the node's network: the
/// agent's own, or a network namespace (nsenter --net) when the node lives in one. Routes carry
/// protocol <see cref="RouteProtocol"/>, so the agent finds its own after a restart and never
/// touches routes others made.
/// </summary>
public sealed class IpRouteTable : IRouteTable
{
    /// <summary>The rtnetlink protocol number marking Timonel's routes (unassigned in /etc/iproute2/rt_protos).</summary>
    public const int RouteProtocol = 73;

    /// <summary>The nftables table holding the agent's pod masquerade rule.</summary>
    public const string MasqueradeTable = "timonel-podnet";

    private readonly string? _netnsPath;

    public IpRouteTable(string? netnsPath)
    {
        _netnsPath = netnsPath;
    }

    public async Task<IReadOnlyList<PodRoute>> ListAsync(CancellationToken cancellationToken)
    {
        var output = await RunAsync(["ip", "-4", "route", "show", "proto", RouteProtocol.ToString(CultureInfo.InvariantCulture)], null, cancellationToken).ConfigureAwait(false);
        return ParseRoutes(output);
    }

    public Task ReplaceAsync(PodRoute route, CancellationToken cancellationToken) =>
        RunAsync(["ip", "-4", "route", "replace", route.Destination, "via", route.Gateway.ToString(), "proto", RouteProtocol.ToString(CultureInfo.InvariantCulture)], null, cancellationToken);

    public Task DeleteAsync(PodRoute route, CancellationToken cancellationToken) =>
        RunAsync(["ip", "-4", "route", "del", route.Destination, "proto", RouteProtocol.ToString(CultureInfo.InvariantCulture)], null, cancellationToken);

    public async Task EnsureForwardingAsync(string podCidr, string clusterCidr, CancellationToken cancellationToken)
    {
        await RunAsync(["sysctl", "-q", "-w", "net.ipv4.ip_forward=1"], null, cancellationToken).ConfigureAwait(false);
        // A pod IP with no more specific route (this node's bridge, another node's host-gw route)
        // belongs to no real node (a simulated one, a node gone): refuse it here rather than send
        // it out through the default route, off the machine.
        await RunAsync(["ip", "-4", "route", "replace", "unreachable", clusterCidr, "proto", RouteProtocol.ToString(CultureInfo.InvariantCulture)], null, cancellationToken).ConfigureAwait(false);
        // Declaring then deleting the table makes the load atomic and idempotent: the rule is replaced, never doubled.
        var ruleset = $$"""
            table ip {{MasqueradeTable}}
            delete table ip {{MasqueradeTable}}
            table ip {{MasqueradeTable}} {
              chain postrouting {
                type nat hook postrouting priority srcnat; policy accept;
                ip saddr {{podCidr}} ip daddr != {{clusterCidr}} ip daddr != 224.0.0.0/4 masquerade
              }
            }
            """;
        await RunAsync(["nft", "-f", "-"], ruleset, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// `timonel agent --cleanup`: removes what the agent leaves in the node's network on purpose
    /// so a restart finds it (its routes to other nodes' pods, the cluster CIDR's unreachable
    /// route and its masquerade table). Nothing to remove is no error.
    /// </summary>
    public async Task RemoveAllAsync(CancellationToken cancellationToken)
    {
        var proto = RouteProtocol.ToString(CultureInfo.InvariantCulture);
        var output = await RunAsync(["ip", "-4", "route", "show", "proto", proto], null, cancellationToken).ConfigureAwait(false);
        foreach (var route in ParseRoutes(output))
        {
            await DeleteAsync(route, cancellationToken).ConfigureAwait(false);
        }

        foreach (var destination in ParseUnreachable(output))
        {
            await RunAsync(["ip", "-4", "route", "del", "unreachable", destination, "proto", proto], null, cancellationToken).ConfigureAwait(false);
        }

        // Declaring the table first makes the delete succeed when it is absent ("destroy" needs nft 1.0.8).
        await RunAsync(["nft", "-f", "-"], $"table ip {MasqueradeTable}\ndelete table ip {MasqueradeTable}\n", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Parses `ip -4 route show` lines of the form "10.42.1.0/24 via 10.98.0.12 dev eth0 proto 73".</summary>
    public static IReadOnlyList<PodRoute> ParseRoutes(string output)
    {
        var routes = new List<PodRoute>();
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var via = Array.IndexOf(words, "via");
            if (words.Length == 0 || via < 0 || via + 1 >= words.Length || !IPAddress.TryParse(words[via + 1], out var gateway))
            {
                continue;
            }

            routes.Add(new PodRoute(words[0], gateway, string.Empty));
        }

        return routes;
    }

    /// <summary>The destinations of "unreachable 10.42.0.0/16 proto 73" lines of `ip -4 route show`.</summary>
    public static IReadOnlyList<string> ParseUnreachable(string output) =>
        [.. output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(words => words.Length > 1 && words[0] == "unreachable")
            .Select(words => words[1])];

    private async Task<string> RunAsync(IReadOnlyList<string> command, string? stdin, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(_netnsPath is null ? command[0] : "nsenter")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = stdin is not null,
        };
        if (_netnsPath is not null)
        {
            start.ArgumentList.Add($"--net={_netnsPath}");
            start.ArgumentList.Add("--");
            start.ArgumentList.Add(command[0]);
        }

        foreach (var arg in command.Skip(1))
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{command[0]} did not start");
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin.AsMemory(), cancellationToken).ConfigureAwait(false);
            process.StandardInput.Close();
        }

        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{string.Join(' ', command)} failed ({process.ExitCode}): {(await stderr.ConfigureAwait(false)).Trim()}");
        }

        return await stdout.ConfigureAwait(false);
    }
}
