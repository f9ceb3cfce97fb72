using System.Text;
using System.Text.Json.Nodes;
using Timonel.Api.Errors;
using YamlDotNet.Core;

namespace Timonel.Api.Serialization;

/// <summary>
/// Converts a YAML document to JSON the way Kubernetes' sigs.k8s.io/yaml does, within
/// <see cref="DecodeLimits"/>: anything malformed, too deep or aliased too much is a 400
/// <see cref="ApiException"/>, never another exception.
/// </summary>
public static class YamlToJson
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
    private static readonly UnicodeEncoding StrictUtf16Le = new(bigEndian: false, byteOrderMark: false, throwOnInvalidBytes: true);
    private static readonly UnicodeEncoding StrictUtf16Be = new(bigEndian: true, byteOrderMark: false, throwOnInvalidBytes: true);

    /// <summary>
    /// Converts a request body. Like go-yaml it reads UTF-8 (a byte order mark is skipped) or
    /// UTF-16 with a byte order mark, and refuses bytes that are not valid in that encoding.
    /// </summary>
    public static JsonNode? Convert(ReadOnlySpan<byte> body)
    {
        string text;
        try
        {
            text = body switch
            {
                [0xEF, 0xBB, 0xBF, ..] => StrictUtf8.GetString(body[3..]),
                [0xFF, 0xFE, ..] => StrictUtf16Le.GetString(body[2..]),
                [0xFE, 0xFF, ..] => StrictUtf16Be.GetString(body[2..]),
                _ => StrictUtf8.GetString(body),
            };
        }
        catch (DecoderFallbackException e)
        {
            throw ApiException.BadRequest($"the request body is not valid YAML: yaml: invalid byte sequence at offset {e.Index}: the body must be UTF-8 text");
        }

        return Convert(text);
    }

    /// <summary>Converts YAML text; null for an empty document.</summary>
    public static JsonNode? Convert(string yaml)
    {
        YamlGraphNode? root;
        try
        {
            root = YamlGraphReader.Read(new Parser(new StringReader(yaml.StartsWith('\uFEFF') ? yaml[1..] : yaml)));
        }
        catch (YamlException e)
        {
            throw ApiException.BadRequest($"the request body is not valid YAML: {e.Message}");
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or FormatException or OverflowException or IndexOutOfRangeException or KeyNotFoundException)
        {
            // YamlDotNet's parser is third-party code fed untrusted bytes: whatever else it
            // throws is still the body's fault. Its message would name .NET internals.
            throw ApiException.BadRequest("the request body is not valid YAML: the parser could not read it");
        }

        return root is null ? null : YamlExpansion.ToJson(root);
    }
}
