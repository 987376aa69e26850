package io.cuga.tool.openapi.internal;

import java.lang.reflect.Proxy;
import java.util.HashMap;
import java.util.Map;

/** An {@link OpenApiConfig} as SCR would build it from a configuration: given keys, defaults for the rest. */
final class Configs {

    private Configs() {
    }

    /** @param keysAndValues method names of {@link OpenApiConfig} and their values, alternating */
    static OpenApiConfig of(Object... keysAndValues) {
        Map<String, Object> values = new HashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            values.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return (OpenApiConfig) Proxy.newProxyInstance(Configs.class.getClassLoader(),
            new Class<?>[] {OpenApiConfig.class}, (proxy, method, args) -> {
                if (values.containsKey(method.getName())) {
                    return values.get(method.getName());
                }
                if (method.getDefaultValue() != null) {
                    return method.getDefaultValue();
                }
                if (method.getName().equals("annotationType")) {
                    return OpenApiConfig.class;
                }
                if (method.getName().equals("toString")) {
                    return values.toString();
                }
                return null;
            });
    }
}
