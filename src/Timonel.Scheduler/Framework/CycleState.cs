using System.Collections.Concurrent;

namespace Timonel.Scheduler.Framework;

/// <summary>
/// Per-cycle data that plugins pass between extension points (PreFilter computes, Filter reads).
/// Written in PreFilter/PreScore (one thread), read concurrently by Filter/Score over nodes.
/// </summary>
public sealed class CycleState
{
    private readonly ConcurrentDictionary<string, object> _data = new(StringComparer.Ordinal);

    /// <summary>Plugins whose PreFilter returned Skip: their Filter is not run this cycle.</summary>
    public HashSet<string> SkipFilterPlugins { get; } = new(StringComparer.Ordinal);

    /// <summary>Plugins whose PreScore returned Skip: their Score is not run this cycle.</summary>
    public HashSet<string> SkipScorePlugins { get; } = new(StringComparer.Ordinal);

    public void Write<T>(string key, T value)
        where T : class => _data[key] = value;

    public T? Read<T>(string key)
        where T : class => _data.TryGetValue(key, out var v) ? v as T : null;

    /// <summary>A shallow copy; values implementing <see cref="ICloneableState"/> are cloned (preemption's what-if runs).</summary>
    public CycleState Clone()
    {
        var copy = new CycleState();
        foreach (var (k, v) in _data)
        {
            copy._data[k] = v is ICloneableState c ? c.Clone() : v;
        }

        copy.SkipFilterPlugins.UnionWith(SkipFilterPlugins);
        copy.SkipScorePlugins.UnionWith(SkipScorePlugins);
        return copy;
    }
}

/// <summary>Cycle state that preemption may change while it tries removing victims, so it must be copied.</summary>
public interface ICloneableState
{
    object Clone();
}
