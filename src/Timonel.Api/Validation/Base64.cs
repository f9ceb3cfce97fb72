namespace Timonel.Api.Validation;

/// <summary>Standard base64 as Go's encoding/json accepts for []byte fields (Secret data, ConfigMap binaryData).</summary>
public static class Base64
{
    public static bool TryDecodedLength(string text, out int length)
    {
        length = 0;
        var buffer = new byte[(text.Length * 3 / 4) + 3];
        if (!Convert.TryFromBase64String(text, buffer, out length))
        {
            return false;
        }
        return true;
    }

    public static bool TryDecode(string text, out byte[] bytes)
    {
        var buffer = new byte[(text.Length * 3 / 4) + 3];
        if (Convert.TryFromBase64String(text, buffer, out var length))
        {
            bytes = buffer[..length];
            return true;
        }
        bytes = [];
        return false;
    }
}
