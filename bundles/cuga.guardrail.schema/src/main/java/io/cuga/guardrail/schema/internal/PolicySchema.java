package io.cuga.guardrail.schema.internal;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;

import io.cuga.api.guardrail.PolicySection;
import io.cuga.api.policy.PolicyException;

/**
 * One tool's schema from a policy, compiled once when the policy is compiled. JSON Schema 2020-12, strict by
 * default (unknown arguments are refused unless the schema says {@code additionalProperties} or
 * {@code unevaluatedProperties}), and nothing is ever fetched from the network: a remote {@code $ref} is an
 * error at compile time.
 */
final class PolicySchema {

    static final ObjectMapper MAPPER = new ObjectMapper();

    private static final SchemaRegistry REGISTRY = SchemaRegistry.withDefaultDialect(
        SpecificationVersion.DRAFT_2020_12, b -> b.schemaLoader(l -> l.fetchRemoteResources(false)));

    /** The 2020-12 meta-schema, from the validator's own resources (never fetched). */
    private static final Schema META = REGISTRY.getSchema(SchemaLocation.of("https://json-schema.org/draft/2020-12/schema"));

    static final int MAX_VIOLATIONS = 20;

    private final Schema schema;

    private PolicySchema(Schema schema) {
        this.schema = schema;
    }

    /**
     * @param value the schema as JSON-compatible values
     * @param path the JSON pointer of the schema in the section, for errors
     * @return the compiled schema
     * @throws PolicyException naming the path (inside the schema where the meta-schema says so)
     */
    static PolicySchema compile(Map<String, Object> value, String path) throws PolicyException {
        ObjectNode root;
        try {
            root = (ObjectNode) MAPPER.valueToTree(value);
        } catch (IllegalArgumentException e) {
            throw new PolicyException(path, "the schema is not JSON: " + e.getMessage());
        }
        List<Error> meta = META.validate(root);
        if (!meta.isEmpty()) {
            Error first = meta.get(0);
            throw new PolicyException(path + pointer(first), "not a valid JSON Schema 2020-12: " + first.getMessage());
        }
        JsonNode type = root.get("type");
        if (type != null && !(type.isTextual() && "object".equals(type.asText()))) {
            throw new PolicyException(path + "/type", "type must be \"object\": arguments are a JSON object");
        }
        root.put("type", "object");
        if (!root.has("additionalProperties") && !root.has("unevaluatedProperties")) {
            root.put("additionalProperties", false);
        }
        try {
            Schema schema = REGISTRY.getSchema(root);
            // resolve every reference now (a remote one fails: nothing is fetched), not on the first call
            schema.initializeValidators();
            schema.validate(MAPPER.createObjectNode());
            return new PolicySchema(schema);
        } catch (RuntimeException e) {
            throw new PolicyException(path, "the schema cannot be compiled (references outside it are never fetched): " + e.getMessage());
        }
    }

    /**
     * @param arguments a call's arguments
     * @return violations, empty when valid; each has {@code path} (JSON pointer of the argument, "" for the
     *     arguments object), {@code field} (the same without the leading slash), {@code keyword} and
     *     {@code message}; at most {@link #MAX_VIOLATIONS}
     */
    List<Map<String, Object>> validate(Map<String, Object> arguments) {
        List<Error> errors = schema.validate(MAPPER.valueToTree(arguments));
        if (errors.isEmpty()) {
            return List.of();
        }
        List<Map<String, Object>> violations = new ArrayList<>();
        for (Error error : errors) {
            if (violations.size() == MAX_VIOLATIONS) {
                break;
            }
            Map<String, Object> v = new LinkedHashMap<>();
            String path = pointer(error);
            v.put("path", path);
            v.put("field", path.isEmpty() ? "" : path.substring(1));
            v.put("keyword", error.getKeyword());
            v.put("message", error.getMessage());
            violations.add(v);
        }
        return violations;
    }

    /** The JSON pointer of the offending value; for a missing or unknown property, that property. */
    private static String pointer(Error error) {
        StringBuilder out = new StringBuilder();
        var location = error.getInstanceLocation();
        for (int i = 0; i < location.getNameCount(); i++) {
            out.append('/').append(PolicySection.escape(String.valueOf(location.getElement(i))));
        }
        String property = error.getProperty();
        if (property != null && ("required".equals(error.getKeyword())
            || "additionalProperties".equals(error.getKeyword())
            || "unevaluatedProperties".equals(error.getKeyword()))) {
            out.append('/').append(PolicySection.escape(property));
        }
        return out.toString();
    }
}
