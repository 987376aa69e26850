package io.cuga.launcher.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * Resolves the configuration layers (command line &gt; environment &gt; .env &gt; cuga.yaml &gt; cuga.toml &gt;
 * *.cfg &gt; metatype defaults) into one value per key with its source. Maps merge deeply (a nested map is
 * flattened into dotted keys, so a layer overrides only the keys it names); a list or a scalar replaces the
 * lower layer's value as a whole. Pure: it reads files but changes nothing, so the launcher, {@code cuga config
 * explain} and the framework's watcher all get the same answer.
 */
public final class Resolver {

    public static final String YAML_FILE = "cuga.yaml";
    public static final String TOML_FILE = "cuga.toml";
    public static final String DOTENV_FILE = ".env";
    /** Environment variables (and .env names) that are configuration keys start with one of these. */
    public static final List<String> ENV_PREFIXES = List.of("CUGA__", "AGENT__");

    /** What to resolve: the config folder, the working directory, the environment and the --set arguments. */
    public record Inputs(Path configDir, Path cwd, Map<String, String> env, List<String> sets) {
    }

    private record Raw(String key, Object value, Layer layer, String source) {
    }

    /**
     * Properties any {@code .cfg} file may carry besides its component's metatype: ConfigAdmin's and the service
     * registry's ({@code service.*}), FileInstall's ({@code felix.fileinstall.*}), private ones (a leading dot) and
     * the Web Console's name hint.
     */
    public static boolean standardProperty(String name) {
        return name.startsWith("service.") || name.startsWith("felix.fileinstall.") || name.startsWith(".")
                || name.startsWith("webconsole.configurationFactory.") || name.equals("component.name")
                || name.equals("component.id");
    }

    private Resolver() {
    }

    /** The .env files read, lowest precedence first: beside the config folder, then the working directory. */
    public static List<Path> dotenvFiles(Path configDir, Path cwd) {
        Set<Path> files = new LinkedHashSet<>();
        for (Path dir : new Path[] {configDir == null ? null : configDir.toAbsolutePath().getParent(), cwd}) {
            if (dir != null) {
                Path f = dir.resolve(DOTENV_FILE).toAbsolutePath().normalize();
                if (Files.isRegularFile(f)) {
                    try {
                        files.add(f.toRealPath());
                    } catch (IOException e) {
                        files.add(f);
                    }
                }
            }
        }
        return new ArrayList<>(files);
    }

    /** Maps an environment name to a key: {@code AGENT__LLM__MODEL} is {@code agent.llm.model}; else null. */
    public static String envKey(String name) {
        if (ENV_PREFIXES.stream().noneMatch(name::startsWith)) {
            return null;
        }
        String[] parts = name.split("__", -1);
        StringBuilder sb = new StringBuilder();
        for (String part : parts) {
            if (part.isEmpty()) {
                return "";
            }
            sb.append(sb.length() == 0 ? "" : ".").append(part.toLowerCase(Locale.ROOT));
        }
        return sb.toString();
    }

    public static Resolved resolve(Inputs in, Schema schema, boolean strict) {
        Resolved r = new Resolved(schema);
        List<Raw> raws = new ArrayList<>();
        for (Schema.Attr a : schema.attrs()) {
            if (a.defaultValue() != null) {
                raws.add(new Raw(a.key(), a.multi() ? splitList(a.defaultValue()) : a.defaultValue(), Layer.DEFAULT,
                        "default"));
            }
        }
        if (in.configDir() != null) {
            readCfgs(in.configDir(), schema, strict, raws, r);
            readToml(in.configDir().resolve(TOML_FILE), raws, r);
            readYaml(in.configDir().resolve(YAML_FILE), raws, r);
        }
        for (Path f : dotenvFiles(in.configDir(), in.cwd())) {
            readDotenv(f, raws, r);
        }
        new TreeMap<>(in.env()).forEach((name, value) -> {
            String key = envKey(name);
            if (key != null) {
                if (key.isEmpty()) {
                    r.problems.add(new Resolved.Problem("environment " + name, null,
                            "not a key: use __ between the parts, e.g. AGENT__LLM__MODEL"));
                } else {
                    raws.add(new Raw(key, value, Layer.ENV, name));
                }
            }
        });
        for (String set : in.sets()) {
            int eq = set.indexOf('=');
            if (eq <= 0) {
                r.problems.add(new Resolved.Problem("command line --set " + set, null, "expected key=value"));
            } else {
                raws.add(new Raw(set.substring(0, eq).trim(), set.substring(eq + 1), Layer.CLI, "--set " + set
                        .substring(0, eq).trim()));
            }
        }
        // a factory instance named in any layer gets its factory's defaults, below everything else
        Set<String> instances = new TreeSet<>();
        for (Raw raw : raws) {
            String pid = schema.pidOf(Schema.canonical(raw.key()));
            if (pid != null && pid.indexOf(Schema.FACTORY_SEPARATOR) > 0) {
                instances.add(pid);
            }
        }
        List<Raw> defaults = new ArrayList<>();
        for (String instance : instances) {
            for (Schema.Attr a : schema.instanceAttrs(instance)) {
                if (a.defaultValue() != null) {
                    defaults.add(new Raw(a.key(), a.multi() ? splitList(a.defaultValue()) : a.defaultValue(),
                            Layer.DEFAULT, "default"));
                }
            }
        }
        raws.addAll(0, defaults);
        for (Raw raw : raws) {
            accept(raw, schema, strict, r);
        }
        return r;
    }

    private static void accept(Raw raw, Schema schema, boolean strict, Resolved r) {
        String key = Schema.canonical(raw.key());
        Schema.Attr attr = schema.attr(key);
        String where = raw.layer().label() + " " + raw.source();
        Object value = raw.value();
        if (raw.layer() != Layer.CFG && raw.layer() != Layer.DEFAULT) {
            String error = attr == null ? unknown(key, schema) : typeError(attr, value);
            if (error != null) {
                // strict: the start is refused; lenient: a warning, and the value is ignored
                r.problems.add(new Resolved.Problem(where, raw.key(), strict ? error : error + " (ignored)"));
                return;
            }
        }
        r.chains.computeIfAbsent(key, k -> new ArrayList<>()).add(new Resolved.Entry(key, value, raw.layer(),
                raw.source()));
        if (attr != null && raw.layer().compareTo(Layer.CFG) > 0) {
            Object v = value instanceof List<?> l ? l.stream().map(String::valueOf).toArray(String[]::new)
                    : attr.multi() ? new String[] {String.valueOf(value)} : String.valueOf(value);
            r.overlay.computeIfAbsent(attr.pid(), p -> new LinkedHashMap<>()).put(attr.id(), v);
        }
    }

    private static String unknown(String key, Schema schema) {
        String pid = schema.pidOf(key);
        if (pid != null) {
            return "unknown key: PID " + pid + " has no property '" + key.substring(pid.length() + 1) + "'";
        }
        return "unknown key (no component PID starts it; see ./cuga config explain for the known keys)";
    }

    /** Why the value does not fit the attribute's type, or null when it does. */
    static String typeError(Schema.Attr attr, Object value) {
        if (value instanceof Map<?, ?>) {
            return "expects " + describe(attr) + ", not a map";
        }
        if (value instanceof List<?> list) {
            if (!attr.multi()) {
                return "expects " + describe(attr) + ", not a list";
            }
            for (Object v : list) {
                String e = scalarError(attr, String.valueOf(v));
                if (e != null) {
                    return e;
                }
            }
            return null;
        }
        return attr.multi() ? null : scalarError(attr, String.valueOf(value));
    }

    private static String scalarError(Schema.Attr attr, String v) {
        String t = attr.type().toLowerCase(Locale.ROOT);
        String s = v.trim();
        boolean ok = switch (t) {
            case "long", "integer", "short", "byte" -> {
                try {
                    long n = Long.parseLong(s);
                    yield switch (t) {
                        case "integer" -> n >= Integer.MIN_VALUE && n <= Integer.MAX_VALUE;
                        case "short" -> n >= Short.MIN_VALUE && n <= Short.MAX_VALUE;
                        case "byte" -> n >= Byte.MIN_VALUE && n <= Byte.MAX_VALUE;
                        default -> true;
                    };
                } catch (NumberFormatException e) {
                    yield false;
                }
            }
            case "double", "float" -> {
                try {
                    Double.parseDouble(s);
                    yield true;
                } catch (NumberFormatException e) {
                    yield false;
                }
            }
            case "boolean" -> s.equalsIgnoreCase("true") || s.equalsIgnoreCase("false");
            case "char", "character" -> v.length() == 1;
            default -> true;
        };
        return ok ? null : "expects " + describe(attr) + ", not '" + v + "'";
    }

    private static String describe(Schema.Attr attr) {
        String t = switch (attr.type().toLowerCase(Locale.ROOT)) {
            case "long", "integer", "short", "byte" -> "a whole number (" + attr.type() + ")";
            case "double", "float" -> "a number";
            case "boolean" -> "true or false";
            default -> "a string";
        };
        return attr.multi() ? "a list of " + t.replaceFirst("^an? ", "") : t;
    }

    private static List<String> splitList(String s) {
        List<String> out = new ArrayList<>();
        if (!s.isEmpty()) {
            for (String part : s.split("(?<!\\\\),")) {
                out.add(part.replace("\\,", ",").trim());
            }
        }
        return out;
    }

    // ---- *.cfg: one per PID, Java properties; values shown for explain, laid below every other file ----

    /**
     * The PID a {@code .cfg} file configures, as FileInstall derives it: {@code <pid>.cfg}, or
     * {@code <factoryPid>-<name>.cfg} for the factory configuration {@code <factoryPid>~<name>}.
     */
    public static String cfgPid(String fileName) {
        String base = fileName.endsWith(".cfg") ? fileName.substring(0, fileName.length() - 4) : fileName;
        int dash = base.indexOf('-');
        return dash > 0 ? base.substring(0, dash) + Schema.FACTORY_SEPARATOR + base.substring(dash + 1) : base;
    }

    /**
     * Checks one {@code .cfg} file's properties against its PID's (or factory's) metatype: unknown keys and wrong
     * types, each with file:line; properties every .cfg may carry ({@link #standardProperty}) are fine. A PID no
     * metatype declares is a problem only in cuga's own namespace ({@code cuga.}, {@code io.cuga.}): other
     * PIDs (Felix, Pax Logging) have no metatype to check against. Values with {@code ${…}} are not type-checked
     * (FileInstall substitutes them).
     */
    public static List<Resolved.Problem> checkCfg(Schema schema, String pid, Path file, Map<String, ?> props,
            String text, boolean strict) {
        List<Resolved.Problem> problems = new ArrayList<>();
        Map<String, Integer> lines = cfgLines(text == null ? "" : text);
        String suffix = strict ? "" : " (FileInstall applies it as it is)";
        if (!schema.knowsPid(pid)) {
            if (pid.startsWith("cuga.") || pid.startsWith("io.cuga.")) {
                int sep = pid.indexOf(Schema.FACTORY_SEPARATOR);
                problems.add(new Resolved.Problem("cfg " + file + ":1", null, "unknown PID " + (sep > 0
                        ? "(factory " + pid.substring(0, sep) + ")" : pid) + ": no component's metatype declares it"
                        + " (a typo in the file name? a factory configuration is <factoryPid>-<name>.cfg)" + suffix,
                        Layer.CFG));
            }
            return problems;
        }
        for (String k : new TreeMap<>(props).keySet()) {
            if (standardProperty(k)) {
                continue;
            }
            Object value = props.get(k);
            Schema.Attr attr = schema.attr(pid, k);
            String error;
            if (attr == null) {
                error = "unknown key: PID " + pid + " has no property '" + k + "'";
            } else if (value instanceof String s && s.contains("${")) {
                error = null;
            } else if (value instanceof String || value instanceof Number || value instanceof Boolean) {
                error = typeError(attr, String.valueOf(value));
            } else {
                error = null; // a typed value (FileInstall's typed syntax): ConfigAdmin checked it
            }
            if (error != null) {
                problems.add(new Resolved.Problem("cfg " + file + ":" + lines.getOrDefault(k, 1), pid + "." + k,
                        error + suffix, Layer.CFG));
            }
        }
        return problems;
    }

    private static void readCfgs(Path dir, Schema schema, boolean strict, List<Raw> raws, Resolved r) {
        if (!Files.isDirectory(dir)) {
            return;
        }
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, "*.cfg")) {
            s.forEach(files::add);
        } catch (IOException e) {
            r.problems.add(new Resolved.Problem(dir.toString(), null, "cannot list: " + e.getMessage()));
            return;
        }
        files.sort(null);
        for (Path f : files) {
            String pid = cfgPid(f.getFileName().toString());
            try {
                String text = Files.readString(f, StandardCharsets.UTF_8);
                Properties p = new Properties();
                p.load(new StringReader(text));
                Map<String, Object> props = new TreeMap<>();
                p.forEach((k, v) -> props.put(String.valueOf(k), v));
                r.problems.addAll(checkCfg(schema, pid, f, props, text, strict));
                Map<String, Integer> lines = cfgLines(text);
                for (String k : new TreeMap<>(p).keySet().stream().map(String::valueOf).toList()) {
                    raws.add(new Raw(pid + "." + k, p.getProperty(k), Layer.CFG,
                            f + ":" + lines.getOrDefault(k, 1)));
                }
            } catch (IOException | IllegalArgumentException e) {
                r.problems.add(new Resolved.Problem(f.toString(), null, "unreadable: " + e.getMessage()));
            }
        }
    }

    private static final Pattern CFG_KEY = Pattern.compile("^\\s*([^#!\\s=:][^\\s=:]*)\\s*[=:\\s]");

    private static Map<String, Integer> cfgLines(String text) {
        Map<String, Integer> lines = new HashMap<>();
        String[] all = text.split("\r?\n", -1);
        boolean continued = false;
        for (int i = 0; i < all.length; i++) {
            String line = all[i];
            if (!continued) {
                Matcher m = CFG_KEY.matcher(line + " ");
                if (m.find()) {
                    lines.putIfAbsent(m.group(1), i + 1);
                }
            }
            continued = !line.stripLeading().startsWith("#") && line.endsWith("\\") && !line.endsWith("\\\\");
        }
        return lines;
    }

    // ---- cuga.yaml ----

    private static void readYaml(Path f, List<Raw> raws, Resolved r) {
        if (!Files.isRegularFile(f)) {
            return;
        }
        Node root;
        try {
            root = new Yaml(new LoaderOptions()).compose(new StringReader(Files.readString(f,
                    StandardCharsets.UTF_8)));
        } catch (IOException | RuntimeException e) {
            r.problems.add(new Resolved.Problem(f.toString(), null, "not valid YAML: " + oneLine(e.getMessage())));
            return;
        }
        if (root == null) {
            return;
        }
        if (!(root instanceof MappingNode map)) {
            r.problems.add(new Resolved.Problem(f + ":" + line(root), null, "expected a map of keys"));
            return;
        }
        yamlMap(f, "", map, raws, r);
    }

    private static void yamlMap(Path f, String prefix, MappingNode map, List<Raw> raws, Resolved r) {
        for (NodeTuple t : map.getValue()) {
            if (!(t.getKeyNode() instanceof ScalarNode k)) {
                r.problems.add(new Resolved.Problem(f + ":" + line(t.getKeyNode()), null, "a key must be text"));
                continue;
            }
            String key = prefix + k.getValue();
            String where = f + ":" + line(k);
            Node v = t.getValueNode();
            if (v instanceof MappingNode m) {
                yamlMap(f, key + ".", m, raws, r);
            } else if (v instanceof SequenceNode s) {
                List<String> items = new ArrayList<>();
                for (Node item : s.getValue()) {
                    if (item instanceof ScalarNode sc) {
                        items.add(sc.getValue());
                    } else {
                        r.problems.add(new Resolved.Problem(f + ":" + line(item), key,
                                "list items must be plain values"));
                        items = null;
                        break;
                    }
                }
                if (items != null) {
                    raws.add(new Raw(key, items, Layer.YAML, where));
                }
            } else if (v instanceof ScalarNode sc && !sc.getTag().equals(Tag.NULL)) {
                raws.add(new Raw(key, sc.getValue(), Layer.YAML, where));
            }
        }
    }

    private static int line(Node n) {
        return n.getStartMark() == null ? 1 : n.getStartMark().getLine() + 1;
    }

    // ---- cuga.toml ----

    private static final Pattern TOML_TABLE = Pattern.compile("^\\s*\\[\\s*([^\\[\\]]+?)\\s*\\]");
    private static final Pattern TOML_KEY = Pattern.compile("^\\s*([A-Za-z0-9_\\-.~\"' ]+?)\\s*=");

    private static void readToml(Path f, List<Raw> raws, Resolved r) {
        if (!Files.isRegularFile(f)) {
            return;
        }
        String text;
        JsonNode root;
        try {
            text = Files.readString(f, StandardCharsets.UTF_8);
            root = new TomlMapper().readTree(text);
        } catch (IOException | RuntimeException e) {
            r.problems.add(new Resolved.Problem(f.toString(), null, "not valid TOML: " + oneLine(e.getMessage())));
            return;
        }
        Map<String, Integer> lines = new HashMap<>();
        String table = "";
        String[] all = text.split("\r?\n", -1);
        for (int i = 0; i < all.length; i++) {
            Matcher t = TOML_TABLE.matcher(all[i]);
            if (t.find()) {
                table = unquote(t.group(1)) + ".";
                lines.putIfAbsent(table.substring(0, table.length() - 1), i + 1);
                continue;
            }
            Matcher k = TOML_KEY.matcher(all[i]);
            if (k.find()) {
                lines.putIfAbsent(table + unquote(k.group(1)), i + 1);
            }
        }
        if (root != null) {
            tomlNode(f, "", root, lines, raws, r);
        }
    }

    private static void tomlNode(Path f, String prefix, JsonNode node, Map<String, Integer> lines, List<Raw> raws,
            Resolved r) {
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> e = it.next();
            String key = prefix + e.getKey();
            JsonNode v = e.getValue();
            if (v.isObject()) {
                tomlNode(f, key + ".", v, lines, raws, r);
                continue;
            }
            String where = f + ":" + tomlLine(key, lines);
            if (v.isArray()) {
                List<String> items = new ArrayList<>();
                for (JsonNode item : v) {
                    if (item.isContainerNode()) {
                        r.problems.add(new Resolved.Problem(where, key, "list items must be plain values"));
                        items = null;
                        break;
                    }
                    items.add(item.asText());
                }
                if (items != null) {
                    raws.add(new Raw(key, items, Layer.TOML, where));
                }
            } else if (!v.isNull()) {
                raws.add(new Raw(key, v.asText(), Layer.TOML, where));
            }
        }
    }

    private static int tomlLine(String key, Map<String, Integer> lines) {
        for (String k = key; !k.isEmpty(); k = k.contains(".") ? k.substring(0, k.lastIndexOf('.')) : "") {
            Integer n = lines.get(k);
            if (n != null) {
                return n;
            }
        }
        return 1;
    }

    private static String unquote(String dotted) {
        return dotted.replace("\"", "").replace("'", "").replaceAll("\\s*\\.\\s*", ".").trim();
    }

    // ---- .env ----

    private static void readDotenv(Path f, List<Raw> raws, Resolved r) {
        List<String> lines;
        try {
            lines = Files.readAllLines(f, StandardCharsets.UTF_8);
        } catch (IOException e) {
            r.problems.add(new Resolved.Problem(f.toString(), null, "unreadable: " + e.getMessage()));
            return;
        }
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            if (line.startsWith("export ")) {
                line = line.substring(7).stripLeading();
            }
            int eq = line.indexOf('=');
            String where = f + ":" + (i + 1);
            if (eq <= 0) {
                r.problems.add(new Resolved.Problem(where, null, "expected NAME=value"));
                continue;
            }
            String name = line.substring(0, eq).strip();
            String value = line.substring(eq + 1).strip();
            if (value.length() >= 2 && (value.startsWith("\"") && value.endsWith("\"")
                    || value.startsWith("'") && value.endsWith("'"))) {
                value = value.substring(1, value.length() - 1);
            }
            String key = name.contains(".") ? name : envKey(name);
            if (key == null) {
                continue; // not a configuration key (e.g. AGENT_TOKEN): left to whoever reads .env
            }
            if (key.isEmpty()) {
                r.problems.add(new Resolved.Problem(where, name, "not a key: use __ between the parts"));
                continue;
            }
            raws.add(new Raw(key, value, Layer.DOTENV, where));
        }
    }

    private static String oneLine(String s) {
        return s == null ? "" : s.replaceAll("\\s*\\R\\s*", " ").trim();
    }
}
