using Microsoft.Extensions.Logging;
using Timonel.Dns.Cluster;
using Timonel.Dns.Wire;

namespace Timonel.Dns.Server;

/// <summary>
/// Turns one query packet into one response packet: the cluster zone answers its names
/// (authoritatively, with the SOA in negative answers), everything else is forwarded. Bad input
/// gets FORMERR, NOTIMP or REFUSED; an internal failure SERVFAIL; nothing throws.
/// </summary>
public sealed partial class DnsQueryHandler(ClusterZone zone, UpstreamForwarder forwarder, ILogger logger)
{
    /// <summary>The largest UDP payload this server sends, whatever a client advertises (the DNS flag day value).</summary>
    public const int MaxUdpPayload = 1232;

    /// <summary>The response to send, or null to stay silent (a packet too short to answer, or a response).</summary>
    public async Task<byte[]?> HandleAsync(ReadOnlyMemory<byte> packet, bool overTcp, CancellationToken cancellationToken)
    {
        DnsMessage query;
        try
        {
            query = DnsMessage.Decode(packet.Span);
        }
        catch (DnsFormatException e)
        {
            LogMalformed(logger, e.Message);
            return packet.Length < 12 || (packet.Span[2] & 0x80) != 0 ? null : FormErr(packet.Span);
        }

        if (query.IsResponse)
        {
            return null;
        }

        var limit = overTcp ? ushort.MaxValue : query.Opt is { } opt ? Math.Clamp((int)opt.UdpPayloadSize, DnsMessage.ClassicUdpSize, MaxUdpPayload) : DnsMessage.ClassicUdpSize;
        DnsMessage response;
        try
        {
            if (query.Opcode != 0)
            {
                response = DnsMessage.ResponseTo(query, DnsRcode.NotImp);
            }
            else if (query.Questions.Count != 1)
            {
                response = DnsMessage.ResponseTo(query, DnsRcode.FormErr);
            }
            else if (query.Questions[0].Class != DnsClass.IN && zone.Contains(query.Questions[0].Name))
            {
                response = DnsMessage.ResponseTo(query, DnsRcode.Refused);
            }
            else if (Answer(query) is { } answered)
            {
                response = answered;
            }
            else if (forwarder.Upstreams.Count > 0 && await forwarder.ForwardAsync(query, packet, overTcp, cancellationToken).ConfigureAwait(false) is { } forwarded)
            {
                return Fit(forwarded, limit);
            }
            else
            {
                response = DnsMessage.ResponseTo(query, DnsRcode.ServFail);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e)
        {
            LogFailed(logger, query.Questions.FirstOrDefault()?.Name ?? "-", e);
            response = DnsMessage.ResponseTo(query, DnsRcode.ServFail);
        }

        if (query.Opt is not null)
        {
            response.Additionals.Add(new OptRecord(MaxUdpPayload));
        }

        try
        {
            return response.EncodeTruncated(limit);
        }
        catch (ArgumentException e)
        {
            // A record that cannot be encoded (an over-long name from an object): fail this query only.
            LogFailed(logger, query.Questions[0].Name, e);
            var failed = DnsMessage.ResponseTo(query, DnsRcode.ServFail);
            return failed.EncodeTruncated(limit);
        }
    }

    /// <summary>The cluster's answer, or null when the name is not the cluster's (forward it).</summary>
    private DnsMessage? Answer(DnsMessage query)
    {
        var question = query.Questions[0];
        ZoneAnswer? answer;
        if (zone.Contains(question.Name))
        {
            answer = zone.Answer(question);
        }
        else
        {
            answer = zone.AnswerReverse(question);
            if (answer is null)
            {
                return null;
            }
        }

        var response = DnsMessage.ResponseTo(query, answer.Rcode);
        response.Authoritative = true;
        response.Answers.AddRange(answer.Answers);
        response.Additionals.AddRange(answer.Additionals);
        if (answer.IsNegative)
        {
            response.Authorities.Add(zone.Soa);
        }

        return response;
    }

    /// <summary>An upstream answer bigger than the client takes over UDP goes back as header and question with TC set.</summary>
    private static byte[] Fit(byte[] response, int limit)
    {
        if (response.Length <= limit)
        {
            return response;
        }

        return DnsMessage.Decode(response).EncodeTruncated(limit);
    }

    private static byte[] FormErr(ReadOnlySpan<byte> packet)
    {
        var response = new DnsMessage
        {
            Id = (ushort)((packet[0] << 8) | packet[1]),
            IsResponse = true,
            Opcode = (byte)((packet[2] >> 3) & 0xF),
            RecursionDesired = (packet[2] & 0x01) != 0,
            RecursionAvailable = true,
            Rcode = DnsRcode.FormErr,
        };
        return response.Encode();
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "malformed DNS query: {Reason}")]
    private static partial void LogMalformed(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "DNS query for {Name} failed")]
    private static partial void LogFailed(ILogger logger, string name, Exception error);
}
