namespace Timonel.Kubelet;
