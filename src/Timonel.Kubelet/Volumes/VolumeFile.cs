namespace Timonel.Kubelet.Volumes;

/// <summary>One file of a content volume (configMap, secret, downwardAPI, projected): its bytes and permission bits.</summary>
public sealed record VolumeFile(byte[] Data, int Mode);
