package io.cuga.http.internal;

import java.io.IOException;
import java.io.InputStream;
import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectReader;

import jakarta.servlet.http.HttpServletRequest;

/** Reads request bodies: media type, size limit, JSON syntax, and the shape of an invoke body. */
final class Bodies {

    /** Reads one nested object; the caller checks what follows it, so trailing tokens are not this reader's business. */
    private static final ObjectReader MAP_READER = Json.MAPPER.readerFor(Map.class)
        .without(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private Bodies() {
    }

    /**
     * @param contentType a Content-Type header value, or null
     * @return whether it is {@code application/json}, with no charset or UTF-8
     */
    static boolean isJson(String contentType) {
        if (contentType == null) {
            return false;
        }
        int semicolon = contentType.indexOf(';');
        String type = (semicolon < 0 ? contentType : contentType.substring(0, semicolon)).trim();
        if (!"application/json".equalsIgnoreCase(type)) {
            return false;
        }
        int at = semicolon;
        while (at >= 0 && at < contentType.length()) {
            int next = contentType.indexOf(';', at + 1);
            String param = contentType.substring(at + 1, next < 0 ? contentType.length() : next).trim();
            int eq = param.indexOf('=');
            if (eq > 0 && "charset".equalsIgnoreCase(param.substring(0, eq).trim())) {
                String charset = param.substring(eq + 1).trim();
                if (charset.length() >= 2 && charset.charAt(0) == '"' && charset.endsWith("\"")) {
                    charset = charset.substring(1, charset.length() - 1);
                }
                if (!"utf-8".equalsIgnoreCase(charset) && !"utf8".equalsIgnoreCase(charset)) {
                    return false;
                }
            }
            at = next;
        }
        return true;
    }

    /**
     * Checks the media type and declared length of a POST body and opens it, bounded.
     *
     * @param request the request
     * @param limit the most bytes accepted
     * @return the body, failing once more than {@code limit} bytes are read
     * @throws ApiException 415 or 413
     * @throws IOException when the body cannot be opened
     */
    static BoundedInputStream open(HttpServletRequest request, long limit) throws IOException {
        if (!isJson(request.getContentType())) {
            Map<String, Object> details = new LinkedHashMap<>();
            details.put("contentType", request.getContentType());
            details.put("expected", "application/json");
            throw new ApiException(415, "unsupported_media_type",
                "the request body must be application/json (UTF-8)", details);
        }
        long declared = request.getContentLengthLong();
        if (declared > limit) {
            throw tooLarge(limit);
        }
        return new BoundedInputStream(request.getInputStream(), limit);
    }

    /**
     * Parses an invoke body: a JSON object whose only key is the optional {@code arguments}, itself an object.
     * An empty body means no arguments.
     *
     * @param in the body
     * @param limit the limit {@code in} enforces, for the error details
     * @return the arguments, empty when none were given
     * @throws ApiException 400 or 413
     */
    static Map<String, Object> parseInvoke(InputStream in, long limit) {
        try (JsonParser parser = Json.MAPPER.createParser(in)) {
            JsonToken token = parser.nextToken();
            if (token == null) {
                return Map.of();
            }
            if (token != JsonToken.START_OBJECT) {
                throw new ApiException(400, "invalid_request", "the request body must be a JSON object",
                    Map.of("expected", "object"));
            }
            Map<String, Object> arguments = Map.of();
            while ((token = parser.nextToken()) == JsonToken.FIELD_NAME) {
                String field = clip(parser.currentName());
                token = parser.nextToken();
                if (!"arguments".equals(field)) {
                    throw new ApiException(400, "unknown_field",
                        "unknown field '" + field + "' in the request body; only 'arguments' is accepted",
                        Map.of("field", field));
                }
                if (token != JsonToken.START_OBJECT) {
                    throw new ApiException(400, "invalid_request", "'arguments' must be a JSON object",
                        Map.of("field", "arguments", "expected", "object"));
                }
                arguments = MAP_READER.readValue(parser);
            }
            if (parser.nextToken() != null) {
                throw malformed("unexpected content after the JSON object", parser.currentLocation());
            }
            return arguments;
        } catch (BoundedInputStream.TooLarge e) {
            throw tooLarge(limit);
        } catch (JsonProcessingException e) {
            if (causedByTooLarge(e)) {
                throw tooLarge(limit);
            }
            throw malformed(e.getOriginalMessage(), e.getLocation());
        } catch (IOException e) {
            throw new ApiException(400, "unreadable_body", "the request body could not be read");
        }
    }

    /**
     * Parses an evaluate body: {@code {"tool": "...", "arguments": {...}}}, arguments optional.
     *
     * @return the tool name and the arguments
     */
    static Map.Entry<String, Map<String, Object>> parseEvaluate(InputStream in, long limit) {
        Map<?, ?> body = parseObject(in, limit);
        for (Object key : body.keySet()) {
            if (!"tool".equals(key) && !"arguments".equals(key)) {
                String field = clip(String.valueOf(key));
                throw new ApiException(400, "unknown_field", "unknown field '" + field
                    + "' in the request body; only 'tool' and 'arguments' are accepted", Map.of("field", field));
            }
        }
        if (!(body.get("tool") instanceof String tool) || tool.isBlank()) {
            throw new ApiException(400, "invalid_request", "'tool' must be the name of a tool",
                Map.of("field", "tool", "expected", "string"));
        }
        Object arguments = body.get("arguments");
        if (arguments != null && !(arguments instanceof Map)) {
            throw new ApiException(400, "invalid_request", "'arguments' must be a JSON object",
                Map.of("field", "arguments", "expected", "object"));
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> args = arguments == null ? Map.of() : (Map<String, Object>) arguments;
        return Map.entry(tool, args);
    }

    /**
     * Parses a body that must be one JSON object (duplicate keys and trailing content are malformed).
     *
     * @param in the body
     * @param limit the limit {@code in} enforces, for the error details
     * @return the object
     * @throws ApiException 400 or 413
     */
    static Map<?, ?> parseObject(InputStream in, long limit) {
        try (JsonParser parser = Json.MAPPER.createParser(in)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                throw new ApiException(400, "invalid_request", "the request body must be a JSON object",
                    Map.of("expected", "object"));
            }
            Map<?, ?> body = MAP_READER.readValue(parser);
            if (parser.nextToken() != null) {
                throw malformed("unexpected content after the JSON object", parser.currentLocation());
            }
            return body;
        } catch (BoundedInputStream.TooLarge e) {
            throw tooLarge(limit);
        } catch (JsonProcessingException e) {
            if (causedByTooLarge(e)) {
                throw tooLarge(limit);
            }
            throw malformed(e.getOriginalMessage(), e.getLocation());
        } catch (IOException e) {
            throw new ApiException(400, "unreadable_body", "the request body could not be read");
        }
    }

    /**
     * @param limit the limit
     * @return the 413 answer
     */
    static ApiException tooLarge(long limit) {
        return new ApiException(413, "body_too_large", "the request body exceeds " + limit + " bytes",
            Map.of("limitBytes", limit));
    }

    private static ApiException malformed(String message, JsonLocation location) {
        Map<String, Object> details = new LinkedHashMap<>();
        if (location != null) {
            details.put("line", location.getLineNr());
            details.put("column", location.getColumnNr());
        }
        return new ApiException(400, "malformed_json", "the request body is not valid JSON: " + message, details);
    }

    private static String clip(String text) {
        return text.length() > 100 ? text.substring(0, 100) + "..." : text;
    }

    private static boolean causedByTooLarge(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof BoundedInputStream.TooLarge) {
                return true;
            }
        }
        return false;
    }
}
