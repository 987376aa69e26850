package io.cuga.ops;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URL;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;

/**
 * Offline schema validation of Kubernetes objects, in the manner of kubeconform's strict mode.
 *
 * <p>The schemas are the Kubernetes API types as fabric8 generates them from the Kubernetes Go types and ships
 * them in its model jars ({@code schema/validation-schema.json} in kubernetes-model-core, -apps, -autoscaling,
 * -policy 6.13.4, Kubernetes 1.30). They are made strict and standard before use:
 * <ul>
 * <li>every object type with declared properties gets {@code additionalProperties: false}, so a misspelt or
 * misplaced field is an error (the API server drops unknown fields; kubectl's strict validation refuses them);
 * <li>the Go internals fabric8 exposes for {@code IntOrString} and {@code Quantity} are replaced by what the API
 * accepts in YAML: an integer or a string, and a quantity string (or number) matched by the API's grammar;
 * {@code MicroTime} is a string;
 * <li>draft-3 style {@code "required": true} on a property becomes the parent's {@code required} list; fabric8's
 * Java hints ({@code javaType} and friends) are dropped.
 * </ul>
 * An object is validated against the type named by its {@code apiVersion} and {@code kind}; an unknown pair is an
 * error, not a skip. fabric8's schemas carry no other {@code required} lists, so a missing required field (a
 * Deployment without a selector, say) is not caught here: kubectl kustomize and the manifest tests catch those
 * that matter.
 */
final class KubeSchemas {

    /** Kubernetes resource.Quantity: a signed decimal with an optional binary or decimal suffix or exponent. */
    static final String QUANTITY = "^[+-]?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE][+-]?"
        + "(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))))?$";

    private static final SchemaRegistry REGISTRY = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_7,
        b -> b.schemaLoader(l -> l.fetchRemoteResources(false)));

    private record Target(ObjectNode definitions, String name) {
    }

    private final Map<String, Target> byType;
    private final Map<String, Schema> compiled = new ConcurrentHashMap<>();

    private KubeSchemas(Map<String, Target> byType) {
        this.byType = byType;
    }

    private static volatile KubeSchemas instance;

    /** The schemas of every fabric8 model jar on the class path. */
    static KubeSchemas get() {
        KubeSchemas s = instance;
        if (s == null) {
            synchronized (KubeSchemas.class) {
                if (instance == null) {
                    instance = load();
                }
                s = instance;
            }
        }
        return s;
    }

    private static KubeSchemas load() {
        Map<String, Target> byType = new LinkedHashMap<>();
        try {
            var urls = Collections.list(KubeSchemas.class.getClassLoader()
                .getResources("schema/validation-schema.json"));
            if (urls.isEmpty()) {
                throw new IllegalStateException("no schema/validation-schema.json on the class path (fabric8 model jars)");
            }
            for (URL url : urls) {
                JsonNode root;
                try (InputStream in = url.openStream()) {
                    root = Ops.JSON.readTree(in);
                }
                ObjectNode definitions = normalize((ObjectNode) root.get("definitions"));
                for (Iterator<Map.Entry<String, JsonNode>> it = definitions.fields(); it.hasNext();) {
                    Map.Entry<String, JsonNode> e = it.next();
                    JsonNode props = e.getValue().path("properties");
                    String apiVersion = props.path("apiVersion").path("default").asText("");
                    String kind = props.path("kind").path("default").asText("");
                    if (!apiVersion.isEmpty() && !kind.isEmpty()) {
                        byType.putIfAbsent(key(apiVersion, kind), new Target(definitions, e.getKey()));
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new KubeSchemas(byType);
    }

    private static String key(String apiVersion, String kind) {
        return apiVersion + " " + kind;
    }

    /** @return whether a schema exists for this apiVersion and kind */
    boolean knows(String apiVersion, String kind) {
        return byType.containsKey(key(apiVersion, kind));
    }

    /**
     * @param object a Kubernetes object (one YAML document)
     * @return the violations, empty when the object is valid
     */
    List<String> validate(JsonNode object) {
        List<String> problems = new ArrayList<>();
        if (!object.isObject()) {
            problems.add("not an object");
            return problems;
        }
        String apiVersion = object.path("apiVersion").asText("");
        String kind = object.path("kind").asText("");
        if (apiVersion.isEmpty() || kind.isEmpty()) {
            problems.add("apiVersion and kind are required");
            return problems;
        }
        Target target = byType.get(key(apiVersion, kind));
        if (target == null) {
            problems.add("no schema for apiVersion " + apiVersion + " kind " + kind
                + " (not a Kubernetes 1.30 type, or a misspelt one)");
            return problems;
        }
        Schema schema = compiled.computeIfAbsent(key(apiVersion, kind), k -> {
            ObjectNode root = Ops.JSON.createObjectNode();
            root.put("$ref", "#/definitions/" + target.name());
            root.set("definitions", target.definitions());
            return REGISTRY.getSchema(root);
        });
        for (Error error : schema.validate(object)) {
            problems.add(error.getInstanceLocation() + ": " + error.getMessage()
                + (error.getProperty() != null && "additionalProperties".equals(error.getKeyword())
                    ? " (" + error.getProperty() + ")" : ""));
        }
        return problems;
    }

    private static ObjectNode normalize(ObjectNode definitions) {
        ObjectNode out = Ops.JSON.createObjectNode();
        for (Iterator<Map.Entry<String, JsonNode>> it = definitions.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> e = it.next();
            String name = e.getKey();
            if (name.endsWith("_IntOrString")) {
                out.set(name, anyOf(type("integer"), type("string")));
            } else if (name.endsWith("_Quantity")) {
                out.set(name, anyOf(type("string").put("pattern", QUANTITY), type("number")));
            } else if (name.endsWith("_MicroTime")) {
                out.set(name, type("string"));
            } else {
                ObjectNode def = e.getValue().deepCopy();
                strict(def);
                out.set(name, def);
            }
        }
        return out;
    }

    private static ObjectNode type(String type) {
        return Ops.JSON.createObjectNode().put("type", type);
    }

    private static ObjectNode anyOf(ObjectNode... alternatives) {
        ObjectNode node = Ops.JSON.createObjectNode();
        ArrayNode any = node.putArray("anyOf");
        for (ObjectNode a : alternatives) {
            any.add(a);
        }
        return node;
    }

    private static void strict(JsonNode node) {
        if (!(node instanceof ObjectNode object)) {
            if (node != null && node.isArray()) {
                node.forEach(KubeSchemas::strict);
            }
            return;
        }
        for (String hint : List.of("javaType", "javaInterfaces", "existingJavaType", "javaOmitEmpty", "javaName")) {
            object.remove(hint);
        }
        JsonNode properties = object.get("properties");
        if (properties instanceof ObjectNode props && props.size() > 0) {
            ArrayNode required = Ops.JSON.createArrayNode();
            for (Iterator<Map.Entry<String, JsonNode>> it = props.fields(); it.hasNext();) {
                Map.Entry<String, JsonNode> p = it.next();
                if (p.getValue() instanceof ObjectNode ps && ps.path("required").isBoolean()) {
                    if (ps.get("required").asBoolean()) {
                        required.add(p.getKey());
                    }
                    ps.remove("required");
                }
                strict(p.getValue());
            }
            if (!required.isEmpty()) {
                object.set("required", required);
            }
            JsonNode additional = object.get("additionalProperties");
            if (additional == null || additional.isBoolean()) {
                object.put("additionalProperties", false);
            }
        }
        JsonNode items = object.get("items");
        if (items != null) {
            strict(items);
        }
        JsonNode additional = object.get("additionalProperties");
        if (additional != null && additional.isObject()) {
            strict(additional);
        }
    }
}
