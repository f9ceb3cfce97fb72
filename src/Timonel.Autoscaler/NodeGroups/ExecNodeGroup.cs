using System.Diagnostics;
using System.Globalization;
using k8s;
using k8s.Models;
using Timonel.Client.Controllers;

namespace Timonel.Autoscaler.NodeGroups;

/// <summary>
/// A group of real machines made by the user's commands: "CREATE... GROUP COUNT" starts COUNT
/// machines that join the cluster with the token (TIMONEL_NODE_NAMES gives the --node-name each
/// should take, TIMONEL_NODE_LABELS and TIMONEL_NODE_TAINTS the group's); "DELETE... GROUP NODE"
/// destroys one. A non-zero exit fails the call with the command's last output.
/// </summary>
internal sealed class ExecNodeGroup(NodeGroupSpec spec, ExecCommands commands, IKubernetes client) : NodeGroup(spec)
{
    /// <summary>How long one command may run before it is killed and the call fails.</summary>
    public static readonly TimeSpan CommandTimeout = TimeSpan.FromMinutes(5);

    protected override bool CreatesSynchronously => false;

    protected override Task CreateAsync(IReadOnlyList<string> names, CancellationToken cancellationToken) =>
        RunAsync(commands.Create, [Id, names.Count.ToString(CultureInfo.InvariantCulture)], names, cancellationToken);

    protected override async Task DestroyAsync(V1Node node, CancellationToken cancellationToken)
    {
        await RunAsync(commands.Delete, [Id, node.Metadata.Name], [node.Metadata.Name], cancellationToken).ConfigureAwait(false);
        try
        {
            await client.CoreV1.DeleteNodeAsync(node.Metadata.Name, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (ApiErrors.IsNotFound(e))
        {
            // The script removed it already.
        }
    }

    private async Task RunAsync(IReadOnlyList<string> command, string[] args, IReadOnlyList<string> names, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(command[0]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in command.Skip(1).Concat(args))
        {
            start.ArgumentList.Add(a);
        }

        start.Environment["TIMONEL_NODE_GROUP"] = Id;
        start.Environment["TIMONEL_NODE_NAMES"] = string.Join(' ', names);
        start.Environment["TIMONEL_NODE_LABELS"] = string.Join(',', Spec.Labels.Select(l => $"{l.Key}={l.Value}").Prepend($"{NodeGroupLabels.Group}={Id}"));
        start.Environment["TIMONEL_NODE_TAINTS"] = string.Join(',', Spec.Taints);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"node group {Id}: could not start {command[0]}");
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(CommandTimeout);
        var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
        try
        {
            await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        var output = (await stderr.ConfigureAwait(false)) + (await stdout.ConfigureAwait(false));
        if (process.ExitCode != 0)
        {
            var tail = output.Length > 500 ? output[^500..] : output;
            throw new InvalidOperationException($"node group {Id}: {command[0]} {string.Join(' ', args)} exited with {process.ExitCode}: {tail.Trim()}");
        }
    }
}
