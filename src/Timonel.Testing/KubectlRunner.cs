using System.Diagnostics;

namespace Timonel.Testing;

/// <summary>The outcome of one kubectl run.</summary>
public sealed record KubectlRun(int ExitCode, string Stdout, string Stderr);

/// <summary>
/// Runs a real kubectl binary against a kubeconfig with its own HOME (no discovery cache or
/// ~/.kube leaking in), always under a deadline: a kubectl that hangs is killed by its PID
/// and the test fails with what it printed.
/// </summary>
public sealed class KubectlRunner(string binary, string kubeconfig, string home)
{
    public const string Latest = "/usr/lib/google-cloud-sdk/bin/kubectl.1.33";
    public const string Oldest = "/usr/lib/google-cloud-sdk/bin/kubectl.1.27";

    public string Binary => binary;

    public ProcessStartInfo StartInfo(IEnumerable<string> args)
    {
        Directory.CreateDirectory(home);
        var start = new ProcessStartInfo(binary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        start.Environment["HOME"] = home;
        start.Environment["KUBECONFIG"] = kubeconfig;
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        return start;
    }

    public async Task<KubectlRun> RunAsync(IEnumerable<string> args, string? stdin = null, TimeSpan? timeout = null)
    {
        var list = args.ToList();
        using var process = Process.Start(StartInfo(list))!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin);
        }

        process.StandardInput.Close();
        using var deadline = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(30));
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill();
            await process.WaitForExitAsync(CancellationToken.None);
            throw new TimeoutException($"kubectl {string.Join(' ', list)} did not finish in time:\n{await stdout}\n{await stderr}");
        }

        return new KubectlRun(process.ExitCode, await stdout, await stderr);
    }

    public Task<KubectlRun> RunAsync(params string[] args) => RunAsync(args, null, null);
}
