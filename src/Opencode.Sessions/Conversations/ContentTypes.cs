namespace Opencode.Sessions.Conversations;

/// <summary>Media types by file extension for artifacts (a small table; unknown extensions get <c>application/octet-stream</c>).</summary>
internal static class ContentTypes
{
    private static readonly Dictionary<string, string> ByExtension = new(StringComparer.OrdinalIgnoreCase)
    {
        [".txt"] = "text/plain", [".md"] = "text/markdown", [".markdown"] = "text/markdown", [".csv"] = "text/csv",
        [".html"] = "text/html", [".htm"] = "text/html", [".css"] = "text/css", [".xml"] = "application/xml",
        [".json"] = "application/json", [".yaml"] = "application/yaml", [".yml"] = "application/yaml",
        [".js"] = "text/javascript", [".ts"] = "text/x-typescript", [".py"] = "text/x-python", [".rb"] = "text/x-ruby",
        [".cs"] = "text/x-csharp", [".sh"] = "application/x-sh", [".sql"] = "application/sql",
        [".pdf"] = "application/pdf", [".zip"] = "application/zip", [".gz"] = "application/gzip",
        [".png"] = "image/png", [".jpg"] = "image/jpeg", [".jpeg"] = "image/jpeg", [".gif"] = "image/gif",
        [".svg"] = "image/svg+xml", [".webp"] = "image/webp",
        [".doc"] = "application/msword",
        [".docx"] = "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        [".xlsx"] = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        [".pptx"] = "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    };

    public static string ForFileName(string fileName) =>
        ByExtension.GetValueOrDefault(Path.GetExtension(fileName), "application/octet-stream");
}
