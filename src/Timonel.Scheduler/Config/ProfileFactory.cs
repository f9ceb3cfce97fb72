using Timonel.Scheduler.Framework;

namespace Timonel.Scheduler.Config;

/// <summary>Builds a <see cref="SchedulingFramework"/> per profile from the configuration, as upstream's profile.NewMap.</summary>
public static class ProfileFactory
{
    /// <summary>Builds every profile. <paramref name="newHandle"/> makes each profile's plugin handle.</summary>
    public static IReadOnlyDictionary<string, SchedulingFramework> Build(SchedulerConfiguration config, Func<PluginHandle> newHandle)
    {
        var result = new Dictionary<string, SchedulingFramework>(StringComparer.Ordinal);
        foreach (var profile in config.Profiles)
        {
            result[profile.SchedulerName] = BuildProfile(profile, config.PercentageOfNodesToScore, newHandle());
        }

        return result;
    }

    public static SchedulingFramework BuildProfile(ProfileConfiguration profile, int globalPercentage, PluginHandle handle)
    {
        var multi = Point(profile, "multiPoint");
        var names = new List<string>();
        var weights = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (name, weight) in PluginRegistry.Defaults)
        {
            if (!multi.Disabled.Contains("*") && !multi.Disabled.Contains(name))
            {
                names.Add(name);
                weights[name] = weight;
            }
        }

        foreach (var (name, weight) in multi.Enabled)
        {
            AddName(names, name);
            if (weight > 0)
            {
                weights[name] = weight;
            }
        }

        var perPoint = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var point in ProfileConfiguration.ExtensionPoints.Where(p => p != "multiPoint"))
        {
            var (enabled, _) = Point(profile, point);
            foreach (var (name, weight) in enabled)
            {
                AddName(names, name);
                (perPoint.TryGetValue(point, out var l) ? l : perPoint[point] = []).Add(name);
                if (point == "score" && weight > 0)
                {
                    weights[name] = weight;
                }
            }
        }

        var instances = new Dictionary<string, IPlugin>(StringComparer.Ordinal);
        foreach (var name in names)
        {
            if (name == PluginRegistry.PrioritySort)
            {
                continue;
            }

            if (!PluginRegistry.Factories.TryGetValue(name, out var factory))
            {
                throw new ArgumentException($"profiles[{profile.SchedulerName}].plugins: plugin \"{name}\" does not exist");
            }

            instances[name] = factory(profile.PluginArgs.TryGetValue(name, out var args) ? args : null, handle);
        }

        var plugins = new ProfilePlugins();
        plugins.All.AddRange(instances.Values);
        Fill(profile, "preFilter", perPoint, names, instances, plugins.PreFilter);
        Fill(profile, "filter", perPoint, names, instances, plugins.Filter);
        Fill(profile, "postFilter", perPoint, names, instances, plugins.PostFilter);
        Fill(profile, "preScore", perPoint, names, instances, plugins.PreScore);
        var scores = new List<IScorePlugin>();
        Fill(profile, "score", perPoint, names, instances, scores);
        plugins.Score.AddRange(scores.Select(s => (s, Math.Max(1, weights.GetValueOrDefault(s.Name)))));
        Fill(profile, "reserve", perPoint, names, instances, plugins.Reserve);
        Fill(profile, "permit", perPoint, names, instances, plugins.Permit);
        Fill(profile, "preBind", perPoint, names, instances, plugins.PreBind);
        Fill(profile, "bind", perPoint, names, instances, plugins.Bind);
        if (plugins.Bind.Count == 0)
        {
            throw new ArgumentException($"profiles[{profile.SchedulerName}].plugins.bind: Invalid value: at least one bind plugin is needed");
        }

        var percentage = profile.PercentageOfNodesToScore > 0 ? profile.PercentageOfNodesToScore : globalPercentage;
        return new SchedulingFramework(profile.SchedulerName, plugins, handle, percentage);
    }

    private static (IReadOnlyList<(string Name, int Weight)> Enabled, IReadOnlyList<string> Disabled) Point(ProfileConfiguration profile, string point) =>
        profile.Plugins.TryGetValue(point, out var p) ? p : ([], []);

    private static void AddName(List<string> names, string name)
    {
        if (!names.Contains(name))
        {
            names.Add(name);
        }
    }

    /// <summary>
    /// Plugins enabled explicitly at the point come first, then the multiPoint ones implementing
    /// it, minus those the point disables.
    /// </summary>
    private static void Fill<T>(ProfileConfiguration profile, string point, Dictionary<string, List<string>> perPoint, List<string> names, Dictionary<string, IPlugin> instances, List<T> target)
        where T : class, IPlugin
    {
        var disabled = Point(profile, point).Disabled;
        var explicitNames = perPoint.GetValueOrDefault(point) ?? [];
        foreach (var name in explicitNames)
        {
            if (instances.TryGetValue(name, out var p))
            {
                target.Add(p as T ?? throw new ArgumentException($"profiles[{profile.SchedulerName}].plugins.{point}: plugin \"{name}\" does not extend {point}"));
            }
        }

        if (disabled.Contains("*"))
        {
            return;
        }

        foreach (var name in names)
        {
            if (explicitNames.Contains(name) || disabled.Contains(name) || !instances.TryGetValue(name, out var p) || p is not T t)
            {
                continue;
            }

            // A plugin enabled only at other specific points is not spread to this one.
            if (!IsMultiPoint(profile, name))
            {
                continue;
            }

            target.Add(t);
        }
    }

    private static bool IsMultiPoint(ProfileConfiguration profile, string name)
    {
        var multi = Point(profile, "multiPoint");
        if (multi.Enabled.Any(e => e.Name == name))
        {
            return true;
        }

        return !multi.Disabled.Contains("*") && !multi.Disabled.Contains(name) && PluginRegistry.Defaults.Any(d => d.Name == name);
    }
}
