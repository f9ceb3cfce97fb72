using System.CommandLine;
using Timonel.Api.Validation;
using Timonel.Kubelet.Images;

namespace Timonel.Cli.Agent;

/// <summary>
/// The image garbage collection flags `timonel agent` and `timonel server` (for its local agent)
/// share, as the kubelet's: --image-gc-high-threshold, --image-gc-low-threshold,
/// --image-minimum-gc-age, --image-maximum-gc-age.
/// </summary>
internal sealed class ImageGcFlags
{
    private static readonly ImageGcPolicy Defaults = new();

    public Option<int> High { get; } = new("--image-gc-high-threshold") { Description = "Percent of the image filesystem in use at which unused images are removed, least recently used first (0-100; 100 never)", DefaultValueFactory = _ => Defaults.HighThresholdPercent };

    public Option<int> Low { get; } = new("--image-gc-low-threshold") { Description = "Percent of the image filesystem in use that image garbage collection frees down to (0-100, below the high threshold)", DefaultValueFactory = _ => Defaults.LowThresholdPercent };

    public Option<string> MinAge { get; } = new("--image-minimum-gc-age") { Description = "An image first seen more recently than this is never removed (Go duration)", DefaultValueFactory = _ => "2m" };

    public Option<string> MaxAge { get; } = new("--image-maximum-gc-age") { Description = "An image unused for longer than this is removed even below the thresholds (Go duration; 0, the default, turns it off)", DefaultValueFactory = _ => "0s" };

    public void AddTo(Command command)
    {
        command.Options.Add(High);
        command.Options.Add(Low);
        command.Options.Add(MinAge);
        command.Options.Add(MaxAge);
    }

    /// <summary>The policy the flags give; an <see cref="ArgumentException"/> naming the flag when one is wrong.</summary>
    public ImageGcPolicy Read(ParseResult parse)
    {
        var policy = new ImageGcPolicy
        {
            HighThresholdPercent = parse.GetValue(High),
            LowThresholdPercent = parse.GetValue(Low),
            MinAge = Duration(MinAge.Name, parse.GetValue(MinAge)!),
            MaxAge = Duration(MaxAge.Name, parse.GetValue(MaxAge)!),
        };
        var errors = policy.Validate();
        return errors.Count == 0 ? policy : throw new ArgumentException(string.Join("; ", errors));
    }

    /// <summary>A duration flag's value (0 or a Go duration, never negative); ArgumentException naming the flag.</summary>
    internal static TimeSpan Duration(string flag, string text) =>
        text == "0" ? TimeSpan.Zero
        : GoDuration.TryParse(text, out var value) && value >= TimeSpan.Zero ? value
        : throw new ArgumentException($"{flag} \"{text}\" is not a duration such as 2m or 1h30m");
}
