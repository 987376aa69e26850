package io.cuga.launcher.config;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * The known configuration keys and their types: the metatype ({@code OSGI-INF/metatype/*.xml}) of the bundle jars
 * of the distribution, read without a framework. A key is {@code <pid>.<attribute id>}; the PID is the longest
 * known PID the key starts with. Friendly aliases ({@link #ALIASES}) name a few keys the way the seed did.
 */
public final class Schema {

    /** One attribute of a PID's metatype. {@code cardinality} 0 is a single value, anything else a list. */
    public record Attr(String pid, String id, String type, int cardinality, String defaultValue) {

        public String key() {
            return pid + "." + id;
        }

        public boolean multi() {
            return cardinality != 0;
        }

        public boolean password() {
            return "password".equalsIgnoreCase(type);
        }
    }

    /** Friendly names (alias to canonical key); documented in docs/configuration.md. */
    public static final Map<String, String> ALIASES;

    static {
        Map<String, String> a = new LinkedHashMap<>();
        a.put("agent.llm.model", "cuga.model.openai.model");
        a.put("agent.llm.base_url", "cuga.model.openai.base.url");
        a.put("agent.llm.api_key", "cuga.model.openai.api.key");
        a.put("agent.llm.api_key_file", "cuga.model.openai.api.key.file");
        a.put("agent.llm.timeout_ms", "cuga.model.openai.timeout.millis");
        a.put("agent.llm.max_retries", "cuga.model.openai.max.retries");
        ALIASES = Collections.unmodifiableMap(a);
    }

    /** Separates a factory PID from an instance name: {@code cuga.tool.openapi~petstore} (ConfigAdmin's own form). */
    public static final char FACTORY_SEPARATOR = '~';

    private final Map<String, Map<String, Attr>> pids = new TreeMap<>();
    /** Factory PIDs and their attributes (Attr.pid is the factory PID here). */
    private final Map<String, Map<String, Attr>> factories = new TreeMap<>();

    /** Reads the metatype of every jar directly in the given folders or below them (missing folders are skipped). */
    public static Schema fromFolders(List<Path> folders) throws IOException {
        Schema schema = new Schema();
        for (Path folder : folders) {
            if (folder == null || !Files.isDirectory(folder)) {
                continue;
            }
            List<Path> jars;
            try (Stream<Path> s = Files.walk(folder, 8)) {
                jars = s.filter(p -> p.getFileName().toString().endsWith(".jar") && Files.isRegularFile(p))
                        .sorted().toList();
            }
            for (Path jar : jars) {
                schema.addJar(jar);
            }
        }
        return schema;
    }

    void addJar(Path jar) throws IOException {
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            Enumeration<? extends ZipEntry> entries = zip.entries();
            while (entries.hasMoreElements()) {
                ZipEntry e = entries.nextElement();
                if (!e.isDirectory() && e.getName().startsWith("OSGI-INF/metatype/")
                        && e.getName().endsWith(".xml")) {
                    try (InputStream in = zip.getInputStream(e)) {
                        addMetatype(in);
                    } catch (IOException | RuntimeException ex) {
                        throw new IOException("unreadable metatype " + e.getName() + " in " + jar + ": "
                                + ex.getMessage(), ex);
                    }
                }
            }
        }
    }

    /** Adds the PIDs and factory PIDs designated in one metatype document. */
    public void addMetatype(InputStream xml) throws IOException {
        Document doc;
        try {
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            DocumentBuilder b = f.newDocumentBuilder();
            doc = b.parse(xml);
        } catch (IOException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException(e.getMessage(), e);
        }
        Map<String, List<Element>> ocds = new HashMap<>();
        NodeList ocdNodes = doc.getElementsByTagName("OCD");
        for (int i = 0; i < ocdNodes.getLength(); i++) {
            Element ocd = (Element) ocdNodes.item(i);
            List<Element> ads = new ArrayList<>();
            NodeList adNodes = ocd.getElementsByTagName("AD");
            for (int j = 0; j < adNodes.getLength(); j++) {
                ads.add((Element) adNodes.item(j));
            }
            ocds.put(ocd.getAttribute("id"), ads);
        }
        NodeList designates = doc.getElementsByTagName("Designate");
        for (int i = 0; i < designates.getLength(); i++) {
            Element d = (Element) designates.item(i);
            String factoryPid = d.getAttribute("factoryPid");
            String pid = factoryPid.isEmpty() ? d.getAttribute("pid") : factoryPid;
            if (pid.isEmpty()) {
                continue;
            }
            Map<String, Map<String, Attr>> target = factoryPid.isEmpty() ? pids : factories;
            NodeList objects = d.getElementsByTagName("Object");
            for (int j = 0; j < objects.getLength(); j++) {
                List<Element> ads = ocds.get(((Element) objects.item(j)).getAttribute("ocdref"));
                if (ads == null) {
                    continue;
                }
                Map<String, Attr> attrs = target.computeIfAbsent(pid, k -> new TreeMap<>());
                for (Element ad : ads) {
                    String card = ad.getAttribute("cardinality");
                    int cardinality = card.isEmpty() ? 0 : Integer.parseInt(card.trim());
                    String type = ad.getAttribute("type").isEmpty() ? "String" : ad.getAttribute("type");
                    attrs.put(ad.getAttribute("id"), new Attr(pid, ad.getAttribute("id"), type, cardinality,
                            ad.hasAttribute("default") ? ad.getAttribute("default") : null));
                }
            }
        }
    }

    /** Adds one attribute by hand (tests). */
    public Schema add(String pid, String id, String type, int cardinality, String defaultValue) {
        pids.computeIfAbsent(pid, k -> new TreeMap<>()).put(id, new Attr(pid, id, type, cardinality, defaultValue));
        return this;
    }

    /** Adds one attribute of a factory PID by hand (tests). */
    public Schema addFactory(String factoryPid, String id, String type, int cardinality, String defaultValue) {
        factories.computeIfAbsent(factoryPid, k -> new TreeMap<>()).put(id, new Attr(factoryPid, id, type,
                cardinality, defaultValue));
        return this;
    }

    /** The canonical key of a key or alias. */
    public static String canonical(String key) {
        return ALIASES.getOrDefault(key, key);
    }

    /**
     * The longest known PID that the key starts with, or null. A factory configuration's key names the instance:
     * {@code cuga.tool.openapi~petstore.spec} is PID {@code cuga.tool.openapi~petstore} (the name ends at the
     * first dot).
     */
    public String pidOf(String key) {
        String best = null;
        for (String pid : pids.keySet()) {
            if (key.startsWith(pid + ".") && (best == null || pid.length() > best.length())) {
                best = pid;
            }
        }
        for (String factory : factories.keySet()) {
            if (key.startsWith(factory + FACTORY_SEPARATOR)) {
                int dot = key.indexOf('.', factory.length() + 1);
                if (dot > factory.length() + 1) {
                    String instance = key.substring(0, dot);
                    if (best == null || instance.length() > best.length()) {
                        best = instance;
                    }
                }
            }
        }
        return best;
    }

    /** The attribute a (canonical) key addresses, or null when it is unknown. */
    public Attr attr(String key) {
        String pid = pidOf(key);
        return pid == null ? null : attr(pid, key.substring(pid.length() + 1));
    }

    /**
     * The attribute {@code id} of a PID, of a factory instance ({@code factory~name}) or of a factory PID itself;
     * null when unknown. For an instance, {@link Attr#pid()} is the instance's PID.
     */
    public Attr attr(String pid, String id) {
        Map<String, Attr> attrs = pids.get(pid);
        if (attrs != null) {
            return attrs.get(id);
        }
        int sep = pid.indexOf(FACTORY_SEPARATOR);
        Map<String, Attr> f = factories.get(sep > 0 ? pid.substring(0, sep) : pid);
        Attr a = f == null ? null : f.get(id);
        return a == null ? null : new Attr(pid, a.id(), a.type(), a.cardinality(), a.defaultValue());
    }

    /** Whether a PID, a factory PID or a factory instance ({@code factory~name}) of a known factory is known. */
    public boolean knowsPid(String pid) {
        int sep = pid.indexOf(FACTORY_SEPARATOR);
        return pids.containsKey(pid) || factories.containsKey(sep > 0 ? pid.substring(0, sep) : pid);
    }

    public boolean isFactory(String factoryPid) {
        return factories.containsKey(factoryPid);
    }

    /** The attributes of one factory instance ({@code factory~name}), with the instance as their PID. */
    public List<Attr> instanceAttrs(String instancePid) {
        int sep = instancePid.indexOf(FACTORY_SEPARATOR);
        Map<String, Attr> f = sep > 0 ? factories.get(instancePid.substring(0, sep)) : null;
        if (f == null) {
            return List.of();
        }
        List<Attr> out = new ArrayList<>();
        f.values().forEach(a -> out.add(new Attr(instancePid, a.id(), a.type(), a.cardinality(), a.defaultValue())));
        return out;
    }

    /** Every known attribute of the (non-factory) PIDs, sorted by key. */
    public List<Attr> attrs() {
        List<Attr> all = new ArrayList<>();
        pids.values().forEach(m -> all.addAll(m.values()));
        all.sort((x, y) -> x.key().compareTo(y.key()));
        return all;
    }

    /** The words a key's last word must be for its value to be masked. */
    private static final Set<String> SECRET_WORDS = Set.of("password", "passwd", "secret", "token", "tokens", "key",
        "apikey", "credential", "credentials");

    /**
     * Values of keys whose last word names a password, token, key or secret are shown masked: {@code api.key},
     * {@code postgres.password}, {@code tokens}; not {@code api.key.file} (a path), {@code postgres.password.env} (a
     * variable's name), {@code env.token.profile} or {@code keys} (the redacted keys).
     */
    public static boolean secretKey(String key) {
        String[] words = key.toLowerCase(Locale.ROOT).split("[._~-]+");
        return words.length > 0 && SECRET_WORDS.contains(words[words.length - 1]);
    }

}
