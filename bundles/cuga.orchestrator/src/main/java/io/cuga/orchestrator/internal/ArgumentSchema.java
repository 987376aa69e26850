package io.cuga.orchestrator.internal;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;

/**
 * A tool's argument schema, compiled once when the tool registers. Strict by default: when the schema says
 * nothing of extra properties ({@code additionalProperties} or {@code unevaluatedProperties}), unknown
 * arguments are rejected. Schemas never load anything from the network.
 */
final class ArgumentSchema {

    static final ObjectMapper MAPPER = new ObjectMapper();

    private static final SchemaRegistry REGISTRY = SchemaRegistry.withDefaultDialect(
        SpecificationVersion.DRAFT_2020_12, b -> b.schemaLoader(l -> l.fetchRemoteResources(false)));

    private static final int MAX_VIOLATIONS = 20;

    private final String text;
    private final Schema schema;

    private ArgumentSchema(String text, Schema schema) {
        this.text = text;
        this.schema = schema;
    }

    /**
     * Compiles a schema.
     *
     * @param json the schema's JSON text, or null/blank for a tool without arguments
     * @return the compiled schema
     * @throws IllegalArgumentException naming what is wrong with the schema
     */
    static ArgumentSchema compile(String json) {
        JsonNode node;
        if (json == null || json.isBlank()) {
            node = MAPPER.createObjectNode().put("type", "object");
        } else {
            try {
                node = MAPPER.readTree(json);
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalArgumentException("schema is not valid JSON: " + e.getOriginalMessage());
            }
        }
        if (!(node instanceof ObjectNode)) {
            throw new IllegalArgumentException("schema must be a JSON object");
        }
        ObjectNode root = ((ObjectNode) node).deepCopy();
        JsonNode type = root.get("type");
        if (type != null && !(type.isTextual() && "object".equals(type.asText()))) {
            throw new IllegalArgumentException("schema type must be \"object\": arguments are a JSON object");
        }
        root.put("type", "object");
        if (!root.has("additionalProperties") && !root.has("unevaluatedProperties")) {
            root.put("additionalProperties", false);
        }
        try {
            Schema schema = REGISTRY.getSchema(root);
            // validate once so keyword errors in the schema surface now, not on the first call
            schema.validate(MAPPER.createObjectNode());
            return new ArgumentSchema(MAPPER.writeValueAsString(root), schema);
        } catch (RuntimeException | com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException("schema cannot be compiled: " + e.getMessage());
        }
    }

    /** @return the effective schema (with the strictness default applied) as JSON text */
    String text() {
        return text;
    }

    /**
     * Validates arguments.
     *
     * @return violations, empty when valid; each has {@code path} (JSON pointer of the argument, "" for the
     *     object itself), {@code keyword} and {@code message}
     */
    List<Map<String, Object>> validate(Map<String, Object> arguments) {
        JsonNode instance = MAPPER.valueToTree(arguments);
        List<Error> errors = schema.validate(instance);
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

    /** The JSON pointer of the offending argument; for a missing or unknown property, that property. */
    private static String pointer(Error error) {
        StringBuilder out = new StringBuilder();
        var location = error.getInstanceLocation();
        for (int i = 0; i < location.getNameCount(); i++) {
            out.append('/').append(escape(String.valueOf(location.getElement(i))));
        }
        String property = error.getProperty();
        if (property != null && ("required".equals(error.getKeyword())
            || "additionalProperties".equals(error.getKeyword())
            || "unevaluatedProperties".equals(error.getKeyword()))) {
            out.append('/').append(escape(property));
        }
        return out.toString();
    }

    private static String escape(String token) {
        return token.replace("~", "~0").replace("/", "~1");
    }
}
