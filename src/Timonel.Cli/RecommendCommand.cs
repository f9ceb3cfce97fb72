using System.CommandLine;
using k8s;
using Timonel.ApiServer;
using Timonel.ApiServer.Security;
using Timonel.Client.Recommendations;

namespace Timonel.Cli;

/// <summary>
/// `timonel recommend [-n NS] [-A] [TYPE/NAME] [--kubeconfig F]`: CPU and memory request and limit
/// recommendations per container from the usage history the API server keeps, as a
/// VerticalPodAutoscaler recommender would make them (docs/autoscaling.md, "Recommendations").
/// </summary>
internal static class RecommendCommand
{
    public static Command Create()
    {
        var workload = new Argument<string?>("workload") { Description = "One workload as TYPE/NAME: deploy/web, sts/db, ds/agent, rs/x, job/x, cj/x or pod/x (default: every workload of the namespace)", Arity = ArgumentArity.ZeroOrOne };
        var ns = new Option<string?>("--namespace", "-n") { Description = "Namespace (default: the kubeconfig context's, else default)" };
        var all = new Option<bool>("--all-namespaces", "-A") { Description = "Every namespace" };
        var kubeconfig = new Option<string?>("--kubeconfig") { Description = "Kubeconfig to use (default: $KUBECONFIG, else the server's DIR/kubeconfig.yaml)" };
        var command = new Command("recommend", "Print CPU/memory request and limit recommendations per container from the usage history the control plane keeps");
        command.Arguments.Add(workload);
        foreach (var o in new Option[] { ns, all, kubeconfig })
        {
            command.Options.Add(o);
        }

        command.SetAction(async (parse, ct) =>
        {
            var path = parse.GetValue(kubeconfig)
                ?? (Environment.GetEnvironmentVariable("KUBECONFIG") is { Length: > 0 } env ? env.Split(Path.PathSeparator)[0] : null)
                ?? new PkiPaths(ApiServerOptions.DefaultDataDir()).Kubeconfig;
            try
            {
                var config = KubernetesClientConfiguration.BuildConfigFromConfigFile(path);
                return await RecommendCommandRunner.RunAsync(config, parse.GetValue(ns), parse.GetValue(all), parse.GetValue(workload), Console.Out, Console.Error, ct).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or k8s.Exceptions.KubeConfigException or HttpRequestException)
            {
                await Console.Error.WriteLineAsync($"timonel recommend: {e.Message}").ConfigureAwait(false);
                return 1;
            }
        });
        return command;
    }
}
