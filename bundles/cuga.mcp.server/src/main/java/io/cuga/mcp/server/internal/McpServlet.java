package io.cuga.mcp.server.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardServletAsyncSupported;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardServletName;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardServletPattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.cuga.api.auth.AuthenticatedCaller;
import io.cuga.api.auth.AuthenticationException;
import io.cuga.api.auth.Authenticator;
import io.cuga.api.auth.Role;
import io.cuga.api.dispatch.Approvals;
import io.cuga.api.dispatch.CallOutcome;
import io.cuga.api.dispatch.CallRequest;
import io.cuga.api.dispatch.Dispatcher;
import io.cuga.api.dispatch.ToolInfo;
import io.cuga.api.dispatch.ToolRegistry;
import io.cuga.api.store.Approval;
import io.cuga.api.tool.ToolDescriptor;
import io.modelcontextprotocol.common.McpTransportContext;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.json.jackson2.JacksonMcpJsonMapper;
import io.modelcontextprotocol.json.schema.jackson2.DefaultJsonSchemaValidator;
import io.modelcontextprotocol.server.McpServer;
import io.modelcontextprotocol.server.McpServerFeatures;
import io.modelcontextprotocol.server.McpSyncServer;
import io.modelcontextprotocol.server.McpSyncServerExchange;
import io.modelcontextprotocol.server.transport.HttpServletStreamableServerTransportProvider;
import io.modelcontextprotocol.spec.McpSchema;
import jakarta.servlet.Servlet;
import jakarta.servlet.ServletConfig;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * cuga as an MCP server at {@code /mcp}: the MCP Java SDK's streamable-HTTP transport (sessions, SSE, every protocol
 * version the SDK speaks), behind the REST API's bearer auth (the shared {@link Authenticator}; role agent at
 * least; profile from the token or {@code X-Cuga-Profile}). {@code tools/list} shows the tools visible to the
 * caller's profile; {@code tools/call} goes through the {@link Dispatcher}, so every guardrail applies. Nothing the
 * SDK or a tool throws reaches the client as a stack trace: this servlet answers such failures with a JSON-RPC
 * error.
 */
@Component(service = Servlet.class, configurationPid = McpServlet.PID)
@Designate(ocd = McpServlet.Config.class)
@HttpWhiteboardServletName(McpServlet.NAME)
@HttpWhiteboardServletPattern(McpServlet.PATH)
@HttpWhiteboardServletAsyncSupported
public final class McpServlet extends HttpServlet {

    /** The configuration PID. */
    static final String PID = "cuga.mcp.server";
    /** The whiteboard servlet name. */
    static final String NAME = "cuga.mcp.server";
    /** The endpoint. */
    static final String PATH = "/mcp";
    /** The request attribute carrying the {@link CallerContext}. */
    static final String CALLER_ATTRIBUTE = CallerContext.KEY;

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(McpServlet.class);
    private static final String BEARER_CHALLENGE = "Bearer realm=\"cuga\"";

    /** Settings of the MCP endpoint. */
    @ObjectClassDefinition(name = "cuga MCP server",
        description = "cuga as an MCP server at POST /mcp (streamable HTTP), guarded like the REST API.")
    public @interface Config {

        /** @return seconds a tools/call waits for an approval when the request names no wait */
        @AttributeDefinition(name = "Approval wait (s)",
            description = "How long a tools/call that needs approval waits for a human decision before it answers "
                + "'awaiting approval', when the request's _meta does not name io.cuga/approvalWaitSeconds. 0: "
                + "answer at once.")
        int approval_wait_seconds() default 0;

        /** @return the longest approval wait a request may ask for */
        @AttributeDefinition(name = "Longest approval wait (s)",
            description = "Upper bound of the wait a request may ask for in _meta io.cuga/approvalWaitSeconds.")
        int approval_wait_max_seconds() default 300;

        /** @return the largest request body */
        @AttributeDefinition(name = "Largest request (bytes)", description = "Larger JSON-RPC messages are refused.")
        int max_request_bytes() default 1_048_576;

        /** @return seconds between keep-alive pings of open sessions, 0 for none */
        @AttributeDefinition(name = "Keep-alive (s)",
            description = "Seconds between pings to open MCP sessions; 0 sends none.")
        int keep_alive_seconds() default 0;
    }

    private final transient Authenticator authenticator;
    private final transient AtomicReference<Dispatcher> dispatcher = new AtomicReference<>();
    private final transient AtomicReference<ToolRegistry> registry = new AtomicReference<>();
    private final transient AtomicReference<Approvals> approvals = new AtomicReference<>();
    private final transient HttpServletStreamableServerTransportProvider transport;
    private final transient McpSyncServer server;
    private final transient ObjectMapper mapper = new ObjectMapper();
    private final transient Map<String, ToolDescriptor> registered = new HashMap<>();
    private transient volatile List<ToolInfo> synced;
    private transient volatile int defaultWait;
    private transient volatile int maxWait;

    /**
     * @param authenticator the REST API's bearer auth
     * @param config the configuration
     */
    @Activate
    public McpServlet(@Reference Authenticator authenticator, Config config) {
        this.authenticator = authenticator;
        modified(config);
        McpJsonMapper json = new JacksonMcpJsonMapper(mapper);
        HttpServletStreamableServerTransportProvider.Builder builder = HttpServletStreamableServerTransportProvider
            .builder().jsonMapper(json).mcpEndpoint(PATH).maxRequestSize(Math.max(1024, config.max_request_bytes()))
            .contextExtractor(request -> {
                Object caller = request.getAttribute(CALLER_ATTRIBUTE);
                return caller == null ? McpTransportContext.EMPTY
                    : McpTransportContext.create(Map.of(CallerContext.KEY, caller));
            });
        if (config.keep_alive_seconds() > 0) {
            builder.keepAliveInterval(Duration.ofSeconds(config.keep_alive_seconds()));
        }
        transport = builder.build();
        String version = bundleVersion();
        server = McpServer.sync(transport).serverInfo("cuga", version)
            .instructions("cuga's tools under policy: every call passes the guardrails of your profile. A denied or "
                + "limited call is a tool error that names the guardrail and the reason; a call that needs approval "
                + "answers with its approval id (set _meta io.cuga/approvalWaitSeconds to wait for the decision).")
            .capabilities(McpSchema.ServerCapabilities.builder().tools(true).build()).jsonMapper(json)
            .jsonSchemaValidator(new DefaultJsonSchemaValidator(mapper)).validateToolInputs(false)
            .strictToolNameValidation(false).addToolFilter((context, tool) -> {
                Object caller = context.get(CallerContext.KEY);
                return caller instanceof CallerContext c && c.sees(tool.name());
            }).build();
        LOG.info("MCP server at {} (protocol versions {})", PATH, transport.protocolVersions());
    }

    /** @param config the new configuration (the wait bounds apply at once; transport settings at reactivation) */
    @Modified
    void modified(Config config) {
        maxWait = Math.max(0, config.approval_wait_max_seconds());
        defaultWait = Math.min(maxWait, Math.max(0, config.approval_wait_seconds()));
    }

    /** Closes every MCP session. */
    @Deactivate
    void deactivate() {
        try {
            server.closeGracefully();
        } catch (RuntimeException e) {
            LOG.debug("Closing the MCP server: {}", e.toString());
        }
    }

    /** @param service the dispatcher */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
        policyOption = ReferencePolicyOption.GREEDY)
    void bindDispatcher(Dispatcher service) {
        dispatcher.set(service);
    }

    /** @param service the dispatcher going away */
    void unbindDispatcher(Dispatcher service) {
        dispatcher.compareAndSet(service, null);
    }

    /** @param service the tool registry */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
        policyOption = ReferencePolicyOption.GREEDY)
    void bindRegistry(ToolRegistry service) {
        registry.set(service);
        synced = null;
    }

    /** @param service the registry going away */
    void unbindRegistry(ToolRegistry service) {
        registry.compareAndSet(service, null);
        synced = null;
    }

    /** @param service the approvals */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
        policyOption = ReferencePolicyOption.GREEDY)
    void bindApprovals(Approvals service) {
        approvals.set(service);
    }

    /** @param service the approvals going away */
    void unbindApprovals(Approvals service) {
        approvals.compareAndSet(service, null);
    }

    @Override
    public void init(ServletConfig config) throws ServletException {
        super.init(config);
        transport.init(config);
    }

    @Override
    public void destroy() {
        transport.destroy();
        super.destroy();
    }

    @Override
    protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String method = request.getMethod();
        if (!"POST".equals(method) && !"GET".equals(method) && !"DELETE".equals(method)) {
            response.setHeader("Allow", "GET, POST, DELETE");
            error(response, 405, "method_not_allowed", method + " is not served at " + PATH
                + "; MCP uses POST (and GET, DELETE for sessions)", Map.of(), null);
            return;
        }
        AuthenticatedCaller caller;
        try {
            caller = authenticator.authenticate(request.getHeader("Authorization"),
                request.getHeader(Authenticator.PROFILE_HEADER), request.getHeader(Authenticator.SESSION_HEADER),
                Role.AGENT);
        } catch (AuthenticationException e) {
            error(response, e.status(), e.code(), e.getMessage(), e.details(), e.challenge());
            return;
        } catch (RuntimeException e) {
            LOG.error("Authentication failed unexpectedly on {} {}", method, PATH, e);
            error(response, 500, "internal_error", "authentication failed unexpectedly; see the server log",
                Map.of(), null);
            return;
        }
        request.setAttribute(CALLER_ATTRIBUTE, new CallerContext(caller, registry.get()));
        try {
            sync();
            transport.service(request, response);
        } catch (IOException | ServletException | RuntimeException | Error e) {
            LOG.error("Unexpected error serving {} {} for {}", method, PATH, caller.principal(), e);
            if (!response.isCommitted()) {
                response.resetBuffer();
                jsonRpcError(response);
            }
        }
    }

    /**
     * Keeps the SDK's tool list equal to the registry's visible tools (of any profile; the tool filter narrows the
     * list to the caller's profile). Cheap when nothing changed: the registry hands out the same list then.
     */
    void sync() {
        ToolRegistry tools = registry.get();
        List<ToolInfo> all = tools == null ? List.of() : tools.all();
        if (all == synced) {
            return;
        }
        synchronized (registered) {
            if (all == synced) {
                return;
            }
            Map<String, ToolDescriptor> wanted = new HashMap<>();
            for (ToolInfo info : all) {
                if (info.state() == ToolInfo.State.VISIBLE && info.descriptor() != null) {
                    wanted.put(info.name(), info.descriptor());
                }
            }
            for (String name : List.copyOf(registered.keySet())) {
                ToolDescriptor now = wanted.get(name);
                if (!registered.get(name).equals(now)) {
                    remove(name);
                }
            }
            for (Map.Entry<String, ToolDescriptor> entry : wanted.entrySet()) {
                if (!registered.containsKey(entry.getKey())) {
                    try {
                        server.addTool(McpServerFeatures.SyncToolSpecification.builder()
                            .tool(Outcomes.tool(entry.getValue())).callHandler(this::call).build());
                        registered.put(entry.getKey(), entry.getValue());
                    } catch (RuntimeException e) {
                        LOG.warn("Tool '{}' cannot be offered over MCP: {}", entry.getKey(), e.toString());
                    }
                }
            }
            synced = all;
        }
    }

    private void remove(String name) {
        registered.remove(name);
        try {
            server.removeTool(name);
        } catch (RuntimeException e) {
            LOG.debug("Removing tool '{}' from the MCP server: {}", name, e.toString());
        }
    }

    /**
     * One {@code tools/call}: the same dispatch as {@code POST /api/v1/tools/{name}/invoke}.
     *
     * @param exchange the MCP exchange, its transport context holding the caller
     * @param request the call
     * @return the result, an MCP tool error for every ending but a result
     */
    McpSchema.CallToolResult call(McpSyncServerExchange exchange, McpSchema.CallToolRequest request) {
        if (!(exchange.transportContext().get(CallerContext.KEY) instanceof CallerContext context)) {
            return Outcomes.error("unauthorized", "the request carried no authenticated caller");
        }
        Dispatcher calls = dispatcher.get();
        if (calls == null) {
            return Outcomes.error("service_unavailable",
                "the dispatcher (bundle cuga.orchestrator) is not running; try again later");
        }
        AuthenticatedCaller caller = context.caller();
        String session = !caller.session().isEmpty() ? caller.session()
            : exchange.sessionId() == null ? "" : "mcp:" + exchange.sessionId();
        Map<String, Object> arguments = request.arguments() == null ? Map.of() : request.arguments();
        CallOutcome outcome = calls.dispatch(new CallRequest(request.name(), arguments, caller.principal(),
            caller.profile(), session, ""));
        if (outcome.status() == CallOutcome.Status.APPROVAL_REQUIRED
            && outcome.details().get(CallOutcome.APPROVAL_ID) instanceof String approvalId) {
            int wait = waitSeconds(request.meta());
            if (wait > 0) {
                Optional<Approval> done = awaitDecision(approvalId, wait);
                if (done.isPresent()) {
                    return Outcomes.approved(done.get());
                }
            }
        }
        return Outcomes.result(outcome);
    }

    /**
     * @param meta the request's {@code _meta}, or null
     * @return seconds to wait for an approval: the request's, bounded, else the configured default
     */
    int waitSeconds(Map<String, Object> meta) {
        Object asked = meta == null ? null : meta.get(Outcomes.META_APPROVAL_WAIT);
        if (asked instanceof Number number) {
            return (int) Math.max(0, Math.min(maxWait, number.longValue()));
        }
        if (asked instanceof String text) {
            try {
                return (int) Math.max(0, Math.min(maxWait, Long.parseLong(text.trim())));
            } catch (NumberFormatException e) {
                return defaultWait;
            }
        }
        return defaultWait;
    }

    /**
     * Polls the approval until it is decided and the call it released has ended (its outcome is recorded).
     *
     * @param id the approval
     * @param seconds how long to wait
     * @return the decided approval with its outcome, empty when the wait ran out first
     */
    private Optional<Approval> awaitDecision(String id, int seconds) {
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        long pause = 100;
        while (System.nanoTime() < deadline) {
            Approvals desk = approvals.get();
            if (desk != null) {
                try {
                    Optional<Approval> approval = desk.get(id);
                    Approval a = approval.orElse(null);
                    if (a != null && a.status().decided()
                        && (!a.outcome().isEmpty() || a.status() != Approval.Status.APPROVED)) {
                        return approval;
                    }
                } catch (RuntimeException e) {
                    LOG.debug("Reading approval {}: {}", id, e.toString());
                }
            }
            try {
                Thread.sleep(Math.min(pause, Math.max(1, (deadline - System.nanoTime()) / 1_000_000)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Optional.empty();
            }
            pause = Math.min(1000, pause * 2);
        }
        return Optional.empty();
    }

    private void error(HttpServletResponse response, int status, String code, String message,
        Map<String, Object> details, String challenge) throws IOException {
        Map<String, Object> error = new LinkedHashMap<>();
        error.put("code", code);
        error.put("message", message);
        error.put("details", details == null ? Map.of() : details);
        if (challenge != null) {
            response.setHeader("WWW-Authenticate", challenge);
        } else if (status == 401) {
            response.setHeader("WWW-Authenticate", BEARER_CHALLENGE);
        }
        write(response, status, mapper.writeValueAsBytes(Map.of("error", error)));
    }

    private void jsonRpcError(HttpServletResponse response) throws IOException {
        Map<String, Object> error = new LinkedHashMap<>();
        error.put("code", -32603);
        error.put("message", "internal error; see the server log");
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("jsonrpc", "2.0");
        body.put("id", null);
        body.put("error", error);
        write(response, 500, mapper.writeValueAsBytes(body));
    }

    private static void write(HttpServletResponse response, int status, byte[] body) throws IOException {
        response.setStatus(status);
        response.setContentType("application/json");
        response.setCharacterEncoding(StandardCharsets.UTF_8.name());
        response.setContentLength(body.length);
        response.getOutputStream().write(body);
    }

    private static String bundleVersion() {
        Package p = McpServlet.class.getPackage();
        String v = p == null ? null : p.getImplementationVersion();
        return v == null ? "1.0.0" : v;
    }
}
