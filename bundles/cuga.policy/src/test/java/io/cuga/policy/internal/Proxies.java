package io.cuga.policy.internal;

import java.lang.reflect.Proxy;
import java.util.Map;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.Version;

import io.cuga.api.guardrail.Guardrail;

/** What the framework hands a component, built for tests that run the loader outside OSGi. */
final class Proxies {

    private Proxies() {
    }

    /** A typed configuration: the annotation's defaults plus overrides by method name, as DS builds it. */
    static <A> A config(Class<A> type, Map<String, Object> overrides) {
        Object proxy = Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, (self, method, args) -> {
            if (overrides.containsKey(method.getName())) {
                return overrides.get(method.getName());
            }
            if (method.getDefaultValue() != null) {
                return method.getDefaultValue();
            }
            return switch (method.getName()) {
                case "annotationType" -> type;
                case "toString" -> type.getSimpleName() + overrides;
                case "hashCode" -> overrides.hashCode();
                case "equals" -> self == args[0];
                default -> throw new IllegalStateException("no value for " + method.getName());
            };
        });
        return type.cast(proxy);
    }

    /** A bundle context that knows framework properties and nothing else. */
    static BundleContext context(Map<String, String> properties) {
        return (BundleContext) Proxy.newProxyInstance(Proxies.class.getClassLoader(),
            new Class<?>[] {BundleContext.class}, (self, method, args) -> switch (method.getName()) {
                case "getProperty" -> properties.get((String) args[0]);
                case "toString" -> "BundleContext" + properties;
                case "hashCode" -> System.identityHashCode(self);
                case "equals" -> self == args[0];
                default -> throw new UnsupportedOperationException(method.getName());
            });
    }

    /** The reference of a guardrail service with the given id, type and order. */
    @SuppressWarnings("unchecked")
    static ServiceReference<Guardrail> reference(long id, String type, Integer order) {
        Bundle bundle = (Bundle) Proxy.newProxyInstance(Proxies.class.getClassLoader(), new Class<?>[] {Bundle.class},
            (self, method, args) -> switch (method.getName()) {
                case "getSymbolicName" -> "test.guardrail." + type;
                case "getVersion" -> new Version(1, 2, 3);
                case "hashCode" -> System.identityHashCode(self);
                case "equals" -> self == args[0];
                default -> null;
            });
        return (ServiceReference<Guardrail>) Proxy.newProxyInstance(Proxies.class.getClassLoader(),
            new Class<?>[] {ServiceReference.class}, (self, method, args) -> switch (method.getName()) {
                case "getProperty" -> switch ((String) args[0]) {
                    case Constants.SERVICE_ID -> id;
                    case Guardrail.TYPE -> type;
                    case Guardrail.ORDER -> order;
                    default -> null;
                };
                case "getBundle" -> bundle;
                case "hashCode" -> System.identityHashCode(self);
                case "equals" -> self == args[0];
                default -> null;
            });
    }
}
