namespace Timonel.Scheduler.Framework;

/// <summary>
/// Per-cycle data that plugins pass between extension points (PreFilter computes, Filter reads).
/// Written only in PreFilter/PreScore and preemption (one thread at a time), read concurrently by
/// Filter/Score over nodes, so a plain dictionary is safe: reads never overlap a write.
/// </summary>
public sealed class CycleState
{
    private readonly Dictionary<string, object> _data = new(StringComparer.Ordinal);

    /// <summary>Plugins whose PreFilter returned Skip (null: none): their Filter is not run this cycle.</summary>
    public HashSet<string>? SkipFilterPlugins { get; private set; }

    /// <summary>Plugins whose PreScore returned Skip (null: none): their Score is not run this cycle.</summary>
    public HashSet<string>? SkipScorePlugins { get; private set; }

    /// <summary>
    /// The filters not skipped, worked out by the framework on first use after PreFilter so the
    /// skip set is not hashed once per plugin per node (5,000 nodes); a later skip clears it.
    /// </summary>
    internal IFilterPlugin[]? ActiveFilters { get; set; }

    public void SkipFilter(string plugin)
    {
        (SkipFilterPlugins ??= new(StringComparer.Ordinal)).Add(plugin);
        ActiveFilters = null;
    }

    public void SkipScore(string plugin) => (SkipScorePlugins ??= new(StringComparer.Ordinal)).Add(plugin);

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

        copy.SkipFilterPlugins = SkipFilterPlugins is null ? null : new(SkipFilterPlugins, StringComparer.Ordinal);
        copy.SkipScorePlugins = SkipScorePlugins is null ? null : new(SkipScorePlugins, StringComparer.Ordinal);
        return copy;
    }
}

/// <summary>Cycle state that preemption may change while it tries removing victims, so it must be copied.</summary>
public interface ICloneableState
{
    object Clone();
}
