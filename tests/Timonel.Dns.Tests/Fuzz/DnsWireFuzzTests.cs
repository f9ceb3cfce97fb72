using System.Net;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Timonel.Dns.Cluster;
using Timonel.Dns.Server;
using Timonel.Dns.Wire;

namespace Timonel.Dns.Tests.Fuzz;

/// <summary>
/// Mutation fuzzing of the DNS wire reader and the query handler (what every pod can send to
/// the cluster DNS): mutated valid packets decode or fail with <see cref="DnsFormatException"/>,
/// and the handler always answers within the size limit or stays silent, never throwing.
/// Seeded, so a failure names the case that reproduces it.
/// </summary>
public sealed class DnsWireFuzzTests
{
    private const int Cases = 20_000;

    [Fact]
    public void Decode_MutatedPackets_DecodeOrFormatError()
    {
        var random = new Random(20261206);
        var seeds = Seeds();
        var decoded = 0;
        for (var i = 0; i < Cases; i++)
        {
            var packet = Mutate(random, seeds[random.Next(seeds.Count)]);
            try
            {
                DnsMessage.Decode(packet);
                decoded++;
            }
            catch (DnsFormatException)
            {
            }
            catch (Exception e)
            {
                Assert.Fail($"case {i}: {e.GetType().Name}: {e.Message}\npacket {Convert.ToHexString(packet)}");
            }
        }

        // Both outcomes must be reached, else the mutations are too weak (or too strong) to test anything.
        Assert.InRange(decoded, Cases / 20, Cases - (Cases / 20));
    }

    [Fact]
    public async Task HandleAsync_MutatedQueries_AnswerWithinLimitOrSilence()
    {
        var random = new Random(7);
        var handler = new DnsQueryHandler(new ClusterZone(new EmptyDirectory(), new ClusterDnsOptions()), new UpstreamForwarder([]), NullLogger.Instance);
        var seeds = Seeds();
        var answered = 0;
        for (var i = 0; i < Cases / 4; i++)
        {
            var packet = Mutate(random, seeds[random.Next(seeds.Count)]);
            var overTcp = random.Next(2) == 0;
            byte[]? response;
            try
            {
                response = await handler.HandleAsync(packet, overTcp, CancellationToken.None);
            }
            catch (Exception e)
            {
                Assert.Fail($"case {i}: {e.GetType().Name}: {e.Message}\npacket {Convert.ToHexString(packet)}");
                return;
            }

            if (response is not null)
            {
                answered++;
                Assert.True(response.Length <= (overTcp ? ushort.MaxValue : DnsQueryHandler.MaxUdpPayload), $"case {i}: {response.Length} bytes");
                Assert.Equal(packet[0], response[0]);
                Assert.Equal(packet[1], response[1]);
            }
        }

        Assert.True(answered > 0, "no mutated query was answered: the seeds are not reaching the handler");
    }

    [Fact]
    public void Decode_PointerLoop_FormatErrorNotHang()
    {
        // A label run that ends in a pointer back to its own start: bounded by the 255-byte name limit.
        byte[] packet = [0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 6, (byte)'a', (byte)'b', (byte)'c', (byte)'d', (byte)'e', (byte)'f', 0xC0, 12, 0, 1, 0, 1];

        var error = Assert.Throws<DnsFormatException>(() => DnsMessage.Decode(packet));

        Assert.Contains("255", error.Message, StringComparison.Ordinal);
    }

    private static List<byte[]> Seeds()
    {
        var query = new DnsMessage { Id = 0x1234, RecursionDesired = true };
        query.Questions.Add(new DnsQuestion("web.default.svc.cluster.local", DnsType.A));
        var withOpt = new DnsMessage { Id = 0x2345, RecursionDesired = true };
        withOpt.Questions.Add(new DnsQuestion("_http._tcp.web.default.svc.cluster.local", DnsType.SRV));
        withOpt.Additionals.Add(new OptRecord(4096));
        var reverse = new DnsMessage { Id = 0x3456 };
        reverse.Questions.Add(new DnsQuestion("7.0.43.10.in-addr.arpa", DnsType.PTR));
        var response = new DnsMessage { Id = 0x4567, IsResponse = true };
        response.Questions.Add(new DnsQuestion("web.default.svc.cluster.local", DnsType.A));
        response.Answers.Add(new ARecord("web.default.svc.cluster.local", 5, IPAddress.Parse("10.43.0.7")));
        response.Answers.Add(new CnameRecord("x.default.svc.cluster.local", 5, "web.default.svc.cluster.local"));
        response.Authorities.Add(new SoaRecord("cluster.local", 5, "ns.dns.cluster.local", "hostmaster.cluster.local", 1, 7200, 1800, 86400, 5));
        return [query.Encode(), withOpt.Encode(), reverse.Encode(), response.Encode()];
    }

    private static byte[] Mutate(Random random, byte[] seed)
    {
        var bytes = new List<byte>(seed);
        for (int round = 0, rounds = 1 + random.Next(3); round < rounds; round++)
        {
            var at = bytes.Count == 0 ? 0 : random.Next(bytes.Count);
            switch (random.Next(5))
            {
                case 0 when bytes.Count > 0:
                    bytes[at] = (byte)random.Next(256);
                    break;
                case 1 when bytes.Count > 0:
                    bytes.RemoveRange(at, bytes.Count - at);
                    break;
                case 2:
                    bytes.InsertRange(at, [0xC0, (byte)random.Next(256)]);
                    break;
                case 3 when bytes.Count > 4:
                    // Counts in the header (question, answer, authority, additional) set at random.
                    bytes[4 + random.Next(Math.Min(8, bytes.Count - 4))] = (byte)random.Next(256);
                    break;
                default:
                    var noise = new byte[1 + random.Next(12)];
                    random.NextBytes(noise);
                    bytes.InsertRange(at, noise);
                    break;
            }
        }

        return [.. bytes];
    }

    private sealed class EmptyDirectory : IClusterDirectory
    {
        public bool NamespaceExists(string @namespace) => @namespace == "default";

        public V1Service? GetService(string @namespace, string name) => null;

        public IReadOnlyList<V1EndpointSlice> SlicesOf(string @namespace, string service) => [];

        public IReadOnlyList<V1Service> ServicesWithClusterIp(IPAddress ip) => [];

        public IReadOnlyList<V1EndpointSlice> SlicesWithAddress(IPAddress ip) => [];

        public bool PodHasIp(string @namespace, IPAddress ip) => false;
    }
}
