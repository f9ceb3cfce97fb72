using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Timonel.Cli.Bench.Fuzz;

/// <summary>
/// Makes the requests of a campaign, one family at a time: mutated creates (JSON, YAML,
/// protobuf), updates, the three patch types, hostile query strings, odd headers and paths.
/// The families follow what earlier fuzzing found fragile; each mixes valid and broken input so
/// that the server's deeper layers are reached too.
/// </summary>
internal sealed class RequestGenerator(Random random)
{
    private static readonly string[] Families = ["json-create", "yaml-create", "protobuf", "update", "json-patch", "merge-patch", "strategic-merge-patch", "query", "headers", "path"];
    private static readonly string[] PatchOps = ["add", "remove", "replace", "move", "copy", "test", "bogus", ""];
    private static readonly string[] Pointers = ["", "/", "/metadata", "/metadata/labels", "/metadata/labels/x", "/metadata/annotations/m", "/metadata/name", "/metadata/resourceVersion", "/data", "/data/a", "/spec", "/spec/ports/0/targetPort", "/spec/template/spec/containers/0", "/spec/template/spec/containers/-", "/spec/replicas", "/a~1b", "/a~2", "/-", "/0", "/metadata/finalizers/0"];
    private static readonly string[] QueryKeys = ["labelSelector", "fieldSelector", "resourceVersion", "resourceVersionMatch", "limit", "continue", "watch", "timeoutSeconds", "allowWatchBookmarks", "sendInitialEvents", "fieldValidation", "dryRun", "propagationPolicy", "gracePeriodSeconds", "pretty", "fieldManager"];
    private static readonly string[] Accepts = ["application/json", "application/yaml", "application/vnd.kubernetes.protobuf", "*/*", "foo/bar", "application/json;as=Table;v=v1;g=meta.k8s.io", "application/json;as=Bogus;v=v1;g=meta.k8s.io", "application/json;as=Table;v=v1;g=meta.k8s.io,application/json", "application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io", "text/html, application/*;q=0.1", "", "application/json;stream=watch"];
    private static readonly string[] ContentTypes = ["application/json", "application/yaml", "application/vnd.kubernetes.protobuf", "application/merge-patch+json", "application/json-patch+json", "application/strategic-merge-patch+json", "application/apply-patch+yaml", "text/plain", "", "application/json; charset=utf-16", "multipart/form-data; boundary=x"];
    private static readonly string[] Authorizations = ["Bearer", "Bearer ", "Bearer  x", "bearer invalid.token.here", "Basic YWRtaW46YWRtaW4=", "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.", "Negotiate x"];
    private static readonly JsonWriterOptions DeepWriter = new() { MaxDepth = 4096, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly Mutator _mutate = new(random);
    private int _names;

    public FuzzRequest Next()
    {
        var family = Families[random.Next(Families.Length)];
        return family switch
        {
            "json-create" => JsonCreate(family),
            "yaml-create" => YamlCreate(family),
            "protobuf" => Protobuf(family),
            "update" => Update(family),
            "json-patch" => JsonPatch(family),
            "merge-patch" => MergePatch(family),
            "strategic-merge-patch" => StrategicMergePatch(family),
            "query" => Query(family),
            "headers" => Headers(family),
            _ => OddPath(family),
        };
    }

    private FuzzRequest JsonCreate(string family)
    {
        var seed = Pick(FuzzCorpus.Seeds);
        var obj = _mutate.MutateJson(seed.Parse());
        if (obj is JsonObject o && o["metadata"] is JsonObject meta)
        {
            meta["name"] = $"f-{Interlocked.Increment(ref _names)}";
        }

        var body = Serialize(obj);
        return new FuzzRequest
        {
            Family = family,
            Method = "POST",
            PathAndQuery = seed.Collection + RandomQuery(0.3),
            ContentType = "application/json",
            Body = random.Next(3) == 0 ? _mutate.MutateBytes(body) : body,
        };
    }

    private FuzzRequest YamlCreate(string family)
    {
        string yaml = random.Next(4) == 0 ? FuzzCorpus.AliasBomb(random.Next(2, 14), random.Next(2, 12)) : Pick(FuzzCorpus.YamlSeeds);
        var body = Encoding.UTF8.GetBytes(yaml);
        return new FuzzRequest
        {
            Family = family,
            Method = "POST",
            PathAndQuery = FuzzCorpus.Seeds[0].Collection,
            ContentType = "application/yaml",
            Body = random.Next(2) == 0 ? _mutate.MutateBytes(body) : body,
        };
    }

    private FuzzRequest Protobuf(string family)
    {
        byte[] body;
        if (random.Next(3) == 0)
        {
            // The magic, then bytes that claim lengths and field numbers at random.
            var noise = new byte[random.Next(1, 64)];
            random.NextBytes(noise);
            body = [.. "k8s\0"u8.ToArray(), .. noise];
        }
        else
        {
            body = _mutate.MutateBytes(ProtobufConfigMap($"p-{Interlocked.Increment(ref _names)}"));
        }

        return new FuzzRequest { Family = family, Method = "POST", PathAndQuery = FuzzCorpus.Seeds[0].Collection, ContentType = "application/vnd.kubernetes.protobuf", Body = body };
    }

    private FuzzRequest Update(string family)
    {
        var seed = Pick(FuzzCorpus.Seeds);
        var obj = _mutate.MutateJson(seed.Parse());
        if (obj is JsonObject o && o["metadata"] is JsonObject meta && random.Next(2) == 0)
        {
            meta["name"] = FuzzCorpus.SeedName;
            meta["resourceVersion"] = random.Next(3) switch { 0 => "0", 1 => "99999999999", _ => _mutate.OddText(12) };
        }

        return new FuzzRequest { Family = family, Method = "PUT", PathAndQuery = seed.ObjectPath(FuzzCorpus.SeedName) + RandomQuery(0.3), ContentType = "application/json", Body = Serialize(obj) };
    }

    private FuzzRequest JsonPatch(string family)
    {
        var seed = Pick(FuzzCorpus.Seeds);
        var ops = new JsonArray();
        var bomb = random.Next(5) == 0;
        for (int i = 0, n = bomb ? random.Next(10, 40) : random.Next(1, 8); i < n; i++)
        {
            var op = new JsonObject
            {
                ["op"] = bomb ? "copy" : Pick(PatchOps),
                ["path"] = bomb ? $"/metadata/annotations/m{i}" : Pick(Pointers),
            };
            if (bomb || random.Next(2) == 0)
            {
                op["from"] = bomb ? "/metadata" : Pick(Pointers);
            }

            if (!bomb && random.Next(3) != 0)
            {
                op["value"] = random.Next(2) == 0 ? _mutate.OddValue() : JsonValue.Create("v");
            }

            ops.Add(op);
        }

        var body = Serialize(ops);
        return Patch(family, seed, "application/json-patch+json", random.Next(4) == 0 ? _mutate.MutateBytes(body) : body);
    }

    private FuzzRequest MergePatch(string family)
    {
        var seed = Pick(FuzzCorpus.Seeds);
        var patch = _mutate.MutateJson(seed.Parse());
        if (patch is JsonObject o)
        {
            o.Remove("metadata");
        }

        return Patch(family, seed, "application/merge-patch+json", Serialize(patch));
    }

    private FuzzRequest StrategicMergePatch(string family)
    {
        var seed = Pick(FuzzCorpus.Seeds);
        var patch = _mutate.MutateJson(seed.Parse());
        if (patch is JsonObject o)
        {
            o.Remove("metadata");
            var directive = random.Next(6) switch
            {
                0 => new JsonObject { ["$patch"] = Pick(new[] { "replace", "delete", "merge", "bogus" }) },
                1 => new JsonObject { ["$retainKeys"] = new JsonArray("a", JsonValue.Create(1)) },
                2 => new JsonObject { ["$setElementOrder/containers"] = new JsonArray(new JsonObject { ["name"] = "web" }, new JsonObject()) },
                3 => new JsonObject { ["$deleteFromPrimitiveList/finalizers"] = new JsonArray("x") },
                4 => new JsonObject { ["containers"] = new JsonArray(new JsonObject { ["$patch"] = "delete" }) },
                _ => new JsonObject { ["$patch"] = new JsonObject() },
            };
            var containers = o.Select(p => p.Value).OfType<JsonObject>().ToList();
            var target = containers.Count > 0 ? containers[random.Next(containers.Count)] : o;
            foreach (var (key, value) in directive)
            {
                target[key] = value?.DeepClone();
            }
        }

        return Patch(family, seed, "application/strategic-merge-patch+json", Serialize(patch));
    }

    private FuzzRequest Patch(string family, FuzzCorpus.Seed seed, string contentType, byte[] body) => new()
    {
        Family = family,
        Method = "PATCH",
        PathAndQuery = seed.ObjectPath(FuzzCorpus.SeedName) + RandomQuery(0.2),
        ContentType = contentType,
        Body = body,
    };

    private FuzzRequest Query(string family)
    {
        var seed = Pick(FuzzCorpus.Seeds);
        var (method, path) = random.Next(4) switch
        {
            0 => ("DELETE", seed.Collection),
            1 => ("GET", seed.ObjectPath(FuzzCorpus.SeedName)),
            _ => ("GET", seed.Collection),
        };
        return new FuzzRequest { Family = family, Method = method, PathAndQuery = path + RandomQuery(1.0) };
    }

    private FuzzRequest Headers(string family)
    {
        var seed = Pick(FuzzCorpus.Seeds);
        var write = random.Next(2) == 0;
        return new FuzzRequest
        {
            Family = family,
            Method = write ? "POST" : "GET",
            PathAndQuery = seed.Collection,
            Accept = Pick(Accepts),
            ContentType = write ? Pick(ContentTypes) : null,
            Authorization = random.Next(3) == 0 ? Pick(Authorizations) : null,
            Body = write ? Serialize(seed.Parse()) : [],
        };
    }

    private FuzzRequest OddPath(string family)
    {
        string[] segments = ["api", "apis", "v1", "apps", "namespaces", FuzzCorpus.Namespace, "configmaps", "pods", "status", "scale", "log", "exec", "binding", "eviction", "..", "%00", "%2F", "x", "proxy", "finalize", "watch", "openapi", "v2", "v3", "version"];
        var path = "/" + string.Join('/', Enumerable.Range(0, random.Next(1, 8)).Select(_ => Pick(segments)));
        var method = Pick(new[] { "GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD" });
        return new FuzzRequest { Family = family, Method = method, PathAndQuery = path + RandomQuery(0.3), ContentType = method is "GET" or "HEAD" or "OPTIONS" ? null : "application/json", Body = method is "GET" or "HEAD" or "OPTIONS" ? [] : "{}"u8.ToArray() };
    }

    private string RandomQuery(double probability)
    {
        if (random.NextDouble() >= probability)
        {
            return "";
        }

        var pairs = Enumerable.Range(0, random.Next(1, 4)).Select(_ =>
        {
            var key = Pick(QueryKeys);
            var value = random.Next(3) switch
            {
                0 => _mutate.OddText(random.Next(2) == 0 ? 16 : 600),
                1 => random.Next(-2, 1_000_000_000).ToString(CultureInfo.InvariantCulture),
                _ => Pick(new[] { "True", "false", "0", "Exact", "NotOlderThan", "app=web", "app in ()", "app in (web)", "metadata.name=seed", "Strict", "All", "Orphan", "" }),
            };
            return $"{Uri.EscapeDataString(key)}={Uri.EscapeDataString(value)}";
        });
        return "?" + string.Join('&', pairs);
    }

    private T Pick<T>(IReadOnlyList<T> items) => items[random.Next(items.Count)];

    private static byte[] Serialize(JsonNode? node)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, DeepWriter))
        {
            if (node is null)
            {
                writer.WriteNullValue();
            }
            else
            {
                node.WriteTo(writer);
            }
        }

        return buffer.ToArray();
    }

    /// <summary>A ConfigMap in Kubernetes' protobuf envelope: magic, then runtime.Unknown{typeMeta, raw}.</summary>
    private static byte[] ProtobufConfigMap(string name)
    {
        var meta = Field(1, Encoding.UTF8.GetBytes(name));
        var entry = Field(1, "a"u8.ToArray()).Concat(Field(2, "1"u8.ToArray())).ToArray();
        var configMap = Field(1, meta).Concat(Field(2, entry)).ToArray();
        var typeMeta = Field(1, "v1"u8.ToArray()).Concat(Field(2, "ConfigMap"u8.ToArray())).ToArray();
        return [.. "k8s\0"u8.ToArray(), .. Field(1, typeMeta), .. Field(2, configMap)];
    }

    /// <summary>A length-delimited protobuf field.</summary>
    private static byte[] Field(int number, byte[] payload)
    {
        var bytes = new List<byte>();
        Varint(bytes, (ulong)((number << 3) | 2));
        Varint(bytes, (ulong)payload.Length);
        bytes.AddRange(payload);
        return [.. bytes];
    }

    private static void Varint(List<byte> bytes, ulong value)
    {
        while (value >= 0x80)
        {
            bytes.Add((byte)(value | 0x80));
            value >>= 7;
        }

        bytes.Add((byte)value);
    }
}
