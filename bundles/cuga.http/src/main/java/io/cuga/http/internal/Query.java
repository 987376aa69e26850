package io.cuga.http.internal;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The query parameters of a GET route, parsed from the raw query string (so a malformed escape is this route's
 * 400, not the container's), each given at most once and each one the route knows. An empty value counts as not
 * given. Every error is {@code 400} naming the parameter in {@code details.parameter}.
 */
final class Query {

    /** The longest value accepted for any parameter. */
    static final int MAX_VALUE = 256;

    private final Map<String, String> values;

    private Query(Map<String, String> values) {
        this.values = values;
    }

    /**
     * @param raw the raw query string, or null
     * @param known the parameter names the route accepts
     * @return the parameters
     * @throws ApiException 400 {@code unknown_parameter} for a name not in {@code known},
     *     {@code invalid_parameter} for a name given twice, a malformed escape or a value that is too long
     */
    static Query parse(String raw, Set<String> known) {
        Map<String, String> values = new LinkedHashMap<>();
        if (raw != null && !raw.isEmpty()) {
            for (String pair : raw.split("&")) {
                if (pair.isEmpty()) {
                    continue;
                }
                int eq = pair.indexOf('=');
                String name = decode(eq < 0 ? pair : pair.substring(0, eq), "query");
                String value = eq < 0 ? "" : decode(pair.substring(eq + 1), name);
                if (!known.contains(name)) {
                    String shown = name.length() > 100 ? name.substring(0, 100) + "..." : name;
                    throw new ApiException(400, "unknown_parameter", "unknown query parameter '" + shown
                        + "'; this route accepts " + String.join(", ", new TreeSet<>(known)),
                        Map.of("parameter", shown, "allowed", List.copyOf(new TreeSet<>(known))));
                }
                if (values.containsKey(name)) {
                    throw invalid(name, "is given more than once");
                }
                if (value.length() > MAX_VALUE) {
                    throw invalid(name, "is longer than " + MAX_VALUE + " characters");
                }
                for (int i = 0; i < value.length(); i++) {
                    if (Character.isISOControl(value.charAt(i))) {
                        throw invalid(name, "contains a control character");
                    }
                }
                values.put(name, value);
            }
        }
        return new Query(values);
    }

    private static String decode(String text, String parameter) {
        try {
            return URLDecoder.decode(text, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw invalid(parameter, "is not correctly percent-encoded");
        }
    }

    /**
     * @param name a parameter
     * @return its value, null when absent or empty
     */
    String text(String name) {
        String value = values.get(name);
        return value == null || value.isEmpty() ? null : value;
    }

    /**
     * @param name a parameter
     * @param fallback the value when absent
     * @param min the least value
     * @param max the largest value
     * @return the integer
     * @throws ApiException 400 when not an integer in range
     */
    int integer(String name, int fallback, int min, int max) {
        String value = text(name);
        if (value == null) {
            return fallback;
        }
        try {
            int n = Integer.parseInt(value);
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw invalid(name, "must be an integer from " + min + " to " + max);
    }

    /**
     * @param name a parameter
     * @return the instant, null when absent
     * @throws ApiException 400 when not an ISO-8601 instant ({@code 2026-11-27T10:15:30Z}, an offset instead of
     *     {@code Z} is accepted)
     */
    Instant instant(String name) {
        String value = text(name);
        if (value == null) {
            return null;
        }
        try {
            return Instant.parse(value);
        } catch (DateTimeParseException e) {
            try {
                return OffsetDateTime.parse(value).toInstant();
            } catch (DateTimeParseException again) {
                throw invalid(name, "must be an ISO-8601 instant such as 2026-11-27T10:15:30Z");
            }
        }
    }

    /**
     * @param name a parameter
     * @param allowed the accepted values, upper case
     * @return the value in upper case, null when absent
     * @throws ApiException 400 when not one of {@code allowed} (any case)
     */
    String oneOf(String name, List<String> allowed) {
        String value = text(name);
        if (value == null) {
            return null;
        }
        for (String option : allowed) {
            if (option.equalsIgnoreCase(value)) {
                return option;
            }
        }
        throw invalid(name, "must be one of " + String.join(", ", allowed) + " (any case)");
    }

    /**
     * @param parameter the parameter
     * @param problem what is wrong with it, completing "parameter 'x' ..."
     * @return {@code 400 invalid_parameter}
     */
    static ApiException invalid(String parameter, String problem) {
        String shown = parameter.length() > 100 ? parameter.substring(0, 100) + "..." : parameter;
        return new ApiException(400, "invalid_parameter", "parameter '" + shown + "' " + problem,
            Map.of("parameter", shown));
    }
}
