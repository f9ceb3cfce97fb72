using Timonel.Api.Images;
using System.CommandLine;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Timonel.Kubelet.Images;

namespace Timonel.Cli.Agent;

/// <summary>
/// `timonel images push-busybox HOST[:PORT]/REPO:TAG`: builds the project's busybox image (as
/// `timonel images busybox`) and pushes it to a registry over the distribution API — an image in
/// a registry on a machine without docker or skopeo, for trying registries.yaml and pull secrets.
/// --pad-mb adds a file of random bytes, for pull-time measurements of a big image.
/// </summary>
internal static class PushBusyboxCommand
{
    public static Command Create()
    {
        var reference = new Argument<string>("reference") { Description = "Where to push: HOST[:PORT]/REPOSITORY:TAG, e.g. 127.0.0.1:5000/demo/busybox:1" };
        var plainHttp = new Option<bool>("--plain-http") { Description = "The registry speaks plain HTTP (a registry without TLS on loopback)" };
        var username = new Option<string?>("--username") { Description = "User of the registry's basic auth (htpasswd)" };
        var password = new Option<string?>("--password") { Description = "Password of --username" };
        var caFile = new Option<string?>("--ca-file") { Description = "PEM CA that signed the registry's certificate (default: the machine's trust store)" };
        var pad = new Option<int>("--pad-mb") { Description = "Add a file of this many MiB of random bytes (/pad): a big image to measure pulls with", DefaultValueFactory = _ => 0 };
        var command = new Command("push-busybox", "Build the busybox image from the machine's busybox-static and push it to a registry (no docker needed)");
        command.Arguments.Add(reference);
        foreach (var o in new Option[] { plainHttp, username, password, caFile, pad })
        {
            command.Options.Add(o);
        }

        command.SetAction(async (parse, ct) =>
        {
            var text = parse.GetValue(reference)!;
            if (ImageReference.Problem(text) is not null || !text.Contains('/', StringComparison.Ordinal) || text.Contains('@', StringComparison.Ordinal))
            {
                Console.Error.WriteLine($"timonel images push-busybox: \"{text}\" is not HOST[:PORT]/REPOSITORY:TAG");
                return 2;
            }

            var normalized = ImageReference.Normalize(text);
            var slash = normalized.IndexOf('/', StringComparison.Ordinal);
            var colon = normalized.LastIndexOf(':');
            var (host, repository, tag) = (normalized[..slash], normalized[(slash + 1)..colon], normalized[(colon + 1)..]);
            try
            {
                var image = ImageBuilder.Busybox(normalized);
                if (parse.GetValue(pad) is > 0 and var megabytes)
                {
                    image.AddFile("/pad", RandomNumberGenerator.GetBytes(megabytes * 1024 * 1024), 0b110_100_100);
                }

                var (config, layer) = image.BuildConfigAndLayer();
                using var http = new HttpClient(Handler(parse.GetValue(caFile))) { Timeout = TimeSpan.FromMinutes(10) };
                var pusher = new RegistryPusher(http, new Uri($"{(parse.GetValue(plainHttp) ? "http" : "https")}://{host}"), parse.GetValue(username), parse.GetValue(password));
                var digest = await pusher.PushAsync(repository, tag, config, layer, ct).ConfigureAwait(false);
                Console.WriteLine($"pushed {host}/{repository}:{tag} ({digest}, {layer.Length} bytes uncompressed)");
                return 0;
            }
            catch (Exception e) when (e is FileNotFoundException or InvalidOperationException or HttpRequestException or CryptographicException)
            {
                Console.Error.WriteLine($"timonel images push-busybox: {e.Message}");
                return 1;
            }
        });
        return command;
    }

    private static SocketsHttpHandler Handler(string? caFile)
    {
        var handler = new SocketsHttpHandler { UseProxy = false };
        if (caFile is not null)
        {
            var trust = new X509Certificate2Collection();
            trust.ImportFromPemFile(caFile);
            handler.SslOptions.CertificateChainPolicy = new X509ChainPolicy { TrustMode = X509ChainTrustMode.CustomRootTrust };
            handler.SslOptions.CertificateChainPolicy.CustomTrustStore.AddRange(trust);
        }

        return handler;
    }
}
