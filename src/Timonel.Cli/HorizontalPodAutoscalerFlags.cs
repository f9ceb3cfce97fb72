using System.CommandLine;
using System.Globalization;
using Timonel.Api.Validation;
using Timonel.Controllers.Autoscaling;

namespace Timonel.Cli;

/// <summary>kube-controller-manager's --horizontal-pod-autoscaler-* flags, with upstream's names and defaults.</summary>
internal sealed class HorizontalPodAutoscalerFlags
{
    private readonly Option<string> _syncPeriod = new("--horizontal-pod-autoscaler-sync-period") { Description = "How often the horizontal pod autoscaler reconciles each HorizontalPodAutoscaler (a duration)", DefaultValueFactory = _ => "15s" };
    private readonly Option<string> _tolerance = new("--horizontal-pod-autoscaler-tolerance") { Description = "How far the usage-to-target ratio may be from 1.0 before the autoscaler rescales", DefaultValueFactory = _ => "0.1" };
    private readonly Option<string> _downscale = new("--horizontal-pod-autoscaler-downscale-stabilization") { Description = "How far back the autoscaler looks for a higher recommendation before it scales down (a duration)", DefaultValueFactory = _ => "5m0s" };
    private readonly Option<string> _cpuInitialization = new("--horizontal-pod-autoscaler-cpu-initialization-period") { Description = "After a pod starts, how long its CPU samples count only once it is ready and a full window was measured since (a duration)", DefaultValueFactory = _ => "5m0s" };
    private readonly Option<string> _readinessDelay = new("--horizontal-pod-autoscaler-initial-readiness-delay") { Description = "After a pod starts, how long a readiness change is taken as its initial readiness (a duration)", DefaultValueFactory = _ => "30s" };

    public IEnumerable<Option> Options => [_syncPeriod, _tolerance, _downscale, _cpuInitialization, _readinessDelay];

    /// <summary>The options the flags give.</summary>
    /// <exception cref="ArgumentException">A flag's value is not a duration or a number, or is out of range; the message names the flag.</exception>
    public HpaOptions Parse(ParseResult parse)
    {
        var text = parse.GetValue(_tolerance)!;
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var tolerance))
        {
            throw new ArgumentException($"--horizontal-pod-autoscaler-tolerance \"{text}\" is not a number such as 0.1");
        }

        var options = new HpaOptions
        {
            SyncPeriod = Duration(parse, _syncPeriod),
            Tolerance = tolerance,
            DownscaleStabilizationWindow = Duration(parse, _downscale),
            CpuInitializationPeriod = Duration(parse, _cpuInitialization),
            InitialReadinessDelay = Duration(parse, _readinessDelay),
        };
        return options.Validate() is { } error ? throw new ArgumentException(error) : options;
    }

    private static TimeSpan Duration(ParseResult parse, Option<string> option)
    {
        var text = parse.GetValue(option)!;
        return GoDuration.TryParse(text, out var value)
            ? value
            : throw new ArgumentException($"{option.Name} \"{text}\" is not a duration such as 15s or 5m");
    }
}
