package io.cuga.tool.mcp.internal;

import java.io.Reader;
import java.io.StringReader;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

import io.cuga.api.tool.RiskTier;

/**
 * Reads the MCP servers file. Every mistake is reported with its line, and a file with any mistake is refused
 * whole (the servers already running are kept), so a half-edited file never tears servers down.
 *
 * <pre>
 * servers:
 *   - name: everything
 *     transport: stdio
 *     command: /opt/mcp/node_modules/.bin/mcp-server-everything
 *     args: [stdio]
 *     env: { LOG_LEVEL: info }
 *     cwd: work                # under ${cuga.data}/mcp/everything
 *     risk: { get-env: WRITE } # per MCP tool name; "*" for all
 *   - name: remote
 *     transport: http
 *     url: https://mcp.example.com/mcp
 *     headers: { Authorization: "Bearer ${env:REMOTE_MCP_TOKEN}" }
 * </pre>
 * {@code ${env:NAME}} in env and header values is replaced by cuga's environment variable NAME (an error
 * when it is not set), so secrets stay out of the file.
 */
final class ServersFile {

    /** Server names: they prefix tool names, so the tool-name alphabet, shorter. */
    static final Pattern SERVER_NAME = Pattern.compile("^[a-zA-Z0-9-]{1,32}$");

    private static final Pattern ENV_REF = Pattern.compile("\\$\\{env:([A-Za-z_][A-Za-z0-9_]*)}");
    private static final Set<String> STDIO_KEYS = Set.of("name", "transport", "command", "args", "env", "cwd",
        "risk");
    private static final Set<String> HTTP_KEYS = Set.of("name", "transport", "url", "headers", "risk");

    private ServersFile() {
    }

    /** A mistake in the servers file, with its line. */
    static final class Invalid extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        Invalid(String source, int line, String message) {
            super(source + (line > 0 ? " line " + line : "") + ": " + message);
        }
    }

    /**
     * Parses a servers file.
     *
     * @param source the file's name, for messages
     * @param text the YAML text
     * @param env cuga's environment, for {@code ${env:NAME}}
     * @return the servers in file order
     * @throws Invalid naming the line of the first mistake
     */
    static List<ServerSpec> parse(String source, String text, Function<String, String> env) {
        Node root;
        try (Reader reader = new StringReader(text)) {
            LoaderOptions options = new LoaderOptions();
            options.setAllowDuplicateKeys(false);
            options.setMaxAliasesForCollections(10);
            options.setCodePointLimit(1_000_000);
            root = new Yaml(options).compose(reader);
        } catch (MarkedYAMLException e) {
            int line = e.getProblemMark() == null ? 0 : e.getProblemMark().getLine() + 1;
            throw new Invalid(source, line, "not valid YAML: " + e.getProblem());
        } catch (YAMLException | java.io.IOException e) {
            throw new Invalid(source, 0, "not valid YAML: " + e.getMessage());
        }
        if (root == null) {
            return List.of();
        }
        Map<String, Node> top = mapping(source, root, "the file", Set.of("servers"));
        Node serversNode = top.get("servers");
        if (serversNode == null || isNull(serversNode)) {
            return List.of();
        }
        if (!(serversNode instanceof SequenceNode seq)) {
            throw new Invalid(source, line(serversNode), "servers must be a list of server entries");
        }
        List<ServerSpec> out = new ArrayList<>();
        Map<String, Integer> seen = new LinkedHashMap<>();
        for (Node item : seq.getValue()) {
            ServerSpec spec = server(source, item, env);
            Integer first = seen.putIfAbsent(spec.name().toLowerCase(Locale.ROOT), spec.line());
            if (first != null) {
                throw new Invalid(source, spec.line(), "server name '" + spec.name() + "' is already used on line "
                    + first);
            }
            out.add(spec);
        }
        return List.copyOf(out);
    }

    private static ServerSpec server(String source, Node node, Function<String, String> env) {
        if (!(node instanceof MappingNode)) {
            throw new Invalid(source, line(node), "a server entry must be a mapping with name and transport");
        }
        Map<String, Node> raw = mapping(source, node, "a server entry", null);
        int line = line(node);
        String name = requiredScalar(source, raw, "name", node);
        if (!SERVER_NAME.matcher(name).matches()) {
            throw new Invalid(source, line(raw.get("name")), "server name '" + name
                + "' must be 1 to 32 letters, digits or '-'");
        }
        String transportText = requiredScalar(source, raw, "transport", node);
        ServerSpec.Transport transport;
        switch (transportText.toLowerCase(Locale.ROOT)) {
            case "stdio" -> transport = ServerSpec.Transport.STDIO;
            case "http", "streamable-http", "streamablehttp" -> transport = ServerSpec.Transport.HTTP;
            default -> throw new Invalid(source, line(raw.get("transport")), "server '" + name
                + "': transport must be stdio or http, not '" + transportText + "'");
        }
        Set<String> allowed = transport == ServerSpec.Transport.STDIO ? STDIO_KEYS : HTTP_KEYS;
        for (Map.Entry<String, Node> e : raw.entrySet()) {
            if (!allowed.contains(e.getKey())) {
                throw new Invalid(source, line(e.getValue()), "server '" + name + "': unknown key '" + e.getKey()
                    + "' for transport " + transportText + " (allowed: " + new java.util.TreeSet<>(allowed) + ")");
            }
        }
        Map<String, RiskTier> risk = new LinkedHashMap<>();
        Node riskNode = raw.get("risk");
        if (riskNode != null && !isNull(riskNode)) {
            for (Map.Entry<String, Node> e : mapping(source, riskNode, "risk", null).entrySet()) {
                String tier = scalar(source, e.getValue(), "risk of '" + e.getKey() + "'");
                try {
                    risk.put(e.getKey(), RiskTier.parse(tier));
                } catch (IllegalArgumentException ex) {
                    throw new Invalid(source, line(e.getValue()), "server '" + name + "': " + ex.getMessage());
                }
            }
        }
        if (transport == ServerSpec.Transport.STDIO) {
            String command = requiredScalar(source, raw, "command", node);
            List<String> args = new ArrayList<>();
            Node argsNode = raw.get("args");
            if (argsNode != null && !isNull(argsNode)) {
                if (!(argsNode instanceof SequenceNode argSeq)) {
                    throw new Invalid(source, line(argsNode), "server '" + name + "': args must be a list");
                }
                for (Node a : argSeq.getValue()) {
                    args.add(scalar(source, a, "an argument"));
                }
            }
            Map<String, String> vars = stringMap(source, raw.get("env"), "env", name, env);
            for (String key : vars.keySet()) {
                if (!key.matches("[A-Za-z_][A-Za-z0-9_]*")) {
                    throw new Invalid(source, line(raw.get("env")), "server '" + name + "': '" + key
                        + "' is not an environment variable name");
                }
            }
            String cwd = raw.containsKey("cwd") ? scalar(source, raw.get("cwd"), "cwd") : "";
            Path rel = Path.of(cwd).normalize();
            if (Path.of(cwd).isAbsolute() || rel.startsWith("..")) {
                throw new Invalid(source, line(raw.get("cwd")), "server '" + name + "': cwd '" + cwd
                    + "' must be a relative path inside the server's directory (${cuga.data}/mcp/" + name + ")");
            }
            return new ServerSpec(name, transport, command, List.copyOf(args), vars, rel.toString(), null, Map.of(),
                Collections.unmodifiableMap(risk), line);
        }
        String urlText = requiredScalar(source, raw, "url", node);
        URI url;
        try {
            url = new URI(urlText);
        } catch (URISyntaxException e) {
            throw new Invalid(source, line(raw.get("url")), "server '" + name + "': url is not a URL: "
                + e.getReason());
        }
        if (url.getHost() == null || !("http".equals(url.getScheme()) || "https".equals(url.getScheme()))) {
            throw new Invalid(source, line(raw.get("url")), "server '" + name
                + "': url must be an absolute http or https URL, not '" + urlText + "'");
        }
        Map<String, String> headers = stringMap(source, raw.get("headers"), "headers", name, env);
        return new ServerSpec(name, transport, "", List.of(), Map.of(), "", url, headers,
            Collections.unmodifiableMap(risk), line);
    }

    private static Map<String, String> stringMap(String source, Node node, String what, String server,
        Function<String, String> env) {
        Map<String, String> out = new LinkedHashMap<>();
        if (node == null || isNull(node)) {
            return Map.of();
        }
        for (Map.Entry<String, Node> e : mapping(source, node, what, null).entrySet()) {
            String value = scalar(source, e.getValue(), what + " value of '" + e.getKey() + "'");
            Matcher m = ENV_REF.matcher(value);
            StringBuilder sb = new StringBuilder();
            while (m.find()) {
                String v = env.apply(m.group(1));
                if (v == null) {
                    throw new Invalid(source, line(e.getValue()), "server '" + server + "': " + what + " '"
                        + e.getKey() + "' refers to the environment variable " + m.group(1) + ", which is not set");
                }
                m.appendReplacement(sb, Matcher.quoteReplacement(v));
            }
            m.appendTail(sb);
            out.put(e.getKey(), sb.toString());
        }
        return Collections.unmodifiableMap(out);
    }

    private static Map<String, Node> mapping(String source, Node node, String what, Set<String> keys) {
        if (!(node instanceof MappingNode map)) {
            throw new Invalid(source, line(node), what + " must be a mapping");
        }
        Map<String, Node> out = new LinkedHashMap<>();
        for (NodeTuple t : map.getValue()) {
            String key = scalar(source, t.getKeyNode(), "a key");
            if (keys != null && !keys.contains(key)) {
                throw new Invalid(source, line(t.getKeyNode()), "unknown key '" + key + "' in " + what
                    + " (expected: " + String.join(", ", keys) + ")");
            }
            if (out.put(key, t.getValueNode()) != null) {
                throw new Invalid(source, line(t.getKeyNode()), "key '" + key + "' appears twice in " + what);
            }
        }
        return out;
    }

    private static String requiredScalar(String source, Map<String, Node> raw, String key, Node owner) {
        Node node = raw.get(key);
        if (node == null || isNull(node)) {
            throw new Invalid(source, line(owner), "a server entry needs '" + key + "'");
        }
        String value = scalar(source, node, key);
        if (value.isBlank()) {
            throw new Invalid(source, line(node), "'" + key + "' must not be empty");
        }
        return value;
    }

    private static String scalar(String source, Node node, String what) {
        if (!(node instanceof ScalarNode s)) {
            throw new Invalid(source, line(node), what + " must be a single value, not a list or mapping");
        }
        return s.getValue();
    }

    private static boolean isNull(Node node) {
        return node instanceof ScalarNode s && "tag:yaml.org,2002:null".equals(s.getTag().getValue());
    }

    private static int line(Node node) {
        return node == null || node.getStartMark() == null ? 0 : node.getStartMark().getLine() + 1;
    }
}
