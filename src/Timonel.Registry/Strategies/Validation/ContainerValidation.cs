using System.Text.Json.Nodes;
using Timonel.Api.Errors;
using Timonel.Api.Validation;

namespace Timonel.Registry.Strategies.Validation;

/// <summary>One container of a pod spec: name, image, ports, env, mounts, resources, probes.</summary>
public static class ContainerValidation
{
    public static readonly string[] Protocols = ["TCP", "UDP", "SCTP"];
    private static readonly string[] PullPolicies = ["Always", "IfNotPresent", "Never"];
    private static readonly string[] MessagePolicies = ["File", "FallbackToLogsOnError"];
    private static readonly string[] EnvSources = ["fieldRef", "resourceFieldRef", "configMapKeyRef", "secretKeyRef"];
    private static readonly string[] ProbeHandlers = ["exec", "httpGet", "tcpSocket", "grpc"];

    /// <param name="kind">"containers", "initContainers" or "ephemeralContainers".</param>
    /// <param name="names">Container names seen so far in the pod (names are unique across all lists).</param>
    public static void Validate(JsonObject c, string at, string kind, ISet<string> names, ISet<string> volumes, List<FieldError> errs)
    {
        var name = c.Str("name") ?? "";
        if (name.Length == 0)
        {
            errs.Add(FieldError.Required($"{at}.name", ""));
        }
        else
        {
            foreach (var msg in NameValidation.IsDns1123Label(name))
            {
                errs.Add(FieldError.Invalid($"{at}.name", name, msg));
            }
            if (!names.Add(name))
            {
                errs.Add(FieldError.Duplicate($"{at}.name", name));
            }
        }
        var image = c.Str("image") ?? "";
        if (image.Length == 0)
        {
            errs.Add(FieldError.Required($"{at}.image", ""));
        }
        else if (image.Trim().Length != image.Length)
        {
            errs.Add(FieldError.Invalid($"{at}.image", image, "must not have leading or trailing whitespace"));
        }
        FieldChecks.OneOf(c, "imagePullPolicy", $"{at}.imagePullPolicy", PullPolicies, errs, required: true);
        FieldChecks.OneOf(c, "terminationMessagePolicy", $"{at}.terminationMessagePolicy", MessagePolicies, errs, required: true);
        if (c.Str("restartPolicy") is { Length: > 0 } restart)
        {
            if (kind != "initContainers")
            {
                errs.Add(FieldError.Forbidden($"{at}.restartPolicy", "may not be set for non-init containers"));
            }
            else if (restart != "Always")
            {
                errs.Add(FieldError.NotSupported($"{at}.restartPolicy", restart, ["Always"]));
            }
        }
        ValidatePorts(c.Arr("ports"), $"{at}.ports", errs);
        ValidateEnv(c.Arr("env"), $"{at}.env", errs);
        ValidateEnvFrom(c.Arr("envFrom"), $"{at}.envFrom", errs);
        ValidateMounts(c.Arr("volumeMounts"), $"{at}.volumeMounts", volumes, errs);
        ValidateResources(c.Obj("resources"), $"{at}.resources", errs);
        foreach (var probe in new[] { "livenessProbe", "readinessProbe", "startupProbe" })
        {
            if (c.Obj(probe) is { } p)
            {
                ValidateProbe(p, $"{at}.{probe}", probe != "readinessProbe", errs);
            }
        }
    }

    private static void ValidatePorts(JsonArray? ports, string path, List<FieldError> errs)
    {
        var names = new HashSet<string>();
        foreach (var (i, p) in ports.Objects())
        {
            var at = $"{path}[{i}]";
            if (p.Str("name") is { Length: > 0 } name)
            {
                foreach (var msg in NameValidation.IsValidPortName(name))
                {
                    errs.Add(FieldError.Invalid($"{at}.name", name, msg));
                }
                if (!names.Add(name))
                {
                    errs.Add(FieldError.Duplicate($"{at}.name", name));
                }
            }
            var containerPort = p.Int("containerPort") ?? 0;
            if (containerPort == 0)
            {
                errs.Add(FieldError.Required($"{at}.containerPort", ""));
            }
            else
            {
                PortNumber(containerPort, $"{at}.containerPort", errs);
            }
            if (p.Int("hostPort") is { } hostPort && hostPort != 0)
            {
                PortNumber(hostPort, $"{at}.hostPort", errs);
            }
            FieldChecks.OneOf(p, "protocol", $"{at}.protocol", Protocols, errs, required: true);
        }
    }

    public static void PortNumber(long port, string path, List<FieldError> errs)
    {
        foreach (var msg in NameValidation.IsValidPortNum(port))
        {
            errs.Add(FieldError.Invalid(path, port, msg));
        }
    }

    /// <summary>A port given by number or by IANA name (probes, targetPort).</summary>
    public static void NumberOrName(JsonNode? port, string path, List<FieldError> errs)
    {
        if (JsonAccess.AsLong(port) is { } n)
        {
            PortNumber(n, path, errs);
        }
        else if (JsonAccess.AsString(port) is { } s)
        {
            foreach (var msg in NameValidation.IsValidPortName(s))
            {
                errs.Add(FieldError.Invalid(path, s, msg));
            }
        }
        else
        {
            errs.Add(FieldError.Required(path, ""));
        }
    }

    private static void ValidateEnv(JsonArray? env, string path, List<FieldError> errs)
    {
        foreach (var (i, e) in env.Objects())
        {
            var at = $"{path}[{i}]";
            var name = e.Str("name") ?? "";
            if (name.Length == 0)
            {
                errs.Add(FieldError.Required($"{at}.name", ""));
            }
            else
            {
                foreach (var msg in NameValidation.IsEnvVarName(name))
                {
                    errs.Add(FieldError.Invalid($"{at}.name", name, msg));
                }
            }
            if (e.Obj("valueFrom") is not { } from)
            {
                continue;
            }
            var sources = EnvSources.Where(from.Has).ToList();
            if (!string.IsNullOrEmpty(e.Str("value")))
            {
                errs.Add(FieldError.Invalid($"{at}.valueFrom", "", "may not be specified when `value` is not empty"));
            }
            if (sources.Count == 0)
            {
                errs.Add(FieldError.Invalid($"{at}.valueFrom", "", "must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`"));
            }
            else if (sources.Count > 1)
            {
                errs.Add(FieldError.Invalid($"{at}.valueFrom", "", "may not have more than one field specified at a time"));
            }
            foreach (var keyRef in new[] { "configMapKeyRef", "secretKeyRef" })
            {
                if (from.Obj(keyRef) is { } r)
                {
                    var key = r.Str("key") ?? "";
                    if (key.Length == 0)
                    {
                        errs.Add(FieldError.Required($"{at}.valueFrom.{keyRef}.key", ""));
                    }
                    else
                    {
                        foreach (var msg in NameValidation.IsConfigMapKey(key))
                        {
                            errs.Add(FieldError.Invalid($"{at}.valueFrom.{keyRef}.key", key, msg));
                        }
                    }
                    if (string.IsNullOrEmpty(r.Str("name")))
                    {
                        errs.Add(FieldError.Required($"{at}.valueFrom.{keyRef}.name", ""));
                    }
                }
            }
            if (from.Obj("fieldRef") is { } fieldRef && string.IsNullOrEmpty(fieldRef.Str("fieldPath")))
            {
                errs.Add(FieldError.Required($"{at}.valueFrom.fieldRef.fieldPath", ""));
            }
            if (from.Obj("resourceFieldRef") is { } resRef && string.IsNullOrEmpty(resRef.Str("resource")))
            {
                errs.Add(FieldError.Required($"{at}.valueFrom.resourceFieldRef.resource", ""));
            }
        }
    }

    private static void ValidateEnvFrom(JsonArray? envFrom, string path, List<FieldError> errs)
    {
        foreach (var (i, e) in envFrom.Objects())
        {
            var at = $"{path}[{i}]";
            if (e.Str("prefix") is { Length: > 0 } prefix)
            {
                foreach (var msg in NameValidation.IsEnvVarName(prefix))
                {
                    errs.Add(FieldError.Invalid($"{at}.prefix", prefix, msg));
                }
            }
            var refs = new[] { "configMapRef", "secretRef" }.Where(e.Has).ToList();
            if (refs.Count == 0)
            {
                errs.Add(FieldError.Invalid(at, "", "must specify one of: `configMapRef` or `secretRef`"));
            }
            else if (refs.Count > 1)
            {
                errs.Add(FieldError.Invalid(at, "", "may not have more than one field specified at a time"));
            }
            foreach (var r in refs)
            {
                if (string.IsNullOrEmpty(e.Obj(r).Str("name")))
                {
                    errs.Add(FieldError.Required($"{at}.{r}.name", ""));
                }
            }
        }
    }

    private static void ValidateMounts(JsonArray? mounts, string path, ISet<string> volumes, List<FieldError> errs)
    {
        var paths = new HashSet<string>();
        foreach (var (i, m) in mounts.Objects())
        {
            var at = $"{path}[{i}]";
            var name = m.Str("name") ?? "";
            if (name.Length == 0)
            {
                errs.Add(FieldError.Required($"{at}.name", ""));
            }
            else if (!volumes.Contains(name))
            {
                errs.Add(FieldErrors.NotFound($"{at}.name", name));
            }
            var mountPath = m.Str("mountPath") ?? "";
            if (mountPath.Length == 0)
            {
                errs.Add(FieldError.Required($"{at}.mountPath", ""));
            }
            else if (!paths.Add(mountPath))
            {
                errs.Add(FieldError.Invalid($"{at}.mountPath", mountPath, "must be unique"));
            }
            VolumeValidation.ValidateRelativePath(m.Str("subPath"), $"{at}.subPath", errs);
            FieldChecks.OneOf(m, "mountPropagation", $"{at}.mountPropagation", ["None", "HostToContainer", "Bidirectional"], errs);
        }
    }

    public static void ValidateResources(JsonObject? resources, string path, List<FieldError> errs)
    {
        var limits = FieldChecks.Quantities(resources.Obj("limits"), $"{path}.limits", errs);
        var requests = FieldChecks.Quantities(resources.Obj("requests"), $"{path}.requests", errs);
        foreach (var (name, request) in requests)
        {
            if (limits.TryGetValue(name, out var limit) && request > limit)
            {
                var requestText = JsonAccess.Scalar(resources.Obj("requests")?[name]) ?? "";
                var limitText = JsonAccess.Scalar(resources.Obj("limits")?[name]) ?? "";
                errs.Add(FieldError.Invalid($"{path}.requests", requestText, $"must be less than or equal to {name} limit of {limitText}"));
            }
        }
    }

    private static void ValidateProbe(JsonObject probe, string at, bool successMustBeOne, List<FieldError> errs)
    {
        var handlers = ProbeHandlers.Where(probe.Has).ToList();
        if (handlers.Count == 0)
        {
            errs.Add(FieldError.Required(at, "must specify a handler type"));
        }
        foreach (var extra in handlers.Skip(1))
        {
            errs.Add(FieldError.Forbidden($"{at}.{extra}", "may not specify more than 1 handler type"));
        }
        foreach (var key in new[] { "initialDelaySeconds", "timeoutSeconds", "periodSeconds", "successThreshold", "failureThreshold" })
        {
            FieldChecks.NonNegative(probe, key, $"{at}.{key}", errs);
        }
        if (successMustBeOne && probe.Int("successThreshold") is { } success && success != 1)
        {
            errs.Add(FieldError.Invalid($"{at}.successThreshold", success, "must be 1"));
        }
        if (probe.Obj("httpGet") is { } httpGet)
        {
            NumberOrName(httpGet["port"], $"{at}.httpGet.port", errs);
            FieldChecks.OneOf(httpGet, "scheme", $"{at}.httpGet.scheme", ["HTTP", "HTTPS"], errs);
        }
        if (probe.Obj("tcpSocket") is { } tcp)
        {
            NumberOrName(tcp["port"], $"{at}.tcpSocket.port", errs);
        }
        if (probe.Obj("grpc") is { } grpc)
        {
            PortNumber(grpc.Int("port") ?? 0, $"{at}.grpc.port", errs);
        }
        if (probe.Obj("exec") is { } exec && (exec.Arr("command")?.Count ?? 0) == 0)
        {
            errs.Add(FieldError.Required($"{at}.exec.command", ""));
        }
    }
}
