package io.cuga.model.openai.internal;

import java.lang.reflect.Proxy;
import java.util.Map;

/** Configuration values as DS would hand them to the component: the given ones, else the declared defaults. */
final class Configs {

    private Configs() {
    }

    /** @param values by method name (base_url, model, api_key, ...) */
    static OpenAiModelConfig of(Map<String, Object> values) {
        return (OpenAiModelConfig) Proxy.newProxyInstance(OpenAiModelConfig.class.getClassLoader(),
            new Class<?>[] {OpenAiModelConfig.class}, (proxy, method, args) -> {
                if (method.getName().equals("annotationType")) {
                    return OpenAiModelConfig.class;
                }
                if (method.getName().equals("toString")) {
                    return "config";
                }
                if (method.getName().equals("hashCode")) {
                    return System.identityHashCode(proxy);
                }
                if (method.getName().equals("equals")) {
                    return proxy == args[0];
                }
                return values.getOrDefault(method.getName(), method.getDefaultValue());
            });
    }
}
