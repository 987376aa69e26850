package io.cuga.tool.openapi.internal;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.swagger.v3.core.util.Json;
import io.swagger.v3.core.util.Json31;
import io.swagger.v3.oas.models.media.Schema;

/**
 * Turns OpenAPI schema objects (3.0 or 3.1) into JSON Schema 2020-12. Only JSON Schema keywords are kept
 * ({@code example}, {@code xml}, {@code discriminator}, {@code externalDocs} and extensions are dropped); the
 * 3.0 forms {@code nullable} and boolean {@code exclusiveMinimum/Maximum} become their 2020-12 equivalents.
 * Local references to {@code #/components/schemas/X} become {@code #/$defs/X}, with X copied into the
 * {@code $defs} of the tool's schema (recursive schemas stay recursive). Any other reference is reported as
 * unsupported.
 */
final class SchemaConverter {

    static final String COMPONENTS = "#/components/schemas/";

    private static final Set<String> KEYWORDS = Set.of("type", "properties", "required", "items", "prefixItems",
        "additionalProperties", "enum", "const", "format", "pattern", "minLength", "maxLength", "minimum", "maximum",
        "exclusiveMinimum", "exclusiveMaximum", "multipleOf", "minItems", "maxItems", "uniqueItems", "minProperties",
        "maxProperties", "allOf", "anyOf", "oneOf", "not", "description", "title", "default", "$ref", "readOnly",
        "writeOnly", "deprecated", "examples", "patternProperties", "propertyNames", "contains", "minContains",
        "maxContains", "dependentRequired", "dependentSchemas", "if", "then", "else", "unevaluatedProperties",
        "unevaluatedItems", "contentEncoding", "contentMediaType", "nullable", "$defs");
    /** Keywords whose value is a map of name to schema. */
    private static final Set<String> SCHEMA_MAPS = Set.of("properties", "patternProperties", "dependentSchemas",
        "$defs");
    /** Keywords whose value is a list of schemas. */
    private static final Set<String> SCHEMA_LISTS = Set.of("allOf", "anyOf", "oneOf", "prefixItems");
    /** Keywords whose value is one schema (or, for items and additionalProperties, a boolean). */
    private static final Set<String> SCHEMA_ONE = Set.of("items", "additionalProperties", "not", "propertyNames",
        "contains", "if", "then", "else", "unevaluatedProperties", "unevaluatedItems");

    private final ObjectMapper mapper;
    private final boolean v30;
    @SuppressWarnings("rawtypes")
    private final Map<String, Schema> components;

    /**
     * @param openapi31 whether the document is OpenAPI 3.1 (its schemas are JSON Schema already)
     * @param components the document's {@code components.schemas}, or null
     */
    @SuppressWarnings("rawtypes")
    SchemaConverter(boolean openapi31, Map<String, Schema> components) {
        this.mapper = openapi31 ? Json31.mapper() : Json.mapper();
        this.v30 = !openapi31;
        this.components = components == null ? Map.of() : components;
    }

    /** Collects the components one tool's schema references and the problems met. */
    final class Session {
        final Set<String> defs = new LinkedHashSet<>();
        final Set<String> problems = new LinkedHashSet<>();

        /** @return the JSON Schema of one OpenAPI schema object */
        ObjectNode convert(Schema<?> schema, String where) {
            if (schema == null) {
                return JsonNodeFactory.instance.objectNode();
            }
            JsonNode tree = mapper.valueToTree(schema);
            if (!tree.isObject()) {
                problems.add(where + ": the schema is not an object");
                return JsonNodeFactory.instance.objectNode();
            }
            return clean((ObjectNode) tree, where);
        }

        /** @return the $defs object holding every component referenced so far (transitively) */
        ObjectNode defs() {
            ObjectNode out = JsonNodeFactory.instance.objectNode();
            Deque<String> queue = new ArrayDeque<>(defs);
            while (!queue.isEmpty()) {
                String name = queue.poll();
                if (out.has(name)) {
                    continue;
                }
                int before = defs.size();
                out.set(name, convert(components.get(name), COMPONENTS + name));
                defs.stream().skip(before).forEach(queue::add);
            }
            return out;
        }

        /** @return the schema a node stands for, following one component reference (for type checks) */
        JsonNode target(JsonNode node) {
            JsonNode ref = node.get("$ref");
            if (ref != null && ref.isTextual() && ref.asText().startsWith("#/$defs/")) {
                String name = ref.asText().substring("#/$defs/".length());
                if (components.containsKey(name)) {
                    return mapper.valueToTree(components.get(name));
                }
            }
            return node;
        }

        private ObjectNode clean(ObjectNode node, String where) {
            ObjectNode out = JsonNodeFactory.instance.objectNode();
            Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
            while (fields.hasNext()) {
                Map.Entry<String, JsonNode> field = fields.next();
                String key = field.getKey();
                JsonNode value = field.getValue();
                if (!KEYWORDS.contains(key) || value.isNull()) {
                    continue;
                }
                if (key.equals("$ref")) {
                    out.put("$ref", reference(value.asText(), where));
                } else if (SCHEMA_MAPS.contains(key) && value.isObject()) {
                    ObjectNode map = out.putObject(key);
                    value.fields().forEachRemaining(e -> map.set(e.getKey(), sub(e.getValue(), where + "/" + key
                        + "/" + e.getKey())));
                } else if (SCHEMA_LISTS.contains(key) && value.isArray()) {
                    ArrayNode list = out.putArray(key);
                    for (int i = 0; i < value.size(); i++) {
                        list.add(sub(value.get(i), where + "/" + key + "/" + i));
                    }
                } else if (SCHEMA_ONE.contains(key)) {
                    out.set(key, sub(value, where + "/" + key));
                } else {
                    out.set(key, value.deepCopy());
                }
            }
            if (v30) {
                openapi30(out);
            } else {
                out.remove("nullable");
            }
            return out;
        }

        private JsonNode sub(JsonNode node, String where) {
            return node.isObject() ? clean((ObjectNode) node, where) : node.deepCopy();
        }

        private String reference(String ref, String where) {
            if (ref.startsWith(COMPONENTS)) {
                String name = ref.substring(COMPONENTS.length()).replace("~1", "/").replace("~0", "~");
                if (!components.containsKey(name)) {
                    problems.add(where + ": $ref '" + ref + "' names no schema of the document");
                } else if (!name.matches("[A-Za-z0-9._-]+")) {
                    problems.add(where + ": $ref '" + ref + "': schema names other than letters, digits, '.', '_' "
                        + "and '-' are not supported");
                } else {
                    defs.add(name);
                    return "#/$defs/" + name;
                }
            } else {
                problems.add(where + ": $ref '" + ref + "' is not supported (only local #/components/schemas/...)");
            }
            return ref;
        }
    }

    Session session() {
        return new Session();
    }

    /** The 3.0 forms that JSON Schema 2020-12 writes differently. */
    private static void openapi30(ObjectNode out) {
        JsonNode nullable = out.remove("nullable");
        if (nullable != null && nullable.asBoolean() && out.has("type") && out.get("type").isTextual()) {
            ArrayNode types = JsonNodeFactory.instance.arrayNode().add(out.get("type").asText()).add("null");
            out.set("type", types);
            if (out.get("enum") instanceof ArrayNode values) {
                boolean hasNull = false;
                for (JsonNode value : values) {
                    hasNull |= value.isNull();
                }
                if (!hasNull) {
                    values.addNull();
                }
            }
        }
        for (String[] pair : List.of(new String[] {"exclusiveMinimum", "minimum"},
            new String[] {"exclusiveMaximum", "maximum"})) {
            JsonNode exclusive = out.get(pair[0]);
            if (exclusive != null && exclusive.isBoolean()) {
                out.remove(pair[0]);
                if (exclusive.asBoolean() && out.has(pair[1])) {
                    out.set(pair[0], out.remove(pair[1]));
                }
            }
        }
    }
}
