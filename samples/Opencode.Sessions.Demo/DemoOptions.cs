/// <summary>Command-line options of the demo.</summary>
internal sealed record DemoOptions(string? Model, bool InstallOnly, bool Verbose)
{
    public static DemoOptions? Parse(string[] args)
    {
        string? model = null;
        bool installOnly = false, verbose = false;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--model" when i + 1 < args.Length:
                    model = args[++i];
                    break;
                case "--install-only":
                    installOnly = true;
                    break;
                case "--verbose":
                    verbose = true;
                    break;
                default:
                    return null;
            }
        }

        return new DemoOptions(model, installOnly, verbose);
    }
}
