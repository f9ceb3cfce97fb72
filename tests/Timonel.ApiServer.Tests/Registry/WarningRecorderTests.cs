using Microsoft.AspNetCore.Http;
using Timonel.ApiServer.Registry;
using Xunit;

namespace Timonel.ApiServer.Tests.Registry;

public class WarningRecorderTests
{
    private static string Header(string text) => $"299 - \"{text}\"";

    private static string[] Sent(HeaderDictionary headers) => [.. headers["Warning"].Select(v => v ?? "")];

    [Fact]
    public void Add_SameTextTwice_SendsItOnce()
    {
        var headers = new HeaderDictionary();
        var recorder = new WarningRecorder(headers);

        recorder.Add("unknown field \"a\"");
        recorder.Add("unknown field \"a\"");
        recorder.Add("unknown field \"b\"");

        Assert.Equal([Header("unknown field \\\"a\\\""), Header("unknown field \\\"b\\\"")], Sent(headers));
        Assert.Equal(recorder.Values, Sent(headers));
    }

    [Fact]
    public void Add_QuotesBackslashesAndUnicode_QuotesAsUpstream()
    {
        var recorder = new WarningRecorder();

        recorder.Add("a \"b\" c\\d é 😀");

        Assert.Equal(Header("a \\\"b\\\" c\\\\d é 😀"), Assert.Single(recorder.Values));
    }

    [Theory]
    [InlineData("bad\u0001")]
    [InlineData("line\nbreak")]
    [InlineData("del\u007f")]
    public void Add_TextThatCannotBeAHeader_IsNotSentAndOthersAre(string text)
    {
        var recorder = new WarningRecorder();

        recorder.Add(text);
        recorder.Add("fine");

        Assert.Equal(Header("fine"), Assert.Single(recorder.Values));
    }

    [Fact]
    public void Add_LoneSurrogate_IsNotSent()
    {
        // Built in code: a lone surrogate in an attribute argument does not survive test discovery.
        var recorder = new WarningRecorder();

        recorder.Add("lone" + (char)0xD800 + "surrogate");

        Assert.Empty(recorder.Values);
    }

    [Fact]
    public void Add_EmptyText_IsIgnored()
    {
        var recorder = new WarningRecorder();

        recorder.Add("");

        Assert.Empty(recorder.Values);
    }

    [Fact]
    public void Add_PastTheTotal_ReplaysEveryTextTruncatedThenStops()
    {
        var headers = new HeaderDictionary();
        var recorder = new WarningRecorder(headers);

        recorder.Add(new string('a', 2000));
        recorder.Add(new string('b', 2000));
        Assert.Equal(2, recorder.Values.Count);
        Assert.Equal(2008, recorder.Values[0].Length);

        // The third goes over 4096: all three come again, cut to 256 characters.
        recorder.Add(new string('c', 2000));
        Assert.Equal([Header(new string('a', 256)), Header(new string('b', 256)), Header(new string('c', 256))], recorder.Values);

        // Then each new text is cut too, until 4096 characters are written: 13 more fit.
        for (var i = 0; i < 100; i++)
        {
            recorder.Add($"{i:D3}{new string('x', 300)}");
        }

        Assert.Equal(16, recorder.Values.Count);
        Assert.Equal(Header("012" + new string('x', 253)), recorder.Values[^1]);
        Assert.Equal(recorder.Values, Sent(headers));
    }

    [Fact]
    public void Add_ManyShortTexts_StopsNearTheTotal()
    {
        var recorder = new WarningRecorder();

        for (var i = 0; i < 20_000; i++)
        {
            recorder.Add($"unknown field \"metadata.f{i}\"");
        }

        // Each header is the text plus 299 - "", and a backslash before each of its two quotes.
        var total = recorder.Values.Sum(v => v.Length - 8 - 2);
        Assert.InRange(total, WarningRecorder.TotalChars, WarningRecorder.TotalChars + WarningRecorder.ItemChars);
    }
}
