using System.CommandLine;
using k8s;
using k8s.Autorest;
using Timonel.ApiServer;
using Timonel.ApiServer.Security;
using Timonel.Client.Certificates;

namespace Timonel.Cli;

/// <summary>
/// `timonel kubeconfig --user NAME [--group G]...`: a kubeconfig for a new user, with a client
/// certificate the cluster signs through a CertificateSigningRequest (made, approved and
/// collected with the admin kubeconfig's rights). Written 0600 to --out, else to stdout.
/// </summary>
internal static class KubeconfigCommand
{
    public static Command Create()
    {
        var user = new Option<string>("--user") { Description = "User name: the certificate's common name (required)", Required = true };
        var groups = new Option<string[]>("--group") { Description = "Group of the user: the certificate's organizations (repeat for several)", AllowMultipleArgumentsPerToken = false };
        var expiration = new Option<string?>("--expiration") { Description = "How long the certificate lasts, e.g. 24h (spec.expirationSeconds; at least 10m, at most the controller manager's --cluster-signing-duration; default: that maximum)" };
        var kubeconfig = new Option<string?>("--kubeconfig") { Description = "Admin kubeconfig used to create and approve the request (default: $KUBECONFIG, else the server's DIR/kubeconfig.yaml)" };
        var output = new Option<string?>("--out") { Description = "Write the kubeconfig to this file (mode 0600) instead of stdout" };
        var timeout = new Option<string>("--timeout") { Description = "How long to wait for the certificate", DefaultValueFactory = _ => "60s" };
        var command = new Command("kubeconfig", "Issue a client certificate for a user through a CertificateSigningRequest and print a kubeconfig for it");
        foreach (var o in new Option[] { user, groups, expiration, kubeconfig, output, timeout })
        {
            command.Options.Add(o);
        }

        command.SetAction(async (parse, ct) =>
        {
            TimeSpan? lifetime = null;
            if (parse.GetValue(expiration) is { } text)
            {
                if (!Api.Validation.GoDuration.TryParse(text, out var parsed) || parsed < TimeSpan.FromMinutes(10))
                {
                    Console.Error.WriteLine($"timonel kubeconfig: --expiration \"{text}\" must be a duration of at least 10m, such as 24h");
                    return 2;
                }

                lifetime = parsed;
            }

            if (!Api.Validation.GoDuration.TryParse(parse.GetValue(timeout)!, out var wait) || wait <= TimeSpan.Zero)
            {
                Console.Error.WriteLine($"timonel kubeconfig: --timeout \"{parse.GetValue(timeout)}\" must be a positive duration such as 60s");
                return 2;
            }

            var adminPath = parse.GetValue(kubeconfig)
                ?? (Environment.GetEnvironmentVariable("KUBECONFIG") is { Length: > 0 } env ? env.Split(Path.PathSeparator)[0] : null)
                ?? new PkiPaths(ApiServerOptions.DefaultDataDir()).Kubeconfig;
            try
            {
                var config = KubernetesClientConfiguration.BuildConfigFromConfigFile(adminPath);
                var caPem = string.Concat((config.SslCaCerts ?? []).Select(c => c.ExportCertificatePem() + "\n"));
                if (caPem.Length == 0)
                {
                    Console.Error.WriteLine($"timonel kubeconfig: {adminPath} names no certificate authority for its cluster, so the new kubeconfig could not trust the server");
                    return 1;
                }

                using var client = new Kubernetes(config);
                var issued = await new UserCertificateRequester(client, TimeProvider.System)
                    .RequestAsync(parse.GetValue(user)!, parse.GetValue(groups) ?? [], lifetime, wait, ct).ConfigureAwait(false);
                var yaml = KubeconfigWriter.Render(config.Host, caPem, issued.CertificatePem, issued.KeyPem, parse.GetValue(user)!);
                if (parse.GetValue(output) is { } path)
                {
                    await WritePrivateAsync(path, yaml, ct).ConfigureAwait(false);
                    Console.Error.WriteLine($"wrote {path} for user {parse.GetValue(user)} (certificate signing request {issued.CsrName})");
                }
                else
                {
                    await Console.Out.WriteAsync(yaml).ConfigureAwait(false);
                }

                return 0;
            }
            catch (Exception e) when (e is UserCertificateException or IOException or UnauthorizedAccessException or k8s.Exceptions.KubeConfigException or HttpRequestException or ArgumentException)
            {
                Console.Error.WriteLine($"timonel kubeconfig: {e.Message}");
                return 1;
            }
            catch (HttpOperationException e)
            {
                Console.Error.WriteLine($"timonel kubeconfig: the API server refused ({(int)e.Response.StatusCode}): {e.Response.Content}");
                return 1;
            }
        });
        return command;
    }

    /// <summary>Creates the file 0600 before any byte of the key is in it.</summary>
    private static async Task WritePrivateAsync(string path, string content, CancellationToken ct)
    {
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        await using var stream = new FileStream(path, options);
        if (!OperatingSystem.IsWindows())
        {
            // UnixCreateMode applies only to a new file: tighten one that was there.
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        await using var writer = new StreamWriter(stream);
        await writer.WriteAsync(content.AsMemory(), ct).ConfigureAwait(false);
    }
}
