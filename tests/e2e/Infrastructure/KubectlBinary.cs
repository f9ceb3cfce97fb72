namespace Timonel.E2E.Tests.Infrastructure;

/// <summary>The kubectl clients the suite drives: the newest and the oldest supported.</summary>
public static class KubectlBinary
{
    private const string CloudSdkBin = "/usr/lib/google-cloud-sdk/bin";

    /// <summary>
    /// kubectl 1.33. The <c>kubectl</c> on PATH is the Cloud SDK dispatcher (it reports v1.32.4-dispatcher
    /// and picks a client by itself), so the versioned binary is named when it is there.
    /// </summary>
    public static string Latest => Versioned(33) ?? "kubectl";

    /// <summary>kubectl 1.27, the oldest client Timonel supports.</summary>
    public static string Oldest => Versioned(27) ?? throw new InvalidOperationException($"{CloudSdkBin}/kubectl.1.27 is missing");

    private static string? Versioned(int minor)
    {
        var path = Path.Combine(CloudSdkBin, $"kubectl.1.{minor}");
        return File.Exists(path) ? path : null;
    }
}
