package io.cuga.tool.openapi.internal;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.cuga.api.net.EgressGuard;
import io.cuga.api.tool.Tool;
import io.cuga.api.tool.ToolCall;
import io.cuga.api.tool.ToolException;
import io.cuga.tool.http.client.HttpFetcher;

/**
 * One operation of an OpenAPI service as a tool: builds the request, sends it through the egress-checked client
 * and maps the answer: a 2xx JSON body is the result as JSON, a textual one a string, an empty one null, a binary
 * one {@code {contentType, base64}}; any other status is a {@code ToolException} {@code upstream_error} naming the
 * status with a short excerpt of the body (with the service's credential masked).
 */
final class OperationTool implements Tool {

    static final int EXCERPT = 300;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Operation operation;
    private final String baseUrl;
    private final Map<String, String> auth;
    private final List<String> secrets;
    private final HttpFetcher fetcher;
    private final EgressGuard guard;

    OperationTool(Operation operation, String baseUrl, Map<String, String> auth, HttpFetcher fetcher,
        EgressGuard guard) {
        this.operation = operation;
        this.baseUrl = baseUrl;
        this.auth = Map.copyOf(auth);
        this.secrets = auth.values().stream().map(v -> v.startsWith("Bearer ") ? v.substring(7) : v)
            .filter(v -> v.length() >= 4).toList();
        this.fetcher = fetcher;
        this.guard = guard;
    }

    Operation operation() {
        return operation;
    }

    @Override
    public Object invoke(ToolCall call) throws ToolException {
        HttpFetcher.Request request = RequestBuilder.build(operation, baseUrl, call.arguments(), auth);
        Map<String, Object> response = fetcher.fetch(request, call, guard);
        int status = ((Number) response.get("status")).intValue();
        String body = String.valueOf(response.getOrDefault("body", ""));
        boolean base64 = Boolean.TRUE.equals(response.get("base64"));
        boolean truncated = Boolean.TRUE.equals(response.get("truncated"));
        Object headers = response.get("headers");
        String contentType = headers instanceof Map<?, ?> map && map.get("content-type") != null
            ? String.valueOf(map.get("content-type")).toLowerCase(Locale.ROOT) : "";
        if (status < 200 || status > 299) {
            throw new ToolException("upstream_error", operation.method() + " " + operation.path() + " answered "
                + status + (body.isBlank() || base64 ? "" : ": " + excerpt(body)));
        }
        if (truncated) {
            throw new ToolException("response_too_large", operation.method() + " " + operation.path()
                + " answered more than " + fetcher.settings().maxResponseBytes() + " bytes (max.response.bytes)");
        }
        if (base64) {
            Map<String, Object> binary = new LinkedHashMap<>();
            binary.put("contentType", contentType);
            binary.put("base64", body);
            return binary;
        }
        if (body.isBlank()) {
            return null;
        }
        String mime = contentType.split(";", 2)[0].trim();
        if (mime.equals("application/json") || mime.endsWith("+json") || (mime.isEmpty() && looksLikeJson(body))) {
            try {
                return JSON.readValue(body, Object.class);
            } catch (JsonProcessingException e) {
                throw new ToolException("invalid_response", operation.method() + " " + operation.path()
                    + " answered " + status + " with a body that is not valid JSON: " + excerpt(body));
            }
        }
        return body;
    }

    private static boolean looksLikeJson(String body) {
        String trimmed = body.trim();
        return trimmed.startsWith("{") || trimmed.startsWith("[");
    }

    /** @return the first characters of a body, single-line, with the service's credential masked */
    String excerpt(String body) {
        String text = body.replaceAll("\\s+", " ").trim();
        for (String secret : secrets) {
            text = text.replace(secret, "REDACTED");
        }
        return text.length() > EXCERPT ? text.substring(0, EXCERPT) + "…" : text;
    }
}
