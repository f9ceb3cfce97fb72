using System.Globalization;
using System.Text;
using Timonel.Cel.Values;

namespace Timonel.Cel.Tests.Conformance;

/// <summary>Runs one cel-spec SimpleTestFile: each test's expression against its expected value or error.</summary>
internal static class ConformanceRunner
{
    public sealed record Outcome(string Name, bool Passed, string Detail);

    public static List<Outcome> Run(string path)
    {
        var file = TextProto.Parse(File.ReadAllText(path));
        var outcomes = new List<Outcome>();
        foreach (var section in file.Messages("section"))
        {
            foreach (var test in section.Messages("test"))
            {
                var name = $"{section.String("name")}/{test.String("name")}";
                try
                {
                    outcomes.Add(RunOne(name, test));
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    outcomes.Add(new Outcome(name, false, "harness: " + e.Message));
                }
            }
        }
        return outcomes;
    }

    private static Outcome RunOne(string name, TextProto test)
    {
        var expr = test.String("expr")!;
        var env = new CelEnvironment();
        if (test.Scalar("disable_check") is "true")
        {
            env = env.WithoutReferenceCheck();
        }
        foreach (var decl in test.Messages("type_env"))
        {
            env = env.WithVariable(decl.String("name")!, CelType.Dyn);
        }
        var bindings = new Dictionary<string, object?>();
        foreach (var b in test.Messages("bindings"))
        {
            var v = b.Message("value")?.Message("value");
            if (v is null)
            {
                return new Outcome(name, false, "unsupported binding");
            }
            bindings[b.String("key")!] = ToValue(v);
        }
        var compiled = env.Compile(expr);
        var expectError = test.Message("eval_error") is not null;
        if (compiled.Program is null)
        {
            return new Outcome(name, expectError, "compile: " + compiled.ErrorText);
        }
        var result = compiled.Program.Evaluate(new CelActivation(bindings), 10_000_000);
        if (expectError)
        {
            return new Outcome(name, result is CelError, $"want error, got {result}");
        }
        var expected = test.Message("value") is { } ev ? ToValue(ev) : CelBool.True;
        return new Outcome(name, SameValue(expected, result), $"want {expected}, got {result}");
    }

    private static CelValue ToValue(TextProto v)
    {
        var (field, raw) = v.Fields.Single();
        var text = raw as string;
        return field switch
        {
            "int64_value" => new CelInt(long.Parse(text!, CultureInfo.InvariantCulture)),
            "uint64_value" => new CelUint(ulong.Parse(text!, CultureInfo.InvariantCulture)),
            "double_value" => new CelDouble(ParseDouble(text!)),
            "string_value" => new CelString(Encoding.UTF8.GetString((byte[])raw)),
            "bytes_value" => new CelBytes((byte[])raw),
            "bool_value" => CelBool.Of(text == "true"),
            "null_value" => CelNull.Instance,
            "type_value" => new CelTypeValue(CelType.Named.TryGetValue(Encoding.UTF8.GetString((byte[])raw), out var t) ? t : new CelType(Encoding.UTF8.GetString((byte[])raw))),
            "list_value" => new CelArrayList(((TextProto)raw).Messages("values").Select(ToValue).ToArray()),
            "map_value" => Map((TextProto)raw),
            _ => throw new NotSupportedException($"value kind {field}"),
        };
    }

    private static double ParseDouble(string s) => s.ToLowerInvariant() switch
    {
        "inf" or "infinity" => double.PositiveInfinity,
        "-inf" or "-infinity" => double.NegativeInfinity,
        "nan" => double.NaN,
        _ => double.Parse(s, NumberStyles.Float, CultureInfo.InvariantCulture),
    };

    private static CelMapValue Map(TextProto m)
    {
        var d = CelMapValue.NewDictionary();
        foreach (var e in m.Messages("entries"))
        {
            d[ToValue(e.Message("key")!)] = ToValue(e.Message("value")!);
        }
        return new CelMapValue(d);
    }

    private static bool SameValue(CelValue want, CelValue got)
    {
        if (want.GetType() != got.GetType() && !(want is CelList && got is CelList) && !(want is CelMap && got is CelMap))
        {
            return false;
        }
        switch (want, got)
        {
            case (CelDouble a, CelDouble b):
                return a.Value.Equals(b.Value);
            case (CelList a, CelList b):
                return a.Count == b.Count && Enumerable.Range(0, a.Count).All(i => SameValue(a[i], b[i]));
            case (CelMap a, CelMap b):
                return a.Count == b.Count && a.Keys.All(k => b.TryGet(k, out var bv) && a.TryGet(k, out var av) && SameValue(av, bv));
            default:
                return CelEquality.Equal(want, got) is CelBool { Value: true };
        }
    }
}
