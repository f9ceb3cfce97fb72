using System.Text.Json;
using System.Text.Json.Nodes;
using Timonel.Api.Errors;

namespace Timonel.Api.Serialization;

/// <summary>Parses a JSON request body within <see cref="DecodeLimits"/>; every failure is a 400.</summary>
public static class JsonBody
{
    public static JsonNode Parse(byte[] json)
    {
        try
        {
            // A repeated key would otherwise surface later as an ArgumentException (a 500); bad
            // UTF-8 in strings becomes U+FFFD first, as Go's decoder reads it.
            return JsonNode.Parse(JsonUnicode.Repair(json), documentOptions: DecodeLimits.JsonOptions)
                ?? throw ApiException.BadRequest("the request body is null: send a JSON object");
        }
        catch (JsonException e)
        {
            throw ApiException.BadRequest($"the request body is not valid JSON: {e.Message}");
        }
    }
}
