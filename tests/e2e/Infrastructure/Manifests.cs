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

    /// <summary>A Deployment of one sleeping busybox container pulled from a registry, with an optional pull secret and pull policy.</summary>
    public static string RegistryDeployment(string ns, string name, string image, string? pullSecret, int replicas = 1, string? pullPolicy = null) => $$"""
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: {{name}}
          namespace: {{ns}}
        spec:
          replicas: {{replicas}}
          selector:
            matchLabels:
              app: {{name}}
          template:
            metadata:
              labels:
                app: {{name}}
            spec:
              terminationGracePeriodSeconds: 1
              imagePullSecrets: [{{(pullSecret is null ? "" : "name: " + pullSecret)}}]
              containers:
              - name: app
                image: "{{image}}"
                imagePullPolicy: {{pullPolicy ?? "IfNotPresent"}}
                command: ["sleep", "3600"]
        """;
}
