using System.Text.Json.Nodes;
using Timonel.Api.Errors;
using Timonel.Api.Validation;
using Timonel.Registry.Strategies.Validation;

namespace Timonel.Registry.Strategies;

/// <summary>EndpointSlices (discovery/v1): a known address type that never changes; ports well-formed.</summary>
public sealed class EndpointSliceStrategy() : ResourceStrategy(namespaced: true, hasStatus: false)
{
    private static readonly string[] AddressTypes = ["IPv4", "IPv6", "FQDN"];

    protected override void Validate(JsonObject obj, List<FieldError> errs)
    {
        FieldChecks.OneOf(obj, "addressType", "addressType", AddressTypes, errs, required: true);
        foreach (var (i, endpoint) in obj.Arr("endpoints").Objects())
        {
            var addresses = endpoint.Arr("addresses");
            if (addresses is null || addresses.Count == 0)
            {
                errs.Add(FieldError.Required($"endpoints[{i}].addresses", "must contain at least 1 address"));
            }
            if (obj.Str("addressType") is "IPv4" or "IPv6")
            {
                foreach (var (j, ip) in addresses.Strings())
                {
                    foreach (var msg in NameValidation.IsValidIp(ip))
                    {
                        errs.Add(FieldError.Invalid($"endpoints[{i}].addresses[{j}]", ip, msg));
                    }
                }
            }
        }
        foreach (var (i, port) in obj.Arr("ports").Objects())
        {
            FieldChecks.OneOf(port, "protocol", $"ports[{i}].protocol", ContainerValidation.Protocols, errs);
            if (port.Int("port") is { } n)
            {
                ContainerValidation.PortNumber(n, $"ports[{i}].port", errs);
            }
        }
    }

    protected override void ValidateTransition(JsonObject obj, JsonObject old, List<FieldError> errs) =>
        FieldChecks.Immutable(obj["addressType"], old["addressType"], "addressType", errs);
}
