using System.Net;
using Timonel.Dns.Wire;

namespace Timonel.Dns.Tests;

public sealed class DnsMessageTests
{
    [Fact]
    public void EncodeDecode_EveryRecordType_RoundTrips()
    {
        var message = new DnsMessage { Id = 0xBEEF, IsResponse = true, Authoritative = true, RecursionDesired = true, RecursionAvailable = true, Rcode = DnsRcode.NXDomain };
        message.Questions.Add(new DnsQuestion("web.default.svc.cluster.local", DnsType.A));
        message.Answers.Add(new ARecord("web.default.svc.cluster.local", 5, IPAddress.Parse("10.43.0.7")));
        message.Answers.Add(new AaaaRecord("web.default.svc.cluster.local", 5, IPAddress.Parse("fd00::7")));
        message.Answers.Add(new CnameRecord("ext.default.svc.cluster.local", 5, "example.org"));
        message.Answers.Add(new PtrRecord("7.0.43.10.in-addr.arpa", 5, "web.default.svc.cluster.local"));
        message.Answers.Add(new SrvRecord("_http._tcp.web.default.svc.cluster.local", 5, 0, 100, 80, "web.default.svc.cluster.local"));
        message.Authorities.Add(new NsRecord("cluster.local", 5, "ns.dns.cluster.local"));
        message.Authorities.Add(new SoaRecord("cluster.local", 5, "ns.dns.cluster.local", "hostmaster.cluster.local", 42, 7200, 1800, 86400, 5));
        message.Additionals.Add(new OptRecord(1232));

        var decoded = DnsMessage.Decode(message.Encode());

        Assert.Equal(0xBEEF, decoded.Id);
        Assert.True(decoded.IsResponse && decoded.Authoritative && decoded.RecursionDesired && decoded.RecursionAvailable);
        Assert.Equal(DnsRcode.NXDomain, decoded.Rcode);
        Assert.Equal(message.Questions, decoded.Questions);
        Assert.Equal(message.Answers, decoded.Answers);
        Assert.Equal(message.Authorities, decoded.Authorities);
        Assert.Equal(1232, Assert.IsType<OptRecord>(Assert.Single(decoded.Additionals)).UdpPayloadSize);
    }

    [Fact]
    public void Encode_RepeatedSuffixes_AreCompressedWithPointers()
    {
        var message = new DnsMessage { IsResponse = true };
        message.Questions.Add(new DnsQuestion("web.default.svc.cluster.local", DnsType.A));
        for (var i = 0; i < 10; i++)
        {
            message.Answers.Add(new ARecord("web.default.svc.cluster.local", 5, IPAddress.Parse($"10.42.0.{i + 1}")));
        }

        var bytes = message.Encode();

        // Header 12 + question (31 + 4) + 10 answers of pointer (2) + fixed (10) + address (4).
        Assert.Equal(12 + 35 + (10 * 16), bytes.Length);
        Assert.Equal(message.Answers, DnsMessage.Decode(bytes).Answers);
    }

    [Fact]
    public void Decode_NameCaseAndTrailingDot_PreservesCaseWithoutDot()
    {
        var query = new DnsMessage();
        query.Questions.Add(new DnsQuestion("Web.Default.SVC.cluster.local.", DnsType.A));

        Assert.Equal("Web.Default.SVC.cluster.local", DnsMessage.Decode(query.Encode()).Questions[0].Name);
    }

    [Theory]
    [InlineData(new byte[] { 0, 1, 0 })]
    [InlineData(new byte[] { 0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0 })]
    [InlineData(new byte[] { 0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 3, (byte)'w', (byte)'w' })]
    [InlineData(new byte[] { 0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xC0, 12, 0, 1, 0, 1 })]
    [InlineData(new byte[] { 0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xC0, 40, 0, 1, 0, 1 })]
    [InlineData(new byte[] { 0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0x80, 0, 0, 1, 0, 1 })]
    [InlineData(new byte[] { 0, 1, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 5, 0, 9, 1, 2, 3, 4 })]
    public void Decode_MalformedPacket_ThrowsFormatException(byte[] packet) =>
        Assert.Throws<DnsFormatException>(() => DnsMessage.Decode(packet));

    [Fact]
    public void Decode_RandomBytes_NeverThrowsAnythingButFormatException()
    {
        var random = new Random(1234);
        for (var i = 0; i < 5000; i++)
        {
            var packet = new byte[random.Next(0, 80)];
            random.NextBytes(packet);
            try
            {
                DnsMessage.Decode(packet);
            }
            catch (DnsFormatException)
            {
            }
        }
    }

    [Fact]
    public void EncodeTruncated_OverLimit_DropsRecordsAndSetsTc()
    {
        var message = new DnsMessage { Id = 7, IsResponse = true };
        message.Questions.Add(new DnsQuestion("big.default.svc.cluster.local", DnsType.A));
        for (var i = 0; i < 60; i++)
        {
            message.Answers.Add(new ARecord("big.default.svc.cluster.local", 5, IPAddress.Parse($"10.42.1.{i + 1}")));
        }

        var cut = DnsMessage.Decode(message.EncodeTruncated(512));
        var whole = DnsMessage.Decode(message.EncodeTruncated(65535));

        Assert.True(cut.Truncated);
        Assert.Empty(cut.Answers);
        Assert.Equal(message.Questions, cut.Questions);
        Assert.False(whole.Truncated);
        Assert.Equal(60, whole.Answers.Count);
    }

    [Fact]
    public void Encode_LabelLongerThan63_Throws()
    {
        var message = new DnsMessage();
        message.Questions.Add(new DnsQuestion(new string('a', 64) + ".example", DnsType.A));

        Assert.Throws<ArgumentException>(() => message.Encode());
    }

    [Fact]
    public void ResolvConf_Parse_ReadsNameserversLastSearchAndOptions()
    {
        var conf = ResolvConf.Parse("# comment\nnameserver 10.0.0.2\ndomain old.example\nsearch a.example b.example.\nnameserver 10.0.0.3\noptions ndots:2 edns0\n; other\n");

        Assert.Equal(["10.0.0.2", "10.0.0.3"], conf.Nameservers);
        Assert.Equal(["a.example", "b.example"], conf.Searches);
        Assert.Equal(["ndots:2", "edns0"], conf.Options);
    }
}
