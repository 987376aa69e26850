package io.cuga.policy.internal;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeSet;
import java.util.jar.Manifest;

import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;

import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

import io.cuga.api.guardrail.Guardrail;

/**
 * The guardrails on the class path, for the CLI outside OSGi. Implementations are found with
 * {@link ServiceLoader} (a guardrail bundle lists its component class in
 * {@code META-INF/services/io.cuga.api.guardrail.Guardrail}); each one's type and order are read from its
 * Declarative Services component description (the {@code Service-Component} header of its jar), the same
 * properties the server sees, so the type is declared once.
 */
final class ClassPathGuardrails implements GuardrailCatalog {

    private static final String SERVICES = "META-INF/services/" + Guardrail.class.getName();

    /** A component description of a guardrail: its type and order. */
    record Described(String type, int order) {
    }

    private final Map<String, Provided> byType;
    private final List<String> problems;

    private ClassPathGuardrails(Map<String, Provided> byType, List<String> problems) {
        this.byType = byType;
        this.problems = problems;
    }

    /**
     * @param loader the class loader to search
     * @return the guardrails found, with the problems met on the way
     */
    static ClassPathGuardrails load(ClassLoader loader) {
        List<String> problems = new ArrayList<>();
        Map<String, Described> described = describe(loader, problems);
        Map<String, Provided> byType = new LinkedHashMap<>();
        Iterator<ServiceLoader.Provider<Guardrail>> providers = ServiceLoader.load(Guardrail.class, loader).stream()
            .iterator();
        while (true) {
            ServiceLoader.Provider<Guardrail> provider;
            try {
                if (!providers.hasNext()) {
                    break;
                }
                provider = providers.next();
            } catch (ServiceConfigurationError e) {
                problems.add("a " + SERVICES + " entry is unusable: " + e.getMessage());
                continue;
            }
            String className = provider.type().getName();
            Described description = described.get(className);
            if (description == null) {
                problems.add(className + " is listed in " + SERVICES + " but no component description declares its "
                    + Guardrail.TYPE);
                continue;
            }
            if (byType.containsKey(description.type())) {
                problems.add(className + " is ignored: " + byType.get(description.type()).origin()
                    + " already provides guardrail type '" + description.type() + "'");
                continue;
            }
            try {
                byType.put(description.type(), new Provided(description.type(), provider.get(),
                    description.order(), 0, className));
            } catch (ServiceConfigurationError | RuntimeException | LinkageError e) {
                problems.add(className + " cannot be created: " + e.getMessage());
            }
        }
        return new ClassPathGuardrails(byType, problems);
    }

    /** @return what went wrong while looking for guardrails (not fatal: the types found still work) */
    List<String> problems() {
        return problems;
    }

    @Override
    public Provided find(String type) {
        return byType.get(type);
    }

    @Override
    public Set<String> types() {
        return new TreeSet<>(byType.keySet());
    }

    @Override
    public String missing(String type) {
        return "guardrail type '" + type + "' is not installed (no Guardrail implementation of that type on the "
            + "class path; a guardrail bundle lists its class in " + SERVICES + ")";
    }

    /** @return the guardrail components described on the class path, by implementation class */
    static Map<String, Described> describe(ClassLoader loader, List<String> problems) {
        Map<String, Described> out = new HashMap<>();
        Enumeration<URL> manifests;
        try {
            manifests = loader.getResources("META-INF/MANIFEST.MF");
        } catch (IOException e) {
            problems.add("cannot list the class path's manifests: " + e.getMessage());
            return out;
        }
        DocumentBuilder xml = xmlParser();
        while (manifests.hasMoreElements()) {
            URL manifestUrl = manifests.nextElement();
            String header;
            try (InputStream in = manifestUrl.openStream()) {
                header = new Manifest(in).getMainAttributes().getValue("Service-Component");
            } catch (IOException e) {
                continue;
            }
            if (header == null || header.isBlank()) {
                continue;
            }
            String base = manifestUrl.toString();
            base = base.substring(0, base.length() - "META-INF/MANIFEST.MF".length());
            for (String entry : header.split(",")) {
                String path = entry.trim();
                if (path.isEmpty() || path.contains("*")) {
                    continue;
                }
                try (InputStream in = java.net.URI.create(base + path).toURL().openStream()) {
                    read(xml.parse(in), out);
                } catch (Exception e) {
                    problems.add("cannot read the component description " + base + path + ": " + e.getMessage());
                }
            }
        }
        return out;
    }

    private static void read(Document document, Map<String, Described> out) {
        NodeList components = document.getElementsByTagNameNS("*", "component");
        if (components.getLength() == 0) {
            components = document.getElementsByTagName("component");
        }
        for (int i = 0; i < components.getLength(); i++) {
            Element component = (Element) components.item(i);
            String implementation = null;
            boolean provides = false;
            String type = null;
            Integer order = null;
            for (Node node = component.getFirstChild(); node != null; node = node.getNextSibling()) {
                if (!(node instanceof Element element)) {
                    continue;
                }
                String name = element.getLocalName() == null ? element.getTagName() : element.getLocalName();
                switch (name) {
                    case "implementation" -> implementation = element.getAttribute("class");
                    case "service" -> provides |= providesGuardrail(element);
                    case "property" -> {
                        String key = element.getAttribute("name");
                        String value = element.hasAttribute("value") ? element.getAttribute("value")
                            : element.getTextContent().trim();
                        if (Guardrail.TYPE.equals(key)) {
                            type = value.trim();
                        } else if (Guardrail.ORDER.equals(key)) {
                            order = ServiceGuardrails.integer(value);
                        }
                    }
                    default -> {
                    }
                }
            }
            if (provides && implementation != null && !implementation.isBlank() && type != null && !type.isEmpty()) {
                out.put(implementation, new Described(type, order == null ? ServiceGuardrails.DEFAULT_ORDER : order));
            }
        }
    }

    private static boolean providesGuardrail(Element service) {
        for (Node node = service.getFirstChild(); node != null; node = node.getNextSibling()) {
            if (node instanceof Element provide && Guardrail.class.getName().equals(provide.getAttribute(
                "interface"))) {
                return true;
            }
        }
        return false;
    }

    private static DocumentBuilder xmlParser() {
        try {
            DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
            factory.setNamespaceAware(true);
            factory.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            factory.setExpandEntityReferences(false);
            return factory.newDocumentBuilder();
        } catch (Exception e) {
            throw new IllegalStateException("no XML parser in this Java runtime", e);
        }
    }
}
