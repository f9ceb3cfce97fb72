namespace Timonel.Scheduler.Framework;

/// <summary>
/// The result of a plugin call: a code, the reasons a person reads (each counted separately in
/// the "0/N nodes are available" message) and the plugin that produced it. A null Status means success.
/// </summary>
public sealed class Status
{
    public Status(StatusCode code, params string[] reasons)
    {
        Code = code;
        Reasons = reasons;
    }

    /// <summary>A shared success status; callers may also use null.</summary>
    public static Status Success { get; } = new(StatusCode.Success);

    public StatusCode Code { get; }

    public IReadOnlyList<string> Reasons { get; }

    /// <summary>The plugin that returned this status (set by the framework).</summary>
    public string? Plugin { get; private set; }

    public bool IsSuccess => Code == StatusCode.Success;

    /// <summary>True for Unschedulable and UnschedulableAndUnresolvable: the pod was rejected, not failed.</summary>
    public bool IsRejected => Code is StatusCode.Unschedulable or StatusCode.UnschedulableAndUnresolvable;

    public string Message => string.Join(", ", Reasons);

    public static Status Unschedulable(params string[] reasons) => new(StatusCode.Unschedulable, reasons);

    public static Status Unresolvable(params string[] reasons) => new(StatusCode.UnschedulableAndUnresolvable, reasons);

    public static Status Error(string message) => new(StatusCode.Error, message);

    public static Status Skip { get; } = new(StatusCode.Skip);

    /// <summary>A copy that names <paramref name="plugin"/> as its source.</summary>
    public Status WithPlugin(string plugin) => Plugin == plugin ? this : new Status(Code, [.. Reasons]) { Plugin = plugin };

    public override string ToString() => $"{Code}: {Message}";
}
