using Timonel.Api.Errors;
using Timonel.Registry.Strategies;
using Xunit;
using static Timonel.Api.Tests.Strategies.StrategyHarness;

namespace Timonel.Api.Tests.Strategies;

public class NetworkingStrategyTests
{
    private readonly IngressStrategy _ingresses = new();
    private readonly NetworkPolicyStrategy _policies = new();

    [Fact]
    public void Ingress_Realistic_Valid()
    {
        Stored(_ingresses, """
            {"metadata":{"name":"web","namespace":"default"},
             "spec":{"ingressClassName":"timonel","tls":[{"hosts":["*.example.com"],"secretName":"tls"}],
               "rules":[{"host":"www.example.com","http":{"paths":[{"path":"/","pathType":"Prefix","backend":{"service":{"name":"web","port":{"number":80}}}}]}}]}}
            """);
    }

    [Fact]
    public void Ingress_BadRules_AllReported()
    {
        var (_, errors) = Create(_ingresses, """
            {"metadata":{"name":"web","namespace":"default"},
             "spec":{"rules":[{"host":"10.0.0.1","http":{"paths":[
               {"path":"api","pathType":"Exact","backend":{"service":{"name":"web","port":{}}}},
               {"path":"/","backend":{"service":{"name":"web","port":{"name":"http"}},"resource":{"kind":"Bucket","name":"b"}}}]}}]}}
            """);
        HasError(errors, FieldErrorType.Invalid, "spec.rules[0].host", "must be a DNS name, not an IP address");
        HasError(errors, FieldErrorType.Invalid, "spec.rules[0].http.paths[0].path", "must be an absolute path");
        HasError(errors, FieldErrorType.Invalid, "spec.rules[0].http.paths[0].backend.service.port", "port name or number is required");
        HasError(errors, FieldErrorType.Required, "spec.rules[0].http.paths[1].pathType");
        HasError(errors, FieldErrorType.Invalid, "spec.rules[0].http.paths[1].backend", "cannot set both resource and service backends");
    }

    [Fact]
    public void Ingress_NoRulesNoDefault_Invalid()
    {
        var (_, errors) = Create(_ingresses, """{"metadata":{"name":"web","namespace":"default"},"spec":{}}""");
        HasError(errors, FieldErrorType.Invalid, "spec.rules", "either `defaultBackend` or `rules` must be specified");
    }

    [Fact]
    public void IngressClass_ControllerRequiredAndImmutable()
    {
        var strategy = new IngressClassStrategy();
        var (_, missing) = Create(strategy, """{"metadata":{"name":"nginx"},"spec":{}}""");
        HasError(missing, FieldErrorType.Required, "spec.controller");
        var old = Stored(strategy, """{"metadata":{"name":"nginx"},"spec":{"controller":"k8s.io/ingress-nginx"}}""");
        var (_, errors) = Update(strategy, old, c => c["spec"]!["controller"] = "timonel.dev/ingress");
        HasError(errors, FieldErrorType.Invalid, "spec.controller", "field is immutable");
    }

    [Fact]
    public void NetworkPolicy_EgressRules_PolicyTypesDefaulted()
    {
        var np = Stored(_policies, """
            {"metadata":{"name":"db","namespace":"default"},
             "spec":{"podSelector":{"matchLabels":{"app":"db"}},
               "ingress":[{"from":[{"podSelector":{"matchLabels":{"app":"web"}}}],"ports":[{"port":5432}]}],
               "egress":[{"to":[{"ipBlock":{"cidr":"10.0.0.0/8","except":["10.1.0.0/16"]}}]}]}}
            """);
        Assert.Equal("Ingress", (string?)np["spec"]!["policyTypes"]![0]);
        Assert.Equal("Egress", (string?)np["spec"]!["policyTypes"]![1]);
        Assert.Equal("TCP", (string?)np["spec"]!["ingress"]![0]!["ports"]![0]!["protocol"]);
    }

    [Fact]
    public void NetworkPolicy_BadCidrAndType_Invalid()
    {
        var (_, errors) = Create(_policies, """
            {"metadata":{"name":"x","namespace":"default"},
             "spec":{"policyTypes":["Sideways"],"ingress":[{"from":[{"ipBlock":{"cidr":"10.0.0.0/33"},"podSelector":{}}]}]}}
            """);
        HasError(errors, FieldErrorType.NotSupported, "spec.policyTypes[0]");
        HasError(errors, FieldErrorType.Invalid, "spec.ingress[0].from[0].ipBlock.cidr", "must be a valid CIDR value");
        HasError(errors, FieldErrorType.Forbidden, "spec.ingress[0].from[0]", "may not specify both ipBlock and another peer");
    }
}
