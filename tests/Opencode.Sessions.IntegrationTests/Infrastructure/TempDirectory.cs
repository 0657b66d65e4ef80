namespace Opencode.Sessions.IntegrationTests.Infrastructure;

/// <summary>A fresh directory under the system temp directory, deleted (recursively) on dispose.</summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory(string prefix = "ocs-test-")
    {
        Path = Directory.CreateTempSubdirectory(prefix).FullName;
    }

    /// <summary>Gets the absolute path.</summary>
    public string Path { get; }

    /// <summary>Creates (if needed) and returns a subdirectory.</summary>
    public string Sub(params string[] parts)
    {
        var path = System.IO.Path.Combine([Path, .. parts]);
        Directory.CreateDirectory(path);
        return path;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A process we started may still hold a file for a moment; the OS temp cleaner gets the rest.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
