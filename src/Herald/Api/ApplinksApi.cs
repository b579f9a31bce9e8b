using System.Text;
using System.Text.Json.Nodes;
using Herald.Core.Applinks;
using Herald.Core.Model;
using Herald.Core.Validation;
using Herald.Engine.Delivery;
using Herald.Hosting;
using Herald.Storage;
using Herald.Storage.Ports;
using QRCoder;

namespace Herald.Api;

/// <summary>CyberTracker applinks of endpoints, as links and QR codes, and endpoints made from applinks (docs/applinks.md).</summary>
public static class ApplinksApi
{
    // Ten pixels a module and the four-module quiet zone the QR specification asks for: a typical
    // applink (version 7–10) comes out at 450–650 px, large enough to scan from a screen or paper.
    private const int PixelsPerModule = 10;

    // M restores about 15% of damaged modules: the usual choice for links, and it keeps the code
    // smaller than Q or H for the same text.
    private const QRCodeGenerator.ECCLevel EccLevel = QRCodeGenerator.ECCLevel.M;

    private static readonly string[] ImportFields = ["applink", "name", "secret"];

    public static void MapApplinksApi(this RouteGroupBuilder v1)
    {
        var endpoints = v1.MapGroup("/endpoints").WithTags("Applinks");
        endpoints.MapGet("/{id}/applink", Get).Require(Role.Viewer).Produces<ApplinkResource>();
        endpoints.MapGet("/{id}/applink.png", (HttpContext c, string id, EndpointCatalog cat) => QrCode(c, id, cat, svg: false))
            .Require(Role.Viewer).Produces(200, contentType: "image/png");
        endpoints.MapGet("/{id}/applink.svg", (HttpContext c, string id, EndpointCatalog cat) => QrCode(c, id, cat, svg: true))
            .Require(Role.Viewer).Produces(200, contentType: "image/svg+xml");
        v1.MapPost("/applinks/import", Import).WithTags("Applinks").Require(Role.Admin)
            .Accepts<ApplinkImportRequest>("application/json").Produces<EndpointDocument>(201);
    }

    private static async Task<IResult> Get(HttpContext context, string id, EndpointCatalog catalog) =>
        await catalog.FindAsync(context.Caller().OrgId, id) is { } endpoint
            ? ApiJson.Ok(ApplinkResource.From(ApplinkOf(endpoint)))
            : Problems.NotFound("endpoint");

    private static async Task<IResult> QrCode(HttpContext context, string id, EndpointCatalog catalog, bool svg)
    {
        if (await catalog.FindAsync(context.Caller().OrgId, id) is not { } endpoint)
        {
            return Problems.NotFound("endpoint");
        }
        var link = ApplinkOf(endpoint).ToLink();
        QRCodeData data;
        try
        {
            // The link is ASCII (a URL and base64), so the generator's byte mode needs no UTF-8 flag.
            data = QRCodeGenerator.GenerateQrCode(link, EccLevel);
        }
        catch (QRCoder.Exceptions.DataTooLongException)
        {
            return Problems.Conflict(
                $"The applink of this endpoint is {link.Length} characters, too long for a QR code at error correction level M; " +
                "shorten the endpoint's url or name, or share the link from GET /v1/endpoints/{id}/applink instead.");
        }
        using (data)
        {
            if (svg)
            {
                using var renderer = new SvgQRCode(data);
                var text = renderer.GetGraphic(PixelsPerModule, "#000000", "#ffffff", drawQuietZones: true, SvgQRCode.SizingMode.ViewBoxAttribute);
                return Results.Bytes(Encoding.UTF8.GetBytes(text), "image/svg+xml");
            }
            using var png = new PngByteQRCode(data);
            return Results.Bytes(png.GetGraphic(PixelsPerModule, drawQuietZones: true), "image/png");
        }
    }

    private static Applink ApplinkOf(Endpoint endpoint) => new(endpoint.Spec.Url, endpoint.Spec.Name);

    private static async Task<IResult> Import(HttpContext context, IEndpointStore store, EndpointCatalog catalog, TargetGuard guard, HeraldOptions options, TimeProvider time)
    {
        var (body, problem) = await RequestBody.ReadObjectAsync(context, RequestBody.DefaultLimit);
        if (problem is not null)
        {
            return problem;
        }
        using (body)
        {
            var errors = new ValidationErrors();
            var r = new ObjectReader(body!.Object, "", errors, ImportFields);
            var text = r.String("applink", required: true, maxLength: Applink.MaxLength, allowEmpty: false);
            // Lengths and formats of name and secret are the endpoint's rules, checked when it is created.
            var name = r.String("name", maxLength: Applink.MaxLength);
            var secret = r.String("secret", maxLength: Applink.MaxLength);
            Applink? applink = null;
            if (text is not null && !Applink.TryDecode(text, out applink, out var error))
            {
                errors.Add("applink", error!);
            }
            if (applink is { Entity: null } && name is null)
            {
                errors.Add("name", "is required: the applink names no entity to use as the endpoint's name");
            }
            if (errors.Any || applink is null)
            {
                // One error is named in the detail too, so a client that shows only the detail is told what it is.
                return errors.Items.Count == 1 && errors.Items.First() is { Value.Count: 1 } only
                    ? Problems.Validation(only.Key, only.Value[0])
                    : Problems.Validation(errors);
            }

            var fromEntity = name is null;
            var endpoint = new JsonObject
            {
                ["name"] = name ?? applink.Entity,
                ["url"] = applink.Url,
            };
            if (secret is not null)
            {
                endpoint["signature"] = new JsonObject { ["scheme"] = "standard", ["secret"] = secret };
            }
            return await EndpointsApi.CreateEndpointAsync(context, endpoint, store, catalog, guard, options, time,
                (path, message) => path switch
                {
                    "url" => ("applink", $"describes a webhook url that Herald cannot use: url {message}"),
                    "name" when fromEntity => ("name", $"{message} (the name comes from the applink's entity; send name to choose another)"),
                    "signature.secret" => ("secret", message),
                    _ => (path, message),
                });
        }
    }
}

/// <summary>The applink of an endpoint: the link, and the JSON it carries.</summary>
public sealed record ApplinkResource(string Applink, ApplinkResource.PayloadDocument Json)
{
    public static ApplinkResource From(Applink applink) =>
        new(applink.ToLink(), new PayloadDocument(true, applink.Url, applink.Entity ?? ""));

    public sealed record PayloadDocument(bool Webhook, string Url, string Entity);
}

/// <summary>The body of POST /v1/applinks/import.</summary>
public sealed record ApplinkImportRequest(string Applink, string? Name, string? Secret);
