package io.cuga.guardrail.egress.internal;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

import org.osgi.service.component.annotations.Component;

import io.cuga.api.guardrail.Guardrail;
import io.cuga.api.guardrail.GuardrailService;
import io.cuga.api.policy.PolicyException;

/**
 * The {@code egress} guardrail type: compiles a policy's {@code egress} section into {@link EgressRules}, which
 * check every outbound target argument of a call before dispatch.
 *
 * <pre>
 * egress:
 *   schemes: [https]                 # default [https]; only http and https can be listed
 *   allow_domains: [api.example.com, "*.example.org"]   # empty (the default) = nothing allowed
 *   deny_domains: [evil.example.org] # wins over allow_domains
 *   allow_cidrs: [127.0.0.0/8]       # blocked addresses (loopback, private, ...) that are allowed
 * </pre>
 */
@Component(service = Guardrail.class)
@GuardrailService(type = EgressRules.TYPE, order = 300)
public class EgressGuardrail implements Guardrail {

    /** The section's keys. */
    static final Set<String> KEYS = Set.of("schemes", "allow_domains", "deny_domains", "allow_cidrs");

    /** The schemes a policy may list. */
    static final Set<String> SCHEMES = Set.of("http", "https");

    @Override
    public Rules compile(Map<String, Object> section, String profile) throws PolicyException {
        return compileSection(section);
    }

    /**
     * @param section the {@code egress} section (null or empty for the defaults)
     * @return the compiled rules
     * @throws PolicyException naming the JSON-pointer path, relative to the section, of what is wrong
     */
    static EgressRules compileSection(Map<String, Object> section) throws PolicyException {
        Map<String, Object> values = section == null ? Map.of() : section;
        for (Object key : values.keySet()) {
            if (!KEYS.contains(key)) {
                throw new PolicyException("/" + pointerEscape(String.valueOf(key)), "unknown key '" + key
                    + "' in the egress section; expected one of allow_cidrs, allow_domains, deny_domains, schemes");
            }
        }
        Set<String> schemes = new LinkedHashSet<>(values.containsKey("schemes")
            ? list(values, "schemes", value -> {
                String scheme = value.trim().toLowerCase(java.util.Locale.ROOT);
                if (!SCHEMES.contains(scheme)) {
                    throw new IllegalArgumentException("the scheme '" + value + "' cannot be allowed; only http and https");
                }
                return scheme;
            })
            : List.of("https"));
        List<DomainPattern> allow = list(values, "allow_domains", DomainPattern::parse);
        List<DomainPattern> deny = list(values, "deny_domains", DomainPattern::parse);
        List<Cidr> cidrs = list(values, "allow_cidrs", Cidr::parse);
        return new EgressRules(schemes, allow, deny, cidrs);
    }

    private static <T> List<T> list(Map<String, Object> section, String key, Function<String, T> parser)
        throws PolicyException {
        if (!section.containsKey(key)) {
            return List.of();
        }
        Object value = section.get(key);
        if (!(value instanceof List<?> items)) {
            throw new PolicyException("/" + key, "expected a list of strings (use [] for none), found "
                + describe(value));
        }
        List<T> out = new ArrayList<>(items.size());
        for (int i = 0; i < items.size(); i++) {
            Object item = items.get(i);
            if (!(item instanceof String text) || text.isBlank()) {
                throw new PolicyException("/" + key + "/" + i, "expected a non-empty string, found " + describe(item));
            }
            try {
                out.add(parser.apply(text));
            } catch (IllegalArgumentException e) {
                throw new PolicyException("/" + key + "/" + i, e.getMessage());
            }
        }
        return out;
    }

    private static String describe(Object value) {
        if (value == null) {
            return "nothing (null)";
        }
        if (value instanceof Map) {
            return "a map";
        }
        if (value instanceof List) {
            return "a list";
        }
        if (value instanceof String) {
            return "a string";
        }
        if (value instanceof Number) {
            return "a number (" + value + ")";
        }
        if (value instanceof Boolean) {
            return "a boolean (" + value + ")";
        }
        return "a " + value.getClass().getSimpleName();
    }

    private static String pointerEscape(String key) {
        return key.replace("~", "~0").replace("/", "~1");
    }
}
