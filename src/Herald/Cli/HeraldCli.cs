using System.CommandLine;

namespace Herald.Cli;

/// <summary>The <c>herald</c> command line (README, "Command line").</summary>
public static class HeraldCli
{
    public static async Task<int> RunAsync(string[] args)
    {
        var root = new RootCommand("Herald: self-hosted webhook delivery. Publish events; Herald signs, delivers, retries and logs every attempt.")
        {
            ServeCommand.Create(),
            BenchCommand.Create(),
            CatalogCommand.Create(),
            VerifyCommand.Create(),
            ListenCommand.Create(),
            EndpointCommand.Create(),
            EventCommand.Create(),
            DeliveryCommand.Create(),
            ApplinkCommand.Create(),
        };
        AdminVerb.ExtendHelp(root);
        return await root.Parse(args).InvokeAsync();
    }
}
