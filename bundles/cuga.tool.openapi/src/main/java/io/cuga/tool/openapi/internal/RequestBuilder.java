package io.cuga.tool.openapi.internal;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.cuga.api.tool.ToolException;
import io.cuga.tool.http.client.HttpFetcher;

/**
 * Builds the HTTP request of one operation from a call's arguments: path parameters percent-encoded into the
 * template, query parameters (arrays repeated, or comma-joined when {@code explode} is false), header parameters,
 * the JSON body, and the service's credentials.
 */
final class RequestBuilder {

    private static final ObjectMapper JSON = new ObjectMapper();

    private RequestBuilder() {
    }

    /**
     * @param operation the operation
     * @param baseUrl the service's base URL, without a trailing slash
     * @param arguments the call's arguments (they passed the operation's schema)
     * @param auth the headers that authenticate the service (name to value)
     * @return the request
     * @throws ToolException {@code invalid_arguments} when an argument cannot be sent
     */
    static HttpFetcher.Request build(Operation operation, String baseUrl, Map<String, Object> arguments,
        Map<String, String> auth) throws ToolException {
        String path = operation.path();
        List<String> query = new ArrayList<>();
        Map<String, String> headers = new LinkedHashMap<>();
        for (Operation.Param param : operation.parameters()) {
            Object value = arguments.get(param.name());
            if (value == null) {
                if (param.required()) {
                    throw new ToolException("invalid_arguments", "the argument '" + param.name() + "' is required");
                }
                continue;
            }
            switch (param.in()) {
                case PATH -> path = path.replace("{" + param.name() + "}", joined(param, value, true));
                case QUERY -> {
                    if (value instanceof List<?> list && param.explode()) {
                        for (Object element : list) {
                            query.add(encode(param.name()) + "=" + encode(scalar(param, element)));
                        }
                    } else {
                        query.add(encode(param.name()) + "=" + joined(param, value, true));
                    }
                }
                case HEADER -> headers.put(param.name(), joined(param, value, false));
            }
        }
        if (path.contains("{")) {
            throw new ToolException("invalid_arguments", "the path " + operation.path() + " has a parameter that is "
                + "not declared");
        }
        String body = null;
        if (operation.body() != null && arguments.get(Operation.BODY) != null) {
            try {
                body = JSON.writeValueAsString(arguments.get(Operation.BODY));
            } catch (JsonProcessingException e) {
                throw new ToolException("invalid_arguments", "the body cannot be written as JSON");
            }
            headers.put("Content-Type", operation.body().contentType().contains("charset")
                ? operation.body().contentType() : operation.body().contentType() + "; charset=UTF-8");
        } else if (operation.body() != null && operation.body().required()) {
            throw new ToolException("invalid_arguments", "the argument '" + Operation.BODY + "' is required");
        }
        headers.putIfAbsent("Accept", "application/json, text/plain;q=0.9, */*;q=0.5");
        headers.putAll(auth);
        String url = baseUrl + path + (query.isEmpty() ? "" : "?" + String.join("&", query));
        return new HttpFetcher.Request(operation.method(), url, headers, body);
    }

    private static String joined(Operation.Param param, Object value, boolean encode) throws ToolException {
        if (value instanceof List<?> list) {
            List<String> parts = new ArrayList<>();
            for (Object element : list) {
                String text = scalar(param, element);
                parts.add(encode ? encode(text) : text);
            }
            return String.join(",", parts);
        }
        String text = scalar(param, value);
        return encode ? encode(text) : text;
    }

    private static String scalar(Operation.Param param, Object value) throws ToolException {
        if (value instanceof String || value instanceof Boolean || value instanceof Integer || value instanceof Long
            || value instanceof Short || value instanceof java.math.BigInteger) {
            return String.valueOf(value);
        }
        if (value instanceof BigDecimal decimal) {
            return decimal.stripTrailingZeros().toPlainString();
        }
        if (value instanceof Double || value instanceof Float) {
            double d = ((Number) value).doubleValue();
            return d == Math.rint(d) && Math.abs(d) < 1e15 ? String.valueOf((long) d) : String.valueOf(d);
        }
        throw new ToolException("invalid_arguments", "the argument '" + param.name() + "' must be a string, number "
            + "or boolean" + (param.array() ? " (or a list of them)" : ""));
    }

    /** @return the text percent-encoded as UTF-8, every character but the unreserved ones (RFC 3986) */
    static String encode(String text) {
        StringBuilder out = new StringBuilder();
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.'
                || c == '_' || c == '~') {
                out.append((char) c);
            } else {
                out.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                    .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
            }
        }
        return out.toString();
    }
}
