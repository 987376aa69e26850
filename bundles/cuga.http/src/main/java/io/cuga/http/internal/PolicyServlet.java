package io.cuga.http.internal;

import java.io.IOException;
import java.io.InputStream;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.concurrent.atomic.AtomicReference;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardServletName;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardServletPattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;

import io.cuga.api.policy.Policy;
import io.cuga.api.policy.PolicyAdmin;
import io.cuga.api.policy.PolicyException;
import jakarta.servlet.Servlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * The policy routes (admin): list, show, put, history and rollback of policy documents, over the policy loader's
 * {@link PolicyAdmin}. A document put here is validated by the loader, written to
 * {@code <cuga.config>/policies/<profile>.yaml} and activated; an invalid one answers 422 with its line and
 * column and changes nothing. Its patterns ({@code /api/v1/policies}, {@code /api/v1/policies/*}) are longer
 * than the API servlet's {@code /api/v1/*}, so the whiteboard sends these paths here. It shares configuration
 * {@value ApiServlet#PID} with the API servlet (the request body limit).
 */
@Component(service = Servlet.class, configurationPid = ApiServlet.PID)
@HttpWhiteboardServletName(PolicyServlet.NAME)
@HttpWhiteboardServletPattern({PolicyServlet.BASE, PolicyServlet.BASE + "/*"})
public final class PolicyServlet extends JsonServlet {

    /** The whiteboard servlet name (also the {@code x-cuga-servlet} of its OpenAPI operations). */
    static final String NAME = "cuga.http.policies";

    /** The base path. */
    static final String BASE = "/api/v1/policies";

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(PolicyServlet.class);

    /** The routes of this servlet; the OpenAPI document lists exactly these under {@value #NAME}. */
    enum PolicyRoute implements Endpoint {
        /** The active policies and the refused documents. */
        LIST("GET", BASE),
        /** One profile: its active policy with the effective document, and its last refusal. */
        SHOW("GET", BASE + "/{profile}"),
        /** Validate, write and activate a document. */
        PUT("PUT", BASE + "/{profile}"),
        /** The activations of a profile. */
        HISTORY("GET", BASE + "/{profile}/history"),
        /** Activate an earlier version again. */
        ROLLBACK("POST", BASE + "/{profile}/rollback");

        private final String method;
        private final String template;

        PolicyRoute(String method, String template) {
            this.method = method;
            this.template = template;
        }

        @Override
        public String method() {
            return method;
        }

        @Override
        public String template() {
            return template;
        }

        @Override
        public Role role() {
            return Role.ADMIN;
        }
    }

    private final transient TokenAuthenticator authenticator;
    private final transient AtomicReference<PolicyAdmin> policies = new AtomicReference<>();
    private volatile long maxBodyBytes;

    /**
     * @param authenticator the bearer tokens
     * @param config the API's configuration (for the body limit)
     */
    @Activate
    public PolicyServlet(@Reference TokenAuthenticator authenticator, ApiServlet.Config config) {
        this.authenticator = authenticator;
        modified(config);
    }

    /** @param config the API's configuration */
    @Modified
    void modified(ApiServlet.Config config) {
        long limit = config.max_body_bytes();
        maxBodyBytes = limit > 0 ? limit : ApiServlet.DEFAULT_MAX_BODY;
    }

    /** @param admin the policy loader */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
        policyOption = ReferencePolicyOption.GREEDY)
    void bindPolicyAdmin(PolicyAdmin admin) {
        policies.set(admin);
    }

    /** @param admin the policy loader going away */
    void unbindPolicyAdmin(PolicyAdmin admin) {
        policies.compareAndSet(admin, null);
    }

    @Override
    protected void handle(HttpServletRequest request, HttpServletResponse response, String method, String path,
        TraceContext trace) throws IOException {
        String[] segments = Router.split(path);
        PolicyRoute route = Endpoint.route(PolicyRoute.values(), method, segments);
        Identity identity = Auth.identity(authenticator, request, route.role());
        PolicyAdmin admin = policies.get();
        if (admin == null) {
            throw new ApiException(503, "unavailable", "the policy loader (bundle cuga.policy) is not available; "
                + "see GET /ready", Map.of("missing", PolicyAdmin.class.getName()));
        }
        String profile = segments.length > 3 ? profile(segments[3]) : null;
        switch (route) {
            case LIST -> list(response, admin);
            case SHOW -> show(response, admin, profile);
            case PUT -> put(request, response, admin, profile, identity);
            case HISTORY -> history(response, admin, profile);
            case ROLLBACK -> rollback(request, response, admin, profile, identity);
            default -> throw new IllegalStateException("route without a handler: " + route);
        }
    }

    // -------------------------------------------------------------------------------------------- handlers

    private static void list(HttpServletResponse response, PolicyAdmin admin) throws IOException {
        List<Map<String, Object>> active = new ArrayList<>();
        List<Map<String, Object>> refusals = new ArrayList<>();
        for (PolicyAdmin.ProfileState state : admin.profiles()) {
            if (state.active() != null) {
                active.add(summary(state.active(), state.missingGuardrails()));
            }
            if (state.lastRefusal() != null) {
                refusals.add(refusal(state.lastRefusal()));
            }
        }
        Map<String, Object> body = new LinkedHashMap<>(2);
        body.put("policies", active);
        body.put("refusals", refusals);
        Responses.json(response, 200, body);
    }

    private static void show(HttpServletResponse response, PolicyAdmin admin, String profile) throws IOException {
        PolicyAdmin.ProfileState state = admin.profile(profile).orElseThrow(() -> unknown(profile));
        Map<String, Object> body = new LinkedHashMap<>(4);
        body.put("profile", state.profile());
        body.put("active", state.active() == null ? null : detail(state.active(), state.missingGuardrails()));
        body.put("lastRefusal", state.lastRefusal() == null ? null : refusal(state.lastRefusal()));
        Responses.json(response, 200, body);
    }

    private void put(HttpServletRequest request, HttpServletResponse response, PolicyAdmin admin, String profile,
        Identity identity) throws IOException {
        if (!isYaml(request.getContentType())) {
            Map<String, Object> details = new LinkedHashMap<>();
            details.put("contentType", request.getContentType());
            details.put("expected", "application/yaml");
            throw new ApiException(415, "unsupported_media_type",
                "the request body must be a YAML policy document: application/yaml or text/yaml (UTF-8)", details);
        }
        byte[] body = read(request);
        Policy policy;
        try {
            policy = admin.put(profile, body, identity.principal());
        } catch (PolicyException e) {
            throw invalid(profile, e);
        } catch (IOException e) {
            throw writeFailed(profile, e);
        } catch (IllegalStateException e) {
            throw busy(e);
        }
        Responses.json(response, 200, detail(policy, missing(admin, profile)));
    }

    private static void history(HttpServletResponse response, PolicyAdmin admin, String profile) throws IOException {
        List<PolicyAdmin.Revision> revisions = admin.history(profile);
        PolicyAdmin.ProfileState state = admin.profile(profile).orElse(null);
        if (revisions.isEmpty() && state == null) {
            throw unknown(profile);
        }
        long active = state == null || state.active() == null ? 0 : state.active().version();
        List<Map<String, Object>> versions = new ArrayList<>(revisions.size());
        for (PolicyAdmin.Revision revision : revisions) {
            Map<String, Object> out = new LinkedHashMap<>(8);
            out.put("version", revision.version());
            out.put("digest", revision.digest());
            out.put("author", revision.author());
            out.put("source", revision.source());
            out.put("activatedAt", time(revision.activatedAt()));
            out.put("note", revision.note() == null ? "" : revision.note());
            out.put("active", revision.version() == active);
            versions.add(out);
        }
        Map<String, Object> body = new LinkedHashMap<>(2);
        body.put("profile", profile);
        body.put("versions", versions);
        Responses.json(response, 200, body);
    }

    private void rollback(HttpServletRequest request, HttpServletResponse response, PolicyAdmin admin,
        String profile, Identity identity) throws IOException {
        long version = rollbackVersion(request);
        Policy policy;
        try {
            policy = admin.rollback(profile, version, identity.principal());
        } catch (NoSuchElementException e) {
            throw new ApiException(404, "version_not_found", "profile '" + profile + "' has no version " + version
                + " in its history (see GET " + BASE + "/" + profile + "/history)",
                Map.of("profile", profile, "version", version));
        } catch (PolicyException e) {
            throw invalid(profile, e);
        } catch (IOException e) {
            throw writeFailed(profile, e);
        } catch (IllegalStateException e) {
            throw busy(e);
        }
        Responses.json(response, 200, detail(policy, missing(admin, profile)));
    }

    // ---------------------------------------------------------------------------------------------- bodies

    private byte[] read(HttpServletRequest request) throws IOException {
        long limit = maxBodyBytes;
        if (request.getContentLengthLong() > limit) {
            throw Bodies.tooLarge(limit);
        }
        try (InputStream in = new BoundedInputStream(request.getInputStream(), limit)) {
            return in.readAllBytes();
        } catch (BoundedInputStream.TooLarge e) {
            throw Bodies.tooLarge(limit);
        }
    }

    private long rollbackVersion(HttpServletRequest request) throws IOException {
        long limit = maxBodyBytes;
        JsonNode body;
        try (InputStream in = Bodies.open(request, limit)) {
            body = Json.MAPPER.readTree(in);
        } catch (BoundedInputStream.TooLarge e) {
            throw Bodies.tooLarge(limit);
        } catch (JsonProcessingException e) {
            Map<String, Object> details = new LinkedHashMap<>();
            if (e.getLocation() != null) {
                details.put("line", e.getLocation().getLineNr());
                details.put("column", e.getLocation().getColumnNr());
            }
            throw new ApiException(400, "malformed_json", "the request body is not valid JSON: "
                + e.getOriginalMessage(), details);
        }
        if (body == null || !body.isObject() || body.size() != 1 || !body.has("version")
            || !body.get("version").canConvertToExactIntegral() || body.get("version").asLong() < 1) {
            throw new ApiException(400, "invalid_request", "the request body must be {\"version\": N}, N a version "
                + "of the profile's history", Map.of("expected", "{\"version\": N}"));
        }
        return body.get("version").asLong();
    }

    /**
     * @param contentType a Content-Type header, or null
     * @return whether it is a YAML media type, with no charset or UTF-8
     */
    static boolean isYaml(String contentType) {
        if (contentType == null) {
            return false;
        }
        String[] parts = contentType.split(";");
        String type = parts[0].trim().toLowerCase(Locale.ROOT);
        if (!type.equals("application/yaml") && !type.equals("text/yaml") && !type.equals("application/x-yaml")
            && !type.equals("text/x-yaml")) {
            return false;
        }
        for (int i = 1; i < parts.length; i++) {
            String parameter = parts[i].trim();
            int eq = parameter.indexOf('=');
            if (eq > 0 && "charset".equalsIgnoreCase(parameter.substring(0, eq).trim())) {
                String charset = parameter.substring(eq + 1).trim().replace("\"", "");
                if (!"utf-8".equalsIgnoreCase(charset) && !"utf8".equalsIgnoreCase(charset)) {
                    return false;
                }
            }
        }
        return true;
    }

    // --------------------------------------------------------------------------------------------- answers

    private static Map<String, Object> summary(Policy policy, List<String> missing) {
        Map<String, Object> out = new LinkedHashMap<>(9);
        out.put("profile", policy.profile());
        out.put("version", policy.version());
        out.put("digest", policy.digest());
        out.put("author", policy.author());
        out.put("source", policy.source());
        out.put("activatedAt", time(policy.activatedAt()));
        out.put("guardrails", policy.guardrails());
        out.put("missingGuardrails", missing);
        return out;
    }

    private static Map<String, Object> detail(Policy policy, List<String> missing) {
        Map<String, Object> out = summary(policy, missing);
        out.put("document", policy.document());
        return out;
    }

    private static Map<String, Object> refusal(PolicyAdmin.Refusal refusal) {
        PolicyException error = refusal.error();
        Map<String, Object> out = new LinkedHashMap<>(10);
        out.put("profile", refusal.profile());
        out.put("digest", refusal.digest());
        out.put("source", refusal.source());
        out.put("author", refusal.author());
        out.put("at", time(refusal.at()));
        out.put("file", error.file());
        out.put("line", error.line());
        out.put("column", error.column());
        out.put("path", error.path());
        out.put("message", error.getMessage());
        return out;
    }

    private static List<String> missing(PolicyAdmin admin, String profile) {
        return admin.profile(profile).map(PolicyAdmin.ProfileState::missingGuardrails).orElse(List.of());
    }

    private static ApiException invalid(String profile, PolicyException e) {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("profile", profile);
        details.put("file", e.file());
        details.put("line", e.line());
        details.put("column", e.column());
        details.put("path", e.path());
        details.put("reason", e.getMessage());
        return new ApiException(422, "invalid_policy", e.toString(), details);
    }

    private static ApiException writeFailed(String profile, IOException e) {
        LOG.warn("A valid policy for '{}' could not be written, so it was not activated: {}", profile, e.toString());
        return new ApiException(500, "policy_write_failed", "the document is valid but could not be written to the "
            + "policies folder, so it was not activated: " + e.getMessage(), Map.of("profile", profile));
    }

    private static ApiException busy(IllegalStateException e) {
        return new ApiException(503, "unavailable", "the policy loader cannot take the request: " + e.getMessage(),
            Map.of());
    }

    private static ApiException unknown(String profile) {
        return new ApiException(404, "policy_not_found", "no policy document is known for profile '" + profile + "'",
            Map.of("profile", profile));
    }

    private static String profile(String segment) {
        if (!Names.isProfile(segment)) {
            throw new ApiException(400, "invalid_profile", "a profile is 1-" + Names.MAX_PROFILE
                + " characters of A-Z a-z 0-9 . _ -", Map.of());
        }
        return segment;
    }

    private static String time(java.time.Instant instant) {
        return instant == null ? null : DateTimeFormatter.ISO_INSTANT.format(instant);
    }
}
