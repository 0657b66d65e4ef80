// A job runner in a process of its own, for the integration tests that SIGKILL one: it runs one session of a scripted
// model (served by the test) and prints every progress message on stdout. It never ends on its own before the model
// says DONE; the test kills it.
//
// usage: Opencode.Sessions.JobRunnerStub <taskRoot> <processId> <opencode> <opencodeConfigJson>
//                                         [<sshHost> <sshPort> <sshUser> <identityFile> <knownHostsFile>]
using System.Globalization;
using System.Text.Json.Nodes;
using Opencode.Sessions;
using Opencode.Sessions.Hosting.Ssh;

if (args.Length is not (4 or 9))
{
    Console.Error.WriteLine("usage: <taskRoot> <processId> <opencode> <opencodeConfigJson> [<sshHost> <sshPort> <sshUser> <identityFile> <knownHostsFile>]");
    return 2;
}

var config = new OpencodeTaskConfig
{
    ConsumerInstructions = "Follow the scripted steps.",
    OpencodeConfig = JsonNode.Parse(args[3])!.AsObject(),
    OpencodeExecutable = args[2],
    InstallIfMissing = false,
    Environment = new Dictionary<string, string?> { ["OPENCODE_DISABLE_MODELS_FETCH"] = "1", ["OPENCODE_DISABLE_SHARE"] = "1" },
    SupportsResume = false,
    TaskRoot = args[0],
};

if (args.Length == 9)
{
    config = config with
    {
        TaskRoot = null,
        Ssh = new SshConfig(args[4])
        {
            Port = int.Parse(args[5], CultureInfo.InvariantCulture),
            User = args[6],
            IdentityFiles = [args[7]],
            KnownHostsFile = args[8],
            ConfigFile = "/dev/null",
            ConnectTimeout = TimeSpan.FromSeconds(5),
            KeepAliveInterval = TimeSpan.FromSeconds(2),
            RemoteTaskRoot = args[0],
        },
    };
}

var context = new ConsoleProcessContext(args[1], output: Console.Out);
try
{
    await OpencodeTaskFactory.Create(args[1], args[1], config).ExecuteAsync(context, CancellationToken.None);
    Console.WriteLine("job runner: the session ended");
    return 0;
}
catch (Exception ex)
{
    Console.WriteLine($"job runner: the session failed: {ex}");
    return 1;
}
