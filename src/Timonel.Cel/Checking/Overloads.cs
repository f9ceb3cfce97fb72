using Timonel.Cel.Values;

namespace Timonel.Cel.Checking;

/// <summary>One signature of a function: receiver style or global, parameter types (type parameters A, B, K, V), result.</summary>
internal sealed record Overload(bool Receiver, CelType[] Params, CelType Result);

/// <summary>
/// The signatures the checker knows: cel-go's standard declarations, cross-type numeric ordering (as
/// Kubernetes enables it), and the Kubernetes and strings-extension libraries this engine implements.
/// Written as "[.]arg,arg->result", a leading '.' marking a receiver call.
/// </summary>
internal static class Overloads
{
    private static readonly string[] Ordered = ["int", "uint", "double", "string", "bytes", "bool", "timestamp", "duration"];

    private static readonly Dictionary<string, string[]> Table = new(StringComparer.Ordinal)
    {
        ["_+_"] = ["int,int->int", "uint,uint->uint", "double,double->double", "string,string->string", "bytes,bytes->bytes",
            "list(A),list(A)->list(A)", "timestamp,duration->timestamp", "duration,timestamp->timestamp", "duration,duration->duration"],
        ["_-_"] = ["int,int->int", "uint,uint->uint", "double,double->double", "timestamp,timestamp->duration",
            "timestamp,duration->timestamp", "duration,duration->duration"],
        ["_*_"] = ["int,int->int", "uint,uint->uint", "double,double->double"],
        ["_/_"] = ["int,int->int", "uint,uint->uint", "double,double->double"],
        ["_%_"] = ["int,int->int", "uint,uint->uint"],
        ["-_"] = ["int->int", "double->double", "duration->duration"],
        ["!_"] = ["bool->bool"],
        ["_&&_"] = ["bool,bool->bool"],
        ["_||_"] = ["bool,bool->bool"],
        ["_?_:_"] = ["bool,A,A->A"],
        ["@not_strictly_false"] = ["bool->bool"],
        ["_==_"] = ["A,A->bool"],
        ["_!=_"] = ["A,A->bool"],
        ["_[_]"] = ["list(A),int->A", "map(K,V),K->V"],
        ["@in"] = ["A,list(A)->bool", "K,map(K,V)->bool"],
        ["size"] = ["string->int", "bytes->int", "list(A)->int", "map(K,V)->int", ".string->int", ".bytes->int", ".list(A)->int", ".map(K,V)->int"],
        ["contains"] = [".string,string->bool"],
        ["startsWith"] = [".string,string->bool"],
        ["endsWith"] = [".string,string->bool"],
        ["matches"] = ["string,string->bool", ".string,string->bool"],
        ["int"] = ["int->int", "uint->int", "double->int", "string->int", "timestamp->int"],
        ["uint"] = ["uint->uint", "int->uint", "double->uint", "string->uint"],
        ["double"] = ["double->double", "int->double", "uint->double", "string->double"],
        ["string"] = ["string->string", "int->string", "uint->string", "double->string", "bool->string", "bytes->string",
            "timestamp->string", "duration->string"],
        ["bytes"] = ["bytes->bytes", "string->bytes"],
        ["bool"] = ["bool->bool", "string->bool"],
        ["duration"] = ["duration->duration", "string->duration"],
        ["timestamp"] = ["timestamp->timestamp", "string->timestamp", "int->timestamp"],
        ["dyn"] = ["A->dyn"],
        ["type"] = ["A->type"],
        ["isSorted"] = [".list(A)->bool"],
        ["sum"] = [".list(int)->int", ".list(uint)->uint", ".list(double)->double", ".list(duration)->duration"],
        ["min"] = [".list(A)->A"],
        ["max"] = [".list(A)->A"],
        ["indexOf"] = [".list(A),A->int", ".string,string->int", ".string,string,int->int"],
        ["lastIndexOf"] = [".list(A),A->int", ".string,string->int", ".string,string,int->int"],
        ["find"] = [".string,string->string"],
        ["findAll"] = [".string,string->list(string)", ".string,string,int->list(string)"],
        ["charAt"] = [".string,int->string"],
        ["lowerAscii"] = [".string->string"],
        ["upperAscii"] = [".string->string"],
        ["trim"] = [".string->string"],
        ["reverse"] = [".string->string"],
        ["replace"] = [".string,string,string->string", ".string,string,string,int->string"],
        ["split"] = [".string,string->list(string)", ".string,string,int->list(string)"],
        ["substring"] = [".string,int->string", ".string,int,int->string"],
        ["join"] = [".list(string)->string", ".list(string),string->string"],
    };

    private static readonly Dictionary<string, Overload[]> Parsed = Build();

    public static bool TryGet(string function, out Overload[] overloads) => Parsed.TryGetValue(function, out overloads!);

    private static Dictionary<string, Overload[]> Build()
    {
        var result = new Dictionary<string, Overload[]>(StringComparer.Ordinal);
        foreach (var (name, sigs) in Table)
        {
            result[name] = [.. sigs.Select(ParseSignature)];
        }
        foreach (var op in new[] { "_<_", "_<=_", "_>_", "_>=_" })
        {
            var sigs = Ordered.Select(t => $"{t},{t}->bool")
                .Concat(["int,uint->bool", "int,double->bool", "uint,int->bool", "uint,double->bool", "double,int->bool", "double,uint->bool"]);
            result[op] = [.. sigs.Select(ParseSignature)];
        }
        foreach (var accessor in new[] { "getFullYear", "getMonth", "getDate", "getDayOfMonth", "getDayOfWeek", "getDayOfYear" })
        {
            result[accessor] = [ParseSignature(".timestamp->int"), ParseSignature(".timestamp,string->int")];
        }
        foreach (var accessor in new[] { "getHours", "getMinutes", "getSeconds", "getMilliseconds" })
        {
            result[accessor] = [ParseSignature(".timestamp->int"), ParseSignature(".timestamp,string->int"), ParseSignature(".duration->int")];
        }
        return result;
    }

    private static Overload ParseSignature(string sig)
    {
        var receiver = sig.StartsWith('.');
        var parts = sig.TrimStart('.').Split("->");
        var args = SplitTop(parts[0]).Select(ParseType).ToArray();
        return new Overload(receiver, args, ParseType(parts[1]));
    }

    private static IEnumerable<string> SplitTop(string s)
    {
        var depth = 0;
        var start = 0;
        for (var i = 0; i < s.Length; i++)
        {
            depth += s[i] == '(' ? 1 : s[i] == ')' ? -1 : 0;
            if (s[i] == ',' && depth == 0)
            {
                yield return s[start..i];
                start = i + 1;
            }
        }
        yield return s[start..];
    }

    internal static CelType ParseType(string s)
    {
        if (s.StartsWith("list(", StringComparison.Ordinal))
        {
            return CelType.ListOf(ParseType(s[5..^1]));
        }
        if (s.StartsWith("map(", StringComparison.Ordinal))
        {
            var kv = SplitTop(s[4..^1]).ToArray();
            return CelType.MapOf(ParseType(kv[0]), ParseType(kv[1]));
        }
        return s switch
        {
            "timestamp" => CelType.Timestamp,
            "duration" => CelType.Duration,
            "dyn" => CelType.Dyn,
            "A" or "B" or "K" or "V" => CelType.Parameter(s),
            _ => CelType.Named[s],
        };
    }
}
