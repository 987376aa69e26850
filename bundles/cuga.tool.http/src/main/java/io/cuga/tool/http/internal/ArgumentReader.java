package io.cuga.tool.http.internal;

import java.util.LinkedHashMap;
import java.util.Map;

import io.cuga.api.tool.ToolException;

/** Reads the tools' arguments (the schema checked them already; this says what is wrong if it did not). */
final class ArgumentReader {

    private ArgumentReader() {
    }

    static String string(Map<String, Object> arguments, String name, boolean required) throws ToolException {
        Object value = arguments.get(name);
        if (value == null) {
            if (required) {
                throw new ToolException("invalid_arguments", "the argument '" + name + "' is required");
            }
            return null;
        }
        if (!(value instanceof String text)) {
            throw new ToolException("invalid_arguments", "the argument '" + name + "' must be a string");
        }
        return text;
    }

    static Map<String, String> headers(Map<String, Object> arguments) throws ToolException {
        Object value = arguments.get("headers");
        Map<String, String> out = new LinkedHashMap<>();
        if (value == null) {
            return out;
        }
        if (!(value instanceof Map<?, ?> map)) {
            throw new ToolException("invalid_arguments", "the argument 'headers' must be an object of strings");
        }
        for (Map.Entry<?, ?> entry : map.entrySet()) {
            if (!(entry.getKey() instanceof String name) || !(entry.getValue() instanceof String text)) {
                throw new ToolException("invalid_arguments", "the argument 'headers' must be an object of strings");
            }
            out.put(name, text);
        }
        return out;
    }
}
