namespace Timonel.E2E.Tests.Infrastructure;

/// <summary>YAML the scenarios feed to kubectl.</summary>
public static class Manifests
{
    public static string Namespace(string name) => $"""
        apiVersion: v1
        kind: Namespace
        metadata:
          name: {name}
        """;

    public static string ConfigMap(string ns, string name, string value = "1") => $"""
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: {name}
          namespace: {ns}
        data:
          key: "{value}"
        """;

    public static string Deployment(string ns, string name, int replicas = 2, string image = "nginx:1.25") => $"""
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: {name}
          namespace: {ns}
          labels:
            app: {name}
        spec:
          replicas: {replicas}
          selector:
            matchLabels:
              app: {name}
          template:
            metadata:
              labels:
                app: {name}
            spec:
              containers:
              - name: main
                image: {image}
                ports:
                - containerPort: 8080
                env:
                - name: MODE
                  value: test
        """;

    /// <summary>Deployment + Service + ConfigMap + Secret, as one multi-document file.</summary>
    public static string WebApp(string ns, int replicas = 2, string configValue = "1") => string.Join(
        "\n---\n",
        Deployment(ns, "web", replicas),
        $"""
        apiVersion: v1
        kind: Service
        metadata:
          name: web
          namespace: {ns}
        spec:
          selector:
            app: web
          ports:
          - name: http
            port: 80
            targetPort: 8080
        """,
        ConfigMap(ns, "web-config", configValue),
        $"""
        apiVersion: v1
        kind: Secret
        metadata:
          name: web-secret
          namespace: {ns}
        type: Opaque
        data:
          password: aHVudGVyMg==
        """);
}
