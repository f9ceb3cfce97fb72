using System.Collections.Concurrent;

namespace Timonel.Controllers.Health;

/// <summary>
/// The health of the running controllers, one check per controller under its upstream name
/// (kube-controller-manager's per-controller /healthz/&lt;name&gt;): healthy while its loop runs,
/// failed with the reason once it stopped or crashed. Checks exist only while the manager leads.
/// </summary>
public sealed class ControllerHealth
{
    private readonly ConcurrentDictionary<string, string?> _checks = new(StringComparer.Ordinal);

    /// <summary>The controller runs (healthy).</summary>
    public void Running(string name) => _checks[name] = null;

    /// <summary>The controller's loop ended while it should run; <paramref name="reason"/> says how.</summary>
    public void Failed(string name, string reason) => _checks[name] = reason;

    /// <summary>The controller has nothing to do here (not started, as upstream skips it): no check.</summary>
    public void Remove(string name) => _checks.TryRemove(name, out _);

    /// <summary>No controller runs (leadership lost, manager stopped).</summary>
    public void Clear() => _checks.Clear();

    /// <summary>Every check, by name, with null for healthy or the failure.</summary>
    public IReadOnlyList<(string Name, string? Error)> Checks =>
        [.. _checks.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => (c.Key, c.Value))];
}
