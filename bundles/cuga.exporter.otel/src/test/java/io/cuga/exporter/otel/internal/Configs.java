package io.cuga.exporter.otel.internal;

import java.lang.reflect.Proxy;
import java.util.Map;

/** Builds instances of typed configuration annotations, as DS does, from defaults plus overrides by method name. */
public final class Configs {

    private Configs() {
    }

    public static <A> A of(Class<A> type, Map<String, Object> overrides) {
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

    public static <A> A defaults(Class<A> type) {
        return of(type, Map.of());
    }
}
