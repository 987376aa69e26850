package io.cuga.agents.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Proxy;
import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.cuga.api.memory.MemoryStore;

/**
 * Which memory backend the agents use when several run (the feature ships all three): the most durable one, so
 * replicas on one PostgreSQL share memory and a restart keeps it, whatever order the backends started in.
 */
class MemoryChoiceTest {

    private static MemoryStore backend() {
        return (MemoryStore) Proxy.newProxyInstance(MemoryStore.class.getClassLoader(),
            new Class<?>[] {MemoryStore.class}, (proxy, method, args) -> switch (method.getName()) {
                case "hashCode" -> System.identityHashCode(proxy);
                case "equals" -> proxy == args[0];
                case "toString" -> "backend@" + System.identityHashCode(proxy);
                default -> throw new UnsupportedOperationException(method.getName());
            });
    }

    @Test
    void autoTakesTheMostDurableBackendWhateverTheOrderTheyStartedIn() {
        MemoryStore memory = backend();
        MemoryStore sqlite = backend();
        MemoryStore postgres = backend();
        Map<MemoryStore, String> running = new LinkedHashMap<>();
        running.put(memory, "memory");
        running.put(sqlite, "sqlite");
        assertThat(TaskRuntime.pickMemory(running, "auto")).isSameAs(sqlite);
        running.put(postgres, "postgres");
        assertThat(TaskRuntime.pickMemory(running, "auto")).isSameAs(postgres);
        running.remove(postgres);
        running.remove(sqlite);
        assertThat(TaskRuntime.pickMemory(running, "auto")).as("the in-memory one when it is all there is")
            .isSameAs(memory);
        assertThat(TaskRuntime.pickMemory(Map.of(), "auto")).isNull();
    }

    @Test
    void aNamedBackendIsUsedOnlyWhileItRuns() {
        MemoryStore memory = backend();
        MemoryStore sqlite = backend();
        Map<MemoryStore, String> running = new LinkedHashMap<>();
        running.put(sqlite, "sqlite");
        running.put(memory, "memory");
        assertThat(TaskRuntime.pickMemory(running, "memory")).isSameAs(memory);
        assertThat(TaskRuntime.pickMemory(running, "postgres")).as("not running: no memory rather than another")
            .isNull();
    }
}
