using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using Herald.Core.Applinks;

namespace Herald.Cli;

/// <summary><c>herald applink create|decode</c>: CyberTracker applinks (docs/applinks.md).</summary>
public static class ApplinkCommand
{
    public static Command Create() => new("applink", "CyberTracker applinks: links (and QR codes) that install a webhook on a device.")
    {
        CreateCreate(),
        CreateDecode(),
    };

    private static Command CreateCreate()
    {
        var id = new Argument<string>("ENDPOINT_ID") { Description = "The endpoint the applink points devices at" };
        var qr = new Option<string?>("--qr") { Description = "Also write the QR code to this file: .png or .svg", HelpName = "FILE" };
        return AdminVerb.Create("create", "herald applink create", """
            Print the applink of an endpoint; with --qr, also write its QR code. Exit codes: 0 ok, 1 the
            server refused or failed the request, 2 bad usage (or the QR file cannot be written), 3 the
            server cannot be reached.

            Examples:
              herald applink create ep_…
              herald applink create ep_… --qr station.png
            """, async (run, ct) =>
        {
            var endpointId = run.Value(id)!;
            var qrFile = run.Value(qr);
            var extension = qrFile is null ? null : Path.GetExtension(qrFile).ToLowerInvariant();
            if (extension is not (null or ".png" or ".svg"))
            {
                throw CliException.Usage($"--qr {qrFile}: the file name must end in .png or .svg.");
            }
            var json = run.Json;
            using var client = run.Connect();
            var path = "v1/endpoints/" + AdminRun.Escape(endpointId) + "/applink";
            var applink = await client.RequestAsync(HttpMethod.Get, path, null, ct);
            if (qrFile is not null)
            {
                var (response, bytes) = await run.SendRawAsync(client, HttpMethod.Get, path + extension, null, null, ct);
                if (!response.IsSuccess)
                {
                    throw new CliException(ExitCodes.ServerError, response.Message());
                }
                try
                {
                    await File.WriteAllBytesAsync(qrFile, bytes, ct);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
                {
                    throw CliException.Usage($"Cannot write {qrFile}: {e.Message}");
                }
                await run.Error.WriteLineAsync($"Wrote the QR code to {qrFile}.");
            }
            await (json ? run.WriteJsonAsync(applink) : run.Out.WriteLineAsync(TablePrinter.Str(applink, "applink")));
            return ExitCodes.Ok;
        }, id, qr);
    }

    private static Command CreateDecode()
    {
        var link = new Argument<string>("LINK") { Description = "An applink: https://cybertrackerwiki.org/applink?x=…" };
        return AdminVerb.CreateLocal("decode", "herald applink decode", """
            Print the JSON an applink carries. Works locally: no server is needed. Exit codes: 0 ok,
            2 not an applink.

            Example:
              herald applink decode 'https://cybertrackerwiki.org/applink?x=ewogICJ3ZWJob29rIjogdHJ1ZSwK…'
            """, async (run, ct) =>
        {
            var text = run.Value(link)!;
            if (!Applink.TryDecodeJson(text, out var json, out var error))
            {
                throw CliException.Usage($"Not an applink: {text.Trim()} {error}.");
            }
            if (Herald.Core.Validation.JsonUtf16.FindUnpaired(System.Text.Encoding.UTF8.GetBytes(json!)) is { } unpaired)
            {
                throw CliException.Usage($"The applink carries JSON that is not Unicode text ({unpaired.Path} {unpaired.Reason}):\n{json}");
            }
            JsonNode? node;
            try
            {
                node = JsonNode.Parse(json!);
            }
            catch (JsonException e)
            {
                throw CliException.Usage($"The applink carries text that is not JSON ({e.Message}):\n{json}");
            }
            await run.WriteJsonAsync(node);
            return ExitCodes.Ok;
        }, link);
    }
}
