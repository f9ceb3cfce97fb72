using System.CommandLine;
using System.Globalization;
using System.Net;

namespace Timonel.Cli.Bench;

/// <summary>
/// `timonel bench http-load` and `timonel bench http-backend`: the load client and the backend
/// the ingress benchmark runs as processes of their own (hidden: they take part in `bench proxy
/// --only ingress`). Both stop when their stdin closes.
/// </summary>
internal static class HttpLoadCommands
{
    /// <summary>What http-load prints when the warm-up is over and the measured run starts.</summary>
    public const string MeasuringLine = "measuring";

    public static Command Load()
    {
        var target = new Option<string>("--target") { Description = "address:port to connect to", Required = true };
        var host = new Option<string>("--host") { Description = "Host header", DefaultValueFactory = _ => "bench.example.test" };
        var concurrency = new Option<int>("--concurrency") { Description = "Connections, one request in flight on each", DefaultValueFactory = _ => 4 };
        var seconds = new Option<double>("--seconds") { Description = "Length of the measured run", DefaultValueFactory = _ => 5 };
        var warmup = new Option<double>("--warmup-seconds") { Description = "Unmeasured load first", DefaultValueFactory = _ => 1 };
        var command = new Command("http-load", "Closed-loop HTTP/1.1 keep-alive GETs to one address; prints \"measuring\" after the warm-up, then \"ok failed seconds p50ms p99ms cpuSeconds firstError\"") { Hidden = true };
        foreach (var o in new Option[] { target, host, concurrency, seconds, warmup })
        {
            command.Options.Add(o);
        }

        command.SetAction(async (parse, ct) =>
        {
            var s = parse.GetValue(seconds);
            var w = parse.GetValue(warmup);
            if (!IPEndPoint.TryParse(parse.GetValue(target)!, out var endPoint) || endPoint.Port == 0 || parse.GetValue(concurrency) is < 1 or > 1024
                || !double.IsFinite(s) || s is <= 0 or > 3600 || !double.IsFinite(w) || w is < 0 or > 3600)
            {
                Console.Error.WriteLine("timonel bench http-load: --target must be address:port, --concurrency 1..1024, --seconds above 0 and at most 3600, --warmup-seconds 0..3600");
                return 2;
            }

            using var stop = BenchChild.StopOnStdinClosed(ct);
            var result = await HttpLoadClient.RunAsync(endPoint, parse.GetValue(host)!, parse.GetValue(concurrency), TimeSpan.FromSeconds(w), TimeSpan.FromSeconds(s), () => Console.WriteLine(MeasuringLine), stop.Token).ConfigureAwait(false);
            Console.WriteLine(result.Format());
            return 0;
        });
        return command;
    }

    public static Command Backend()
    {
        var kind = new Option<string>("--kind") { Description = $"What each answer costs: {string.Join(", ", HttpLoadBackend.Kinds)}", DefaultValueFactory = _ => "hello" };
        var command = new Command("http-backend", "An HTTP backend on a free loopback port for the ingress benchmark; prints \"listening PORT\"") { Hidden = true };
        command.Options.Add(kind);
        command.SetAction(async (parse, ct) =>
        {
            var k = parse.GetValue(kind)!;
            if (!HttpLoadBackend.Kinds.Contains(k))
            {
                Console.Error.WriteLine($"timonel bench http-backend: --kind must be one of {string.Join(", ", HttpLoadBackend.Kinds)}");
                return 2;
            }

            using var stop = BenchChild.StopOnStdinClosed(ct);
            await HttpLoadBackend.ServeAsync(k, port => Console.WriteLine($"listening {port.ToString(CultureInfo.InvariantCulture)}"), stop.Token).ConfigureAwait(false);
            return 0;
        });
        return command;
    }
}
