using System.Text;

namespace Timonel.Proxy.Nft;

/// <summary>What one transaction changed, for logs and figures.</summary>
public sealed record TransactionSummary(bool Full, int ChainsWritten, int ChainsDeleted, int ElementsChanged);

/// <summary>
/// Writes one `nft -f` transaction that takes the table from what was applied to what is
/// desired. The kernel applies it atomically: packets see either the old rules or the new,
/// never an empty table. A full transaction rewrites every chain and map and deletes the
/// per-service objects the kernel has that are no longer wanted (a restart adopts the table in
/// place); an incremental one touches only chains whose rules changed and map elements that
/// differ.
/// </summary>
public sealed class TransactionBuilder(ProxyOptions options)
{
    private const string T = NftNames.Family + " " + NftNames.Table;

    /// <param name="applied">The ruleset the last successful transaction left; null forces a full transaction.</param>
    /// <param name="existing">Names of the chains and sets in the kernel's table (read before a full transaction); ignored otherwise.</param>
    public (string Script, TransactionSummary Summary) Build(DesiredRuleset? applied, DesiredRuleset desired, IReadOnlySet<string> existing)
    {
        var full = applied is null;
        var script = new StringBuilder();
        script.Append("add table ").Append(T).Append('\n');
        if (full)
        {
            WriteBase(script);
        }

        // Sets first: new chains refer to them.
        foreach (var (name, declaration) in desired.Sets)
        {
            if (full || !applied!.Sets.ContainsKey(name))
            {
                script.Append("add set ").Append(T).Append(' ').Append(name).Append(" { ").Append(declaration).Append(" }\n");
            }
        }

        var changed = desired.Chains.Where(c => full || !applied!.Chains.TryGetValue(c.Key, out var old) || !old.SequenceEqual(c.Value)).ToList();

        // Declare (and empty) every changed chain before any rule, so jumps between them resolve.
        foreach (var (name, _) in changed)
        {
            script.Append("add chain ").Append(T).Append(' ').Append(name).Append('\n');
            script.Append("flush chain ").Append(T).Append(' ').Append(name).Append('\n');
        }

        foreach (var (name, rules) in changed)
        {
            foreach (var rule in rules)
            {
                script.Append("add rule ").Append(T).Append(' ').Append(name).Append(' ').Append(rule).Append('\n');
            }
        }

        var elements = WriteMaps(script, applied, desired, full);

        // Objects no longer wanted go last, once no map element or rule refers to them.
        var staleChains = full
            ? existing.Where(n => NftNames.IsServiceObject(n) && !n.StartsWith("affinity-", StringComparison.Ordinal) && !desired.Chains.ContainsKey(n)).Order(StringComparer.Ordinal).ToList()
            : applied!.Chains.Keys.Where(n => !desired.Chains.ContainsKey(n)).ToList();
        foreach (var name in staleChains)
        {
            script.Append("flush chain ").Append(T).Append(' ').Append(name).Append('\n');
        }

        foreach (var name in staleChains)
        {
            script.Append("delete chain ").Append(T).Append(' ').Append(name).Append('\n');
        }

        var staleSets = full
            ? existing.Where(n => n.StartsWith("affinity-", StringComparison.Ordinal) && !desired.Sets.ContainsKey(n)).Order(StringComparer.Ordinal).ToList()
            : applied!.Sets.Keys.Where(n => !desired.Sets.ContainsKey(n)).ToList();
        foreach (var name in staleSets)
        {
            script.Append("delete set ").Append(T).Append(' ').Append(name).Append('\n');
        }

        return (script.ToString(), new TransactionSummary(full, changed.Count, staleChains.Count, elements));
    }

    private void WriteBase(StringBuilder script)
    {
        foreach (var (name, declaration) in BaseRuleset.Maps)
        {
            script.Append("add map ").Append(T).Append(' ').Append(name).Append(" { ").Append(declaration).Append(" }\n");
        }

        if (options.NodePortAddresses.Count > 0)
        {
            script.Append("add set ").Append(T).Append(' ').Append(NftNames.NodePortIpsSet).Append(" { ").Append(BaseRuleset.NodePortIpsDeclaration).Append(" }\n");
            script.Append("flush set ").Append(T).Append(' ').Append(NftNames.NodePortIpsSet).Append('\n');
            var cidrs = options.NodePortAddresses.Select(c => Cidr.TryParse(c, out var canonical) ? canonical : c).Distinct(StringComparer.Ordinal);
            script.Append("add element ").Append(T).Append(' ').Append(NftNames.NodePortIpsSet).Append(" { ").Append(string.Join(", ", cidrs)).Append(" }\n");
        }

        var chains = BaseRuleset.Chains(options);
        foreach (var chain in chains)
        {
            script.Append("add chain ").Append(T).Append(' ').Append(chain.Name);
            if (chain.Hook is not null)
            {
                script.Append(" { ").Append(chain.Hook).Append(" }");
            }

            script.Append('\n');
            script.Append("flush chain ").Append(T).Append(' ').Append(chain.Name).Append('\n');
        }

        foreach (var chain in chains)
        {
            foreach (var rule in chain.Rules)
            {
                script.Append("add rule ").Append(T).Append(' ').Append(chain.Name).Append(' ').Append(rule).Append('\n');
            }
        }
    }

    private static int WriteMaps(StringBuilder script, DesiredRuleset? applied, DesiredRuleset desired, bool full)
    {
        var count = 0;
        foreach (var (map, wanted) in desired.MapElements)
        {
            if (full)
            {
                script.Append("flush map ").Append(T).Append(' ').Append(map).Append('\n');
                foreach (var (key, verdict) in wanted)
                {
                    AddElement(script, map, key, verdict);
                    count++;
                }

                continue;
            }

            var old = applied!.MapElements[map];
            foreach (var (key, verdict) in old)
            {
                if (!wanted.TryGetValue(key, out var now) || now != verdict)
                {
                    script.Append("delete element ").Append(T).Append(' ').Append(map).Append(" { ").Append(key).Append(" }\n");
                    count++;
                }
            }

            foreach (var (key, verdict) in wanted)
            {
                if (!old.TryGetValue(key, out var was) || was != verdict)
                {
                    AddElement(script, map, key, verdict);
                    count++;
                }
            }
        }

        return count;
    }

    private static void AddElement(StringBuilder script, string map, string key, string verdict) =>
        script.Append("add element ").Append(T).Append(' ').Append(map).Append(" { ").Append(key).Append(" : ").Append(verdict).Append(" }\n");
}
