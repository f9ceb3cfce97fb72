namespace Timonel.Kubelet.Runtime;

/// <summary>Where one agent's containerd keeps its files: everything under DIR/agent.</summary>
public sealed record ContainerdPaths(string AgentDir)
{
    public string Base => Path.Combine(AgentDir, "containerd");

    public string Root => Path.Combine(Base, "root");

    public string State => Path.Combine(Base, "state");

    public string Socket => Path.Combine(Base, "containerd.sock");

    public string Config => Path.Combine(Base, "config.toml");

    public string Opt => Path.Combine(Base, "opt");

    public string RuncRoot => Path.Combine(Base, "runc");

    public string Log => Path.Combine(Base, "containerd.log");

    public string CniConfDir => Path.Combine(AgentDir, "cni", "net.d");

    public string CniDataDir => Path.Combine(AgentDir, "cni", "networks");

    public string PodLogs => Path.Combine(AgentDir, "pods");

    public string ImagesDir => Path.Combine(AgentDir, "images");
}
