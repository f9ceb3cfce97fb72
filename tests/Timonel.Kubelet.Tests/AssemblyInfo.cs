namespace Timonel.Kubelet.Tests;
