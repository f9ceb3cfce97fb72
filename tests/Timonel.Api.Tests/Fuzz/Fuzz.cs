using System.Text.Json.Nodes;
using FsCheck;
using FsCheck.Fluent;
using k8s.Models;
using Timonel.Api.Errors;
using Timonel.Registry.Schema;

namespace Timonel.Api.Tests.Fuzz;

/// <summary>
/// The property every decoder keeps: for any bytes it either decodes to JSON that can be
/// written back and type-checked, or throws an <see cref="ApiException"/> with a 4xx code.
/// Inputs are random bytes and valid bodies mutated (bits flipped, cut short, spliced).
/// </summary>
internal static class Fuzz
{
    private static readonly Dictionary<string, Type> Models = new(StringComparer.Ordinal)
    {
        ["ConfigMap"] = typeof(V1ConfigMap),
        ["Deployment"] = typeof(V1Deployment),
        ["Service"] = typeof(V1Service),
        ["Pod"] = typeof(V1Pod),
    };

    /// <summary>Runs <paramref name="decode"/> on <paramref name="cases"/> generated inputs.</summary>
    public static void Check(Gen<byte[]> inputs, Func<byte[], JsonNode?> decode, int cases)
    {
        var property = Prop.ForAll(inputs.ToArbitrary(), body => DecodesOrRefuses(decode, body));
        FsCheck.Check.One(Config.QuickThrowOnFailure.WithMaxTest(cases).WithQuietOnSuccess(true), property);
    }

    /// <summary>A seed picks a valid body and applies one to four mutations to it.</summary>
    public static Gen<byte[]> Mutations(byte[][] seeds, byte[][] tokens) =>
        Gen.Choose(0, int.MaxValue).Select(seed => Mutate(seeds, tokens, seed));

    /// <summary>Random bytes, mostly drawn from <paramref name="alphabet"/>.</summary>
    public static Gen<byte[]> Noise(byte[] alphabet) =>
        Gen.Choose(0, int.MaxValue).Select(seed =>
        {
            var random = new Random(seed);
            var bytes = new byte[random.Next(0, 300)];
            for (var i = 0; i < bytes.Length; i++)
            {
                bytes[i] = random.Next(10) == 0 ? (byte)random.Next(256) : alphabet[random.Next(alphabet.Length)];
            }

            return bytes;
        });

    private static bool DecodesOrRefuses(Func<byte[], JsonNode?> decode, byte[] body)
    {
        JsonNode? json;
        try
        {
            json = decode(body);
        }
        catch (ApiException e)
        {
            return e.Code is >= 400 and < 500;
        }

        // What was decoded must be writable (no lone surrogates, no infinities) and type-checkable.
        _ = json?.ToJsonString();
        if (json is JsonObject obj)
        {
            var kind = obj["kind"] is JsonValue k && k.TryGetValue<string>(out var s) && Models.ContainsKey(s) ? s : "ConfigMap";
            try
            {
                ModelDecoder.EnsureDecodes(obj, Models[kind], kind, "v1");
                _ = ModelDecoder.UnknownFields(obj, Models[kind]);
            }
            catch (ApiException e)
            {
                return e.Code is >= 400 and < 500;
            }
        }

        return true;
    }

    private static byte[] Mutate(byte[][] seeds, byte[][] tokens, int seed)
    {
        var random = new Random(seed);
        var data = seeds[random.Next(seeds.Length)].ToList();
        for (var n = random.Next(1, 5); n > 0; n--)
        {
            var at = random.Next(data.Count + 1);
            switch (random.Next(7))
            {
                case 0 when at < data.Count:
                    data[at] ^= (byte)(1 << random.Next(8));
                    break;
                case 1 when at < data.Count:
                    data[at] = (byte)random.Next(256);
                    break;
                case 2:
                    data.RemoveRange(at, data.Count - at);
                    break;
                case 3:
                    var other = seeds[random.Next(seeds.Length)];
                    var from = random.Next(other.Length);
                    data.InsertRange(at, other.Skip(from).Take(random.Next(1, 64)));
                    break;
                case 4:
                    var start = random.Next(data.Count + 1);
                    data.InsertRange(at, data.Skip(start).Take(random.Next(1, 64)).ToList());
                    break;
                case 5:
                    data.RemoveRange(at, Math.Min(random.Next(1, 16), data.Count - at));
                    break;
                default:
                    data.InsertRange(at, tokens[random.Next(tokens.Length)]);
                    break;
            }
        }

        return [.. data];
    }
}
