using System.Diagnostics;
using System.Text;

namespace Timonel.E2E.Tests.Infrastructure;

/// <summary>
/// Runs one kubectl binary against one kubeconfig, with its own HOME and discovery cache so that
/// nothing leaks between fixtures or from the machine's ~/.kube.
/// </summary>
public sealed class Kubectl
{
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);

    private readonly string binary;
    private readonly string kubeconfig;
    private readonly string home;
    private readonly string? netnsPath;

    /// <param name="netnsPath">When set, kubectl runs inside this network namespace (nsenter --net), e.g. a control-plane netns whose 127.0.0.1 the kubeconfig names.</param>
    public Kubectl(string binary, string kubeconfig, string home, string? netnsPath = null)
    {
        this.binary = binary;
        this.kubeconfig = kubeconfig;
        this.home = home;
        this.netnsPath = netnsPath;
        Directory.CreateDirectory(home);
    }

    public string Binary => binary;

    public Task<KubectlResult> RunAsync(params string[] args) => RunAsync(args, stdin: null);

    public async Task<KubectlResult> RunAsync(
        IReadOnlyList<string> args,
        string? stdin,
        IReadOnlyDictionary<string, string>? environment = null,
        TimeSpan? timeout = null,
        CancellationToken cancellationToken = default)
    {
        using var process = Process.Start(StartInfo(args, environment, stdin is not null))
            ?? throw new InvalidOperationException($"Could not start {binary}");
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin.AsMemory(), cancellationToken);
            process.StandardInput.Close();
        }

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout ?? DefaultTimeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill();
            await process.WaitForExitAsync(CancellationToken.None);
            throw new TimeoutException($"{CommandLine(args)} did not finish within {timeout ?? DefaultTimeout}:\n{await stdout}\n{await stderr}");
        }

        return new KubectlResult(CommandLine(args), process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Starts kubectl in the background (e.g. <c>get -w</c>); the caller stops it.</summary>
    public BackgroundKubectl Start(params string[] args)
    {
        var process = Process.Start(StartInfo(args, environment: null, redirectStdin: false))
            ?? throw new InvalidOperationException($"Could not start {binary}");
        return new BackgroundKubectl(CommandLine(args), process);
    }

    private ProcessStartInfo StartInfo(IReadOnlyList<string> args, IReadOnlyDictionary<string, string>? environment, bool redirectStdin)
    {
        var start = new ProcessStartInfo(netnsPath is null ? binary : "nsenter")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = redirectStdin,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        if (netnsPath is not null)
        {
            start.ArgumentList.Add($"--net={netnsPath}");
            start.ArgumentList.Add("--");
            start.ArgumentList.Add(binary);
        }

        start.ArgumentList.Add("--kubeconfig");
        start.ArgumentList.Add(kubeconfig);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["HOME"] = home;
        start.Environment["KUBECACHEDIR"] = Path.Combine(home, ".kube", "cache");
        start.Environment.Remove("KUBECONFIG");
        start.Environment.Remove("KUBE_EDITOR");
        start.Environment.Remove("EDITOR");
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        return start;
    }

    private string CommandLine(IReadOnlyList<string> args) => $"{Path.GetFileName(binary)} {string.Join(' ', args)}";
}
