using System.Diagnostics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging.Abstractions;
using Timonel.ApiServer.Security;

namespace Timonel.ApiServer.Tests.Security;

/// <summary>A fresh data dir under /tmp, removed when the test ends.</summary>
internal sealed class TempDataDir : IDisposable
{
    public TempDataDir()
    {
        Path = Directory.CreateTempSubdirectory("timonel-pki-").FullName;
    }

    public string Path { get; }

    public Task<ClusterPki> LoadAsync(params string[] extraSans) =>
        ClusterPki.LoadOrCreateAsync(Path, extraSans, NullLogger.Instance, CancellationToken.None);

    public Task<ClusterPki> LoadAsync(TimeProvider time, params string[] extraSans) =>
        ClusterPki.LoadOrCreateAsync(Path, extraSans, NullLogger.Instance, time, CancellationToken.None);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a leftover temp dir is harmless.
        }
    }
}

/// <summary>A clock the test sets.</summary>
internal sealed class FakeTime(DateTimeOffset now) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = now;

    public override DateTimeOffset GetUtcNow() => Now;
}

internal static class TestCertificates
{
    /// <summary>True when <paramref name="leaf"/> chains to <paramref name="root"/> alone.</summary>
    public static bool ChainsTo(X509Certificate2 leaf, X509Certificate2 root, DateTimeOffset? at = null)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.VerificationTime = (at ?? DateTimeOffset.UtcNow).UtcDateTime;
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(root);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(leaf);
    }

    /// <summary>A client certificate with the given subject from a CA that is not the cluster's.</summary>
    public static X509Certificate2 FromForeignCa(string subject, DateTimeOffset? notAfter = null)
    {
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=timonel-client-ca", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign, true));
        using var ca = caRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
        return Issue(ca, subject, "1.3.6.1.5.5.7.3.2", notAfter ?? DateTimeOffset.UtcNow.AddDays(30));
    }

    /// <summary>A leaf signed by <paramref name="ca"/> (which must hold its private key).</summary>
    public static X509Certificate2 Issue(X509Certificate2 ca, string subject, string ekuOid, DateTimeOffset notAfter, DateTimeOffset? notBefore = null)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(ekuOid)], false));
        using var signed = request.Create(ca, notBefore ?? DateTimeOffset.UtcNow.AddMinutes(-1), notAfter, RandomNumberGenerator.GetBytes(8).Select((b, i) => i == 0 ? (byte)(b & 0x3F | 0x10) : b).ToArray());
        return signed.CopyWithPrivateKey(key);
    }
}

internal static class TestProcess
{
    /// <summary>Runs a program to completion (killed after 30 s) and returns its exit code and output.</summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string file, params string[] args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill();
            throw;
        }

        return (process.ExitCode, await stdout, await stderr);
    }
}
