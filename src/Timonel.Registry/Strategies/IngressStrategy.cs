using System.Text.Json.Nodes;
using Timonel.Api.Errors;
using Timonel.Api.Validation;
using Timonel.Registry.Strategies.Validation;

namespace Timonel.Registry.Strategies;

/// <summary>Ingresses (networking/v1): rules or a default backend; hosts, paths and backends checked as ValidateIngressSpec does.</summary>
public sealed class IngressStrategy() : ResourceStrategy(namespaced: true, hasStatus: true)
{
    protected override JsonObject InitialStatus() => new() { ["loadBalancer"] = new JsonObject() };

    private static readonly string[] PathTypes = ["Exact", "Prefix", "ImplementationSpecific"];

    protected override void Validate(JsonObject obj, List<FieldError> errs)
    {
        var spec = obj.Obj("spec");
        var rules = spec.Arr("rules");
        if (spec.Obj("defaultBackend") is { } fallback)
        {
            ValidateBackend(fallback, "spec.defaultBackend", errs);
        }
        else if (rules is null || rules.Count == 0)
        {
            errs.Add(FieldError.Invalid("spec.rules", "[]", "either `defaultBackend` or `rules` must be specified"));
        }
        foreach (var (i, rule) in rules.Objects())
        {
            var at = $"spec.rules[{i}]";
            if (rule.Str("host") is { Length: > 0 } host)
            {
                Host(host, $"{at}.host", errs);
            }
            if (rule.Obj("http") is { } http)
            {
                ValidatePaths(http.Arr("paths"), $"{at}.http.paths", errs);
            }
        }
        foreach (var (i, tls) in spec.Arr("tls").Objects())
        {
            foreach (var (j, host) in tls.Arr("hosts").Strings())
            {
                Host(host, $"spec.tls[{i}].hosts[{j}]", errs);
            }
        }
        if (spec.Str("ingressClassName") is { Length: > 0 } className)
        {
            foreach (var msg in NameValidation.IsDns1123Subdomain(className))
            {
                errs.Add(FieldError.Invalid("spec.ingressClassName", className, msg));
            }
        }
    }

    private static void Host(string host, string path, List<FieldError> errs)
    {
        if (System.Net.IPAddress.TryParse(host, out _))
        {
            errs.Add(FieldError.Invalid(path, host, "must be a DNS name, not an IP address"));
            return;
        }
        foreach (var msg in NameValidation.IsWildcardDns1123Subdomain(host))
        {
            errs.Add(FieldError.Invalid(path, host, msg));
        }
    }

    private static void ValidatePaths(JsonArray? paths, string path, List<FieldError> errs)
    {
        if (paths is null || paths.Count == 0)
        {
            errs.Add(FieldError.Required(path, ""));
        }
        foreach (var (i, p) in paths.Objects())
        {
            var at = $"{path}[{i}]";
            var pathType = p.Str("pathType") ?? "";
            if (pathType.Length == 0)
            {
                errs.Add(FieldError.Required($"{at}.pathType", "pathType must be specified"));
            }
            else if (!PathTypes.Contains(pathType))
            {
                errs.Add(FieldError.NotSupported($"{at}.pathType", pathType, PathTypes));
            }
            var value = p.Str("path") ?? "";
            if (pathType is "Exact" or "Prefix")
            {
                if (!value.StartsWith('/'))
                {
                    errs.Add(FieldError.Invalid($"{at}.path", value, "must be an absolute path"));
                }
                else if (value.Contains("//", StringComparison.Ordinal))
                {
                    errs.Add(FieldError.Invalid($"{at}.path", value, "must not contain '//'"));
                }
            }
            ValidateBackend(p.Obj("backend"), $"{at}.backend", errs);
        }
    }

    private static void ValidateBackend(JsonObject? backend, string at, List<FieldError> errs)
    {
        var service = backend.Obj("service");
        var resource = backend.Obj("resource");
        if (service is not null && resource is not null)
        {
            errs.Add(FieldError.Invalid(at, JsonAccess.Compact(backend), "cannot set both resource and service backends"));
            return;
        }
        if (service is null && resource is null)
        {
            errs.Add(FieldError.Invalid(at, JsonAccess.Compact(backend), "resource or service backend is required"));
            return;
        }
        if (resource is not null)
        {
            if (string.IsNullOrEmpty(resource.Str("kind")))
            {
                errs.Add(FieldError.Required($"{at}.resource.kind", ""));
            }
            if (string.IsNullOrEmpty(resource.Str("name")))
            {
                errs.Add(FieldError.Required($"{at}.resource.name", ""));
            }
            return;
        }
        var name = service.Str("name") ?? "";
        if (name.Length == 0)
        {
            errs.Add(FieldError.Required($"{at}.service.name", ""));
        }
        foreach (var msg in name.Length == 0 ? [] : NameValidation.IsDns1035Label(name))
        {
            errs.Add(FieldError.Invalid($"{at}.service.name", name, msg));
        }
        var port = service.Obj("port");
        var portName = port.Str("name") ?? "";
        var number = port.Int("number") ?? 0;
        if (portName.Length > 0 && number != 0)
        {
            errs.Add(FieldError.Invalid($"{at}.service.port", JsonAccess.Compact(port), "cannot set both port name & port number"));
        }
        else if (portName.Length > 0)
        {
            foreach (var msg in NameValidation.IsValidPortName(portName))
            {
                errs.Add(FieldError.Invalid($"{at}.service.port.name", portName, msg));
            }
        }
        else if (number != 0)
        {
            ContainerValidation.PortNumber(number, $"{at}.service.port.number", errs);
        }
        else
        {
            errs.Add(FieldError.Invalid($"{at}.service.port", JsonAccess.Compact(port), "port name or number is required"));
        }
    }
}
