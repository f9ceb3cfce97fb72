using System.CommandLine;

namespace Timonel.Cli.Agent;

/// <summary>
/// `--disable-network-policy` of `timonel server` and `timonel agent` (k3s's flag of that name):
/// the node runs no NetworkPolicy controller and removes the `inet timonel-netpol` table an
/// earlier run left, so NetworkPolicies are stored but not enforced on it.
/// </summary>
internal sealed class NetworkPolicyFlag
{
    public Option<bool> Disable { get; } = new("--disable-network-policy") { Description = "Do not enforce NetworkPolicies on this node (no network policy controller; the nftables table inet timonel-netpol a previous run left is deleted at start)" };

    public void AddTo(Command command) => command.Options.Add(Disable);

    /// <summary>Whether the node enforces NetworkPolicies.</summary>
    public bool Enabled(ParseResult parse) => !parse.GetValue(Disable);
}
