package io.cuga.tool.openapi.internal;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.cuga.api.tool.RiskTier;
import io.cuga.api.tool.Tool;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.PathItem;
import io.swagger.v3.oas.models.SpecVersion;
import io.swagger.v3.oas.models.media.MediaType;
import io.swagger.v3.oas.models.media.Schema;
import io.swagger.v3.oas.models.parameters.Parameter;
import io.swagger.v3.oas.models.parameters.RequestBody;
import io.swagger.v3.oas.models.servers.Server;
import io.swagger.v3.parser.OpenAPIV3Parser;
import io.swagger.v3.parser.core.models.ParseOptions;
import io.swagger.v3.parser.core.models.SwaggerParseResult;

/**
 * Reads an OpenAPI 3.0/3.1 document with swagger-parser (references are not resolved by the parser, so it never
 * reaches the network: local ones are followed here, others are reported) and turns each operation into an
 * {@link Operation}. An operation with a construct this importer does not support is left out and reported,
 * never guessed at.
 */
final class SpecImporter {

    /** The outcome of an import. */
    record Result(List<Operation> operations, List<String> problems, String serverUrl) {
    }

    /** Thrown when the document cannot be read at all. */
    static final class SpecException extends Exception {
        private static final long serialVersionUID = 1L;

        SpecException(String message) {
            super(message);
        }
    }

    private static final String REF_PARAMETERS = "#/components/parameters/";
    private static final String REF_BODIES = "#/components/requestBodies/";
    private static final int MAX_DESCRIPTION = 1024;

    private SpecImporter() {
    }

    /**
     * @param text the document, JSON or YAML
     * @param service the service name (prefix of tool names)
     * @param selected whether an operation (by operationId and tool name) is wanted
     * @param riskOverride the configured tier for an operation (by operationId and tool name), or null
     * @return the operations and the problems met
     * @throws SpecException when the text is not an OpenAPI 3 document
     */
    static Result read(String text, String service, java.util.function.BiPredicate<String, String> selected,
        java.util.function.BiFunction<String, String, RiskTier> riskOverride) throws SpecException {
        ParseOptions options = new ParseOptions();
        options.setResolve(false);
        SwaggerParseResult parsed = new OpenAPIV3Parser().readContents(text, null, options);
        OpenAPI api = parsed.getOpenAPI();
        List<String> problems = new ArrayList<>();
        if (parsed.getMessages() != null) {
            parsed.getMessages().forEach(message -> problems.add("document: " + message));
        }
        if (api == null || api.getOpenapi() == null || !api.getOpenapi().startsWith("3.")) {
            throw new SpecException("not an OpenAPI 3.0/3.1 document" + (problems.isEmpty() ? ""
                : " (" + String.join("; ", problems.subList(0, Math.min(3, problems.size()))) + ")"));
        }
        boolean v31 = api.getSpecVersion() == SpecVersion.V31 || api.getOpenapi().startsWith("3.1");
        @SuppressWarnings("rawtypes")
        Map<String, Schema> components = api.getComponents() == null ? null : api.getComponents().getSchemas();
        SchemaConverter converter = new SchemaConverter(v31, components);

        List<Operation> operations = new ArrayList<>();
        Map<String, String> names = new HashMap<>();
        if (api.getPaths() != null) {
            for (Map.Entry<String, PathItem> path : api.getPaths().entrySet()) {
                PathItem item = path.getValue();
                if (item.get$ref() != null) {
                    problems.add(path.getKey() + ": path item $ref is not supported");
                    continue;
                }
                for (Map.Entry<PathItem.HttpMethod, io.swagger.v3.oas.models.Operation> entry
                    : item.readOperationsMap().entrySet()) {
                    String method = entry.getKey().name();
                    io.swagger.v3.oas.models.Operation op = entry.getValue();
                    String operationId = op.getOperationId() != null && !op.getOperationId().isBlank()
                        ? op.getOperationId() : derivedId(method, path.getKey());
                    String toolName = toolName(service, operationId);
                    if (!selected.test(operationId, toolName)) {
                        continue;
                    }
                    String where = method + " " + path.getKey() + " (" + operationId + ")";
                    if (!Tool.NAME_PATTERN.matcher(toolName).matches()) {
                        problems.add(where + ": tool name '" + toolName + "' is not valid");
                        continue;
                    }
                    String previous = names.putIfAbsent(toolName, where);
                    if (previous != null) {
                        problems.add(where + ": tool name '" + toolName + "' collides with " + previous
                            + "; left out");
                        continue;
                    }
                    RiskTier risk = riskOverride.apply(operationId, toolName);
                    Operation operation = operation(api, converter, item, op, method, path.getKey(), operationId,
                        toolName, risk != null ? risk : defaultRisk(method), where, problems);
                    if (operation != null) {
                        operations.add(operation);
                    }
                }
            }
        }
        String server = null;
        if (api.getServers() != null && !api.getServers().isEmpty()) {
            server = serverUrl(api.getServers().get(0));
        }
        return new Result(List.copyOf(operations), List.copyOf(problems), server);
    }

    /** @return GET and HEAD (and OPTIONS, TRACE): READ; DELETE: DELETE; the rest: WRITE */
    static RiskTier defaultRisk(String method) {
        return switch (method) {
            case "GET", "HEAD", "OPTIONS", "TRACE" -> RiskTier.READ;
            case "DELETE" -> RiskTier.DELETE;
            default -> RiskTier.WRITE;
        };
    }

    /** @return {@code <service>_<operationId>} with every character outside the name rule as '_', at most 64 */
    static String toolName(String service, String operationId) {
        String name = service + "_" + operationId.replaceAll("[^a-zA-Z0-9_-]", "_");
        return name.length() > 64 ? name.substring(0, 64) : name;
    }

    private static String derivedId(String method, String path) {
        String id = method.toLowerCase(Locale.ROOT) + path.replaceAll("[{}]", "").replaceAll("[^a-zA-Z0-9]+", "_");
        return id.endsWith("_") ? id.substring(0, id.length() - 1) : id;
    }

    private static String serverUrl(Server server) {
        String url = server.getUrl();
        if (url == null) {
            return null;
        }
        if (server.getVariables() != null) {
            for (var variable : server.getVariables().entrySet()) {
                if (variable.getValue().getDefault() != null) {
                    url = url.replace("{" + variable.getKey() + "}", variable.getValue().getDefault());
                }
            }
        }
        return url;
    }

    private static Operation operation(OpenAPI api, SchemaConverter converter, PathItem item,
        io.swagger.v3.oas.models.Operation op, String method, String path, String operationId, String toolName,
        RiskTier risk, String where, List<String> problems) {
        SchemaConverter.Session session = converter.session();
        List<String> own = new ArrayList<>();
        // path-level parameters, overridden by the operation's own of the same name and location
        Map<String, Parameter> byKey = new LinkedHashMap<>();
        for (List<Parameter> list : java.util.Arrays.asList(item.getParameters(), op.getParameters())) {
            if (list == null) {
                continue;
            }
            for (Parameter given : list) {
                Parameter parameter = resolve(given, REF_PARAMETERS, name -> api.getComponents() == null
                    || api.getComponents().getParameters() == null ? null
                    : api.getComponents().getParameters().get(name), where, own);
                if (parameter != null) {
                    byKey.put(parameter.getIn() + ":" + parameter.getName(), parameter);
                }
            }
        }
        ObjectNode schema = JsonNodeFactory.instance.objectNode();
        schema.put("type", "object");
        ObjectNode properties = schema.putObject("properties");
        List<String> required = new ArrayList<>();
        List<Operation.Param> params = new ArrayList<>();
        for (Parameter parameter : byKey.values()) {
            String name = parameter.getName();
            String in = parameter.getIn() == null ? "" : parameter.getIn();
            boolean mandatory = Boolean.TRUE.equals(parameter.getRequired()) || "path".equals(in);
            Operation.In location = switch (in) {
                case "path" -> Operation.In.PATH;
                case "query" -> Operation.In.QUERY;
                case "header" -> Operation.In.HEADER;
                default -> null;
            };
            if (location == null) {
                if (mandatory) {
                    own.add("required " + in + " parameter '" + name + "' is not supported");
                } else {
                    problems.add(where + ": optional " + in + " parameter '" + name + "' is not offered");
                }
                continue;
            }
            if (location == Operation.In.HEADER && List.of("accept", "content-type", "authorization")
                .contains(name.toLowerCase(Locale.ROOT))) {
                continue; // OpenAPI: these header parameters are ignored
            }
            if (parameter.getSchema() == null) {
                own.add(in + " parameter '" + name + "' has no schema (content is not supported)");
                continue;
            }
            if (properties.has(name)) {
                own.add("parameter '" + name + "' appears in two locations (or is named like the body)");
                continue;
            }
            String style = parameter.getStyle() == null ? null : parameter.getStyle().toString();
            if (style != null && !List.of("form", "simple").contains(style)) {
                own.add(in + " parameter '" + name + "' has style " + style + " (only form and simple)");
                continue;
            }
            ObjectNode converted = session.convert(parameter.getSchema(), "parameter " + name);
            JsonNode target = session.target(converted);
            String type = target.path("type").isTextual() ? target.path("type").asText()
                : target.path("type").isArray() ? target.path("type").path(0).asText() : "";
            if (type.equals("object")) {
                own.add(in + " parameter '" + name + "' is an object (serialisation styles are not supported)");
                continue;
            }
            if (parameter.getDescription() != null && !converted.has("description")) {
                converted.put("description", parameter.getDescription());
            }
            properties.set(name, converted);
            if (mandatory) {
                required.add(name);
            }
            boolean explode = parameter.getExplode() == null ? location == Operation.In.QUERY : parameter.getExplode();
            params.add(new Operation.Param(name, location, mandatory, type.equals("array"), explode));
        }
        Operation.Body body = null;
        if (op.getRequestBody() != null) {
            RequestBody requestBody = resolve(op.getRequestBody(), REF_BODIES, name -> api.getComponents() == null
                || api.getComponents().getRequestBodies() == null ? null
                : api.getComponents().getRequestBodies().get(name), where, own);
            if (requestBody != null) {
                boolean mandatory = Boolean.TRUE.equals(requestBody.getRequired());
                Map.Entry<String, MediaType> json = null;
                if (requestBody.getContent() != null) {
                    for (Map.Entry<String, MediaType> content : requestBody.getContent().entrySet()) {
                        String type = content.getKey().toLowerCase(Locale.ROOT);
                        if (type.equals("application/json") || (json == null && (type.endsWith("+json")
                            || type.startsWith("application/json;")))) {
                            json = content;
                        }
                    }
                }
                if (json == null) {
                    String types = requestBody.getContent() == null ? "none"
                        : String.join(", ", requestBody.getContent().keySet());
                    if (mandatory) {
                        own.add("request body without a JSON media type (" + types + ") is not supported");
                    } else {
                        problems.add(where + ": optional request body (" + types + ") is not offered");
                    }
                } else if (properties.has(Operation.BODY)) {
                    own.add("a parameter is named '" + Operation.BODY + "', like the request body argument");
                } else {
                    ObjectNode converted = json.getValue().getSchema() == null
                        ? JsonNodeFactory.instance.objectNode()
                        : session.convert(json.getValue().getSchema(), "body");
                    if (requestBody.getDescription() != null && !converted.has("description")) {
                        converted.put("description", requestBody.getDescription());
                    }
                    properties.set(Operation.BODY, converted);
                    if (mandatory) {
                        required.add(Operation.BODY);
                    }
                    body = new Operation.Body(json.getKey(), mandatory);
                }
            }
        }
        if (!required.isEmpty()) {
            required.forEach(schema.putArray("required")::add);
        }
        schema.put("additionalProperties", false);
        ObjectNode defs = session.defs();
        if (!defs.isEmpty()) {
            schema.set("$defs", defs);
        }
        own.addAll(session.problems);
        if (!own.isEmpty()) {
            own.forEach(problem -> problems.add(where + ": " + problem + "; left out"));
            return null;
        }
        return new Operation(toolName, operationId, method, path, description(op, method, path), schema.toString(),
            risk, List.copyOf(params), body);
    }

    private static String description(io.swagger.v3.oas.models.Operation op, String method, String path) {
        StringBuilder text = new StringBuilder();
        if (op.getSummary() != null && !op.getSummary().isBlank()) {
            text.append(op.getSummary().trim());
        }
        if (op.getDescription() != null && !op.getDescription().isBlank()
            && !op.getDescription().trim().equals(text.toString())) {
            if (text.length() > 0) {
                text.append(text.charAt(text.length() - 1) == '.' ? " " : ". ");
            }
            text.append(op.getDescription().trim());
        }
        if (text.length() == 0) {
            text.append(method).append(' ').append(path);
        }
        return text.length() > MAX_DESCRIPTION ? text.substring(0, MAX_DESCRIPTION - 1) + "…" : text.toString();
    }

    /** Follows one local component reference of a parameter or request body. */
    private static <T> T resolve(T given, String prefix, Function<String, T> lookup, String where, List<String> own) {
        String ref = given instanceof Parameter p ? p.get$ref() : given instanceof RequestBody b ? b.get$ref() : null;
        if (ref == null) {
            return given;
        }
        if (!ref.startsWith(prefix)) {
            own.add("$ref '" + ref + "' is not supported (only " + prefix + "...)");
            return null;
        }
        T found = lookup.apply(ref.substring(prefix.length()));
        if (found == null) {
            own.add("$ref '" + ref + "' names nothing in the document");
            return null;
        }
        return found;
    }
}
