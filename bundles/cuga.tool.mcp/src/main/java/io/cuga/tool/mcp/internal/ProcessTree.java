package io.cuga.tool.mcp.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Ends a child process and everything it started, so stopping a server leaves no orphan behind. */
final class ProcessTree {

    private ProcessTree() {
    }

    /**
     * The process and its descendants now. Take this before the process ends: once it is gone its children
     * belong to init and are no longer found as its descendants.
     */
    static List<ProcessHandle> snapshot(ProcessHandle root) {
        List<ProcessHandle> all = new ArrayList<>();
        all.add(root);
        root.descendants().forEach(all::add);
        return all;
    }

    /**
     * Asks every process to end (SIGTERM), waits up to {@code grace}, then kills those still alive (SIGKILL).
     *
     * @return how many had to be killed
     */
    static int destroy(List<ProcessHandle> processes, Duration grace) {
        List<CompletableFuture<ProcessHandle>> exits = new ArrayList<>();
        for (ProcessHandle p : processes) {
            if (p.isAlive()) {
                p.destroy();
                exits.add(p.onExit());
            }
        }
        try {
            CompletableFuture.allOf(exits.toArray(CompletableFuture[]::new)).get(grace.toMillis(),
                TimeUnit.MILLISECONDS);
        } catch (TimeoutException | ExecutionException e) {
            // killed below
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        int killed = 0;
        for (ProcessHandle p : processes) {
            if (p.isAlive()) {
                p.destroyForcibly();
                killed++;
            }
        }
        return killed;
    }
}
