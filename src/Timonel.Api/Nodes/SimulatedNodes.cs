namespace Timonel.Api.Nodes;

/// <summary>
/// Nodes played by the node simulator. Their addresses are made up and nothing runs behind them,
/// so no component may ever connect to them or route through them: those packets would leave
/// the machine through its default route.
/// </summary>
public static class SimulatedNodes
{
    /// <summary>The label (value "true") that hands a Node to the simulator.</summary>
    public const string Label = "timonel.dev/simulated";

    /// <summary>True when a Node's labels mark it simulated.</summary>
    public static bool IsSimulated(IEnumerable<KeyValuePair<string, string>>? labels) =>
        labels is not null && labels.Any(l => l.Key == Label && l.Value == "true");
}
