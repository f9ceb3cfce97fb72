using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Timonel.ApiServer.Audit;
using Timonel.Api.Errors;
using Timonel.ApiServer.Health;
using Timonel.ApiServer.Security;

namespace Timonel.ApiServer.Http;

/// <summary>
/// The one request handler: authenticate, authorize, route by path, and turn every failure
/// into a Status. A client mistake is never a 500 and no exception escapes to Kestrel.
/// </summary>
internal sealed partial class RequestPipeline(
    Authenticator authenticator,
    IAuthorizer authorizer,
    ResourceEndpoint resources,
    AuthenticationEndpoint authentication,
    ReviewEndpoint reviews,
    DiscoveryEndpoint discovery,
    RequestMetrics metrics,
    Func<CancellationToken, Task<bool>> isReady,
    IAuditSink? audit,
    AuditPolicy? auditPolicy,
    TimeProvider time,
    ILogger<RequestPipeline> logger,
    Aggregation.ApiServiceProxy? aggregator = null)
{
    /// <summary>
    /// authentication → audit → impersonation → authorization → handler (which runs mutating
    /// admission, validation, validating admission and the store write), as upstream's chain.
    /// </summary>
    public async Task InvokeAsync(HttpContext context)
    {
        var started = Stopwatch.GetTimestamp();
        var received = time.GetUtcNow();
        var path = context.Request.Path.Value ?? "/";
        // Every response carries its audit ID, audited or not, as upstream's.
        var auditId = Guid.NewGuid().ToString();
        context.Response.Headers["Audit-Id"] = auditId;
        RequestInfo? info = null;
        UserInfo? requestor = null;
        UserInfo? actingAs = null;
        RequestAttributes? attributes = null;
        var decision = "forbid";
        AuditDecision? auditing = null;
        AuditCaptureStream? responseCopy = null;
        string? panic = null;
        try
        {
            requestor = await authenticator.AuthenticateAsync(context).ConfigureAwait(false);
            if (requestor is null)
            {
                throw ApiException.Unauthorized();
            }

            if (audit is not null)
            {
                (auditing, responseCopy) = StartAudit(context, audit, auditId, requestor, path, received);
                if (auditing.Writes(AuditStages.ResponseStarted) && LongRunningRequests.Is(RequestAttributesFactory.From(requestor, context.Request.Method, path, context.Request.Query)))
                {
                    // Upstream writes it when the headers go out, so a watch is in the log while it
                    // runs, not only when it ends. The callback sees the request's state by then.
                    var (sink, auditing1, requestor1) = (audit, auditing, requestor);
                    context.Response.OnStarting(() =>
                    {
                        sink.Record(NewAuditEvent(context, auditId, attributes ?? RequestAttributesFactory.From(requestor1, context.Request.Method, path, context.Request.Query), requestor1, actingAs, received, decision, auditing1) with { Stage = AuditStages.ResponseStarted });
                        return Task.CompletedTask;
                    });
                }
            }

            var user = await Impersonation.ApplyAsync(requestor, context.Request.Headers, path, authorizer, context.RequestAborted).ConfigureAwait(false);
            actingAs = ReferenceEquals(user, requestor) ? null : user;
            RequestUser.Set(context, user);

            // Upstream authorizes before it routes: a refused request learns nothing about what exists.
            attributes = RequestAttributesFactory.From(user, context.Request.Method, path, context.Request.Query);
            var verdict = await authorizer.AuthorizeAsync(attributes, context.RequestAborted).ConfigureAwait(false);
            if (verdict.Verdict != AuthorizationVerdict.Allow)
            {
                throw Forbidden.For(attributes, verdict.Reason);
            }

            decision = "allow";

            info = RequestInfo.Parse(path);
            if (aggregator is not null && await aggregator.TryProxyAsync(context, path, user).ConfigureAwait(false))
            {
                // Served by an extension API server (its APIService names a Service).
            }
            else if (info is not null && info.Resource.Length > 0)
            {
                if (!await authentication.TryServeResourceAsync(context, info, user).ConfigureAwait(false)
                    && !await reviews.TryServeAsync(context, info, user).ConfigureAwait(false))
                {
                    await resources.HandleAsync(context, info).ConfigureAwait(false);
                }
            }
            else if (!await authentication.TryServeNonResourceAsync(context, path).ConfigureAwait(false))
            {
                await ServeNonResourceAsync(context, path).ConfigureAwait(false);
            }
        }
        catch (ApiException e)
        {
            await StatusWriter.WriteAsync(context, e).ConfigureAwait(false);
        }
        catch (BadHttpRequestException e)
        {
            // Kestrel could not read the body (a malformed chunk, a body cut short, too large,
            // too slow): the client's doing, so a Status with Kestrel's code, never a 500.
            Log.BadBody(logger, context.Request.Method, path, e.StatusCode, e.Message);
            if (!context.RequestAborted.IsCancellationRequested)
            {
                await StatusWriter.WriteAsync(context, BodyError(e)).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away.
        }
        catch (IOException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away while its body was being read.
        }
        catch (Timonel.Storage.StoreUnavailableException e) when (!context.Response.HasStarted)
        {
            // The datastore is down (etcd unreachable): clients retry a 503, never a 500.
            context.Response.Headers.RetryAfter = "1";
            await StatusWriter.WriteAsync(context, ApiException.ServiceUnavailable($"the datastore is unavailable: {e.Message}")).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            panic = e.Message;
            Log.Unhandled(logger, context.Request.Method, path, e);
            await StatusWriter.WriteAsync(context, ApiException.Internal($"an internal error occurred while serving {context.Request.Method} {path}: {e.Message}")).ConfigureAwait(false);
        }
        finally
        {
            var verb = context.Request.Method;
            if (audit is not null && requestor is not null && auditing is not null)
            {
                var stage = panic is null ? AuditStages.ResponseComplete : AuditStages.Panic;
                if (auditing.Writes(stage))
                {
                    var requestAttributes = attributes ?? RequestAttributesFactory.From(requestor, verb, path, context.Request.Query);
                    audit.Record(NewAuditEvent(context, auditId, requestAttributes, requestor, actingAs, received, decision, auditing) with
                    {
                        Stage = stage,
                        Message = panic is null ? null : $"APIServer panic'd: {panic}",
                        RequestObject = auditing.Level >= AuditLevel.Request
                            ? await AuditBodies.RequestObjectAsync(context, requestAttributes.Verb, auditing.OmitManagedFields).ConfigureAwait(false)
                            : null,
                        ResponseObject = auditing.Level >= AuditLevel.RequestResponse
                            ? AuditBodies.ResponseObject(context, responseCopy?.Captured, auditing.OmitManagedFields)
                            : null,
                    });
                }
            }

            responseCopy?.Dispose();
            metrics.Record(verb, info?.Resource ?? "", context.Response.StatusCode);
            Log.Request(logger, verb, path, context.Response.StatusCode, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
    }

    /// <summary>
    /// Decides the request's audit level (the policy sees the authenticated user, before
    /// impersonation, as upstream's audit filter runs first), writes its RequestReceived event,
    /// and arranges for the bodies the level records to be kept.
    /// </summary>
    private (AuditDecision Decision, AuditCaptureStream? ResponseCopy) StartAudit(HttpContext context, IAuditSink sink, string auditId, UserInfo requestor, string path, DateTimeOffset received)
    {
        var attributes = RequestAttributesFactory.From(requestor, context.Request.Method, path, context.Request.Query);
        var decision = auditPolicy?.Evaluate(attributes, requestor) ?? AuditDecision.NoPolicy;
        if (decision.Writes(AuditStages.RequestReceived))
        {
            sink.Record(NewAuditEvent(context, auditId, attributes, requestor, null, received, "", decision) with { Stage = AuditStages.RequestReceived });
        }

        if (decision.Level >= AuditLevel.Request && context.Request.Method is "POST" or "PUT" or "PATCH" or "DELETE")
        {
            // Kept so the body the handler reads can be read again for requestObject.
            context.Request.EnableBuffering();
        }

        AuditCaptureStream? copy = null;
        if (decision.Level >= AuditLevel.RequestResponse && attributes.Verb != "watch")
        {
            copy = new AuditCaptureStream(context.Response.Body);
            context.Response.Body = copy;
        }

        return (decision, copy);
    }

    private AuditEvent NewAuditEvent(HttpContext context, string auditId, RequestAttributes attributes, UserInfo requestor, UserInfo? actingAs, DateTimeOffset received, string decision, AuditDecision auditing) =>
        new(
            auditId,
            context.Request.Path + context.Request.QueryString,
            attributes,
            requestor,
            actingAs,
            context.Connection.RemoteIpAddress is { } ip ? [ip.ToString()] : [],
            context.Request.Headers.UserAgent.ToString(),
            context.Response.StatusCode,
            received,
            time.GetUtcNow(),
            decision)
        {
            Level = auditing.Level,
        };

    private async Task ServeNonResourceAsync(HttpContext context, string path)
    {
        if (context.Request.Method is not ("GET" or "HEAD"))
        {
            throw ApiException.MethodNotAllowed($"{context.Request.Method} is not supported on {path}");
        }

        switch (path.TrimEnd('/'))
        {
            case "/healthz" or "/livez":
                await WriteTextAsync(context, "ok").ConfigureAwait(false);
                return;
            case "/readyz":
                if (!await isReady(context.RequestAborted).ConfigureAwait(false))
                {
                    context.Response.StatusCode = 500;
                    await WriteTextAsync(context, "[-]datastore failed: not reachable\nreadyz check failed").ConfigureAwait(false);
                    return;
                }

                await WriteTextAsync(context, "ok").ConfigureAwait(false);
                return;
            case "/version":
                await ResponseBody.WriteJsonAsync(context, ServerInfo.Version(), 200).ConfigureAwait(false);
                return;
            case "/metrics":
                context.Response.ContentType = "text/plain; version=0.0.4";
                await context.Response.WriteAsync(metrics.Render(), context.RequestAborted).ConfigureAwait(false);
                return;
            case "":
                await ResponseBody.WriteJsonAsync(context, new JsonObject
                {
                    ["paths"] = new JsonArray("/api", "/api/v1", "/apis", "/healthz", "/livez", "/metrics", "/openapi/v2", "/openapi/v3", "/readyz", "/version"),
                }, 200).ConfigureAwait(false);
                return;
        }

        if (await discovery.TryServeAsync(context, path).ConfigureAwait(false))
        {
            return;
        }

        throw new ApiException(System.Net.HttpStatusCode.NotFound, "NotFound", $"the server could not find the requested resource ({path})");
    }

    /// <summary>A body Kestrel refused, as a Status: 413 too large, 408 too slow, 400 anything else.</summary>
    private static ApiException BodyError(BadHttpRequestException e) => e.StatusCode switch
    {
        StatusCodes.Status413PayloadTooLarge => new ApiException(System.Net.HttpStatusCode.RequestEntityTooLarge, "RequestEntityTooLarge", $"Request entity too large: {e.Message}"),
        StatusCodes.Status408RequestTimeout => new ApiException(System.Net.HttpStatusCode.RequestTimeout, "Timeout", $"the request body did not arrive in time: {e.Message}"),
        _ => ApiException.BadRequest($"the request body could not be read: {e.Message}"),
    };

    private static Task WriteTextAsync(HttpContext context, string text)
    {
        context.Response.ContentType = "text/plain; charset=utf-8";
        return context.Response.Body.WriteAsync(Encoding.UTF8.GetBytes(text), context.RequestAborted).AsTask();
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Error, Message = "unhandled error serving {Verb} {Path}")]
        public static partial void Unhandled(ILogger logger, string verb, string path, Exception error);

        [LoggerMessage(Level = LogLevel.Debug, Message = "{Verb} {Path}: the request body could not be read ({Code}: {Reason})")]
        public static partial void BadBody(ILogger logger, string verb, string path, int code, string reason);

        [LoggerMessage(Level = LogLevel.Debug, Message = "{Verb} {Path} {Code} {Milliseconds:F1}ms")]
        public static partial void Request(ILogger logger, string verb, string path, int code, double milliseconds);
    }
}
