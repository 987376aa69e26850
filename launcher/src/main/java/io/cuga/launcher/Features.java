package io.cuga.launcher;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Reads the feature files (OSGi Feature JSON, {@code "feature-resource-version": "1.0"}) of a distribution and
 * turns them into an install plan: every bundle once, ordered by {@code start-order}, which becomes its start
 * level.
 */
public final class Features {

    private Features() {
    }

    /** One bundle named by a feature: Maven coordinates and the start level it gets. */
    public record BundleRef(String groupId, String artifactId, String version, int startOrder, String feature) {

        /** @return {@code groupId:artifactId:version} as written in the feature */
        public String id() {
            return groupId + ':' + artifactId + ':' + version;
        }

        /** @return where the jar lies in a Maven-layout repository folder */
        public Path in(Path repository) {
            return repository.resolve(groupId.replace('.', '/')).resolve(artifactId).resolve(version)
                    .resolve(artifactId + '-' + version + ".jar");
        }
    }

    /** One feature file. */
    public record Feature(String id, Path file, List<BundleRef> bundles) {
    }

    /** @return every {@code *.json} feature in the folder, by file name; at least one */
    public static List<Feature> readAll(Path folder) throws IOException {
        if (!Files.isDirectory(folder)) {
            throw new IOException("no feature folder at " + folder);
        }
        List<Path> files;
        try (Stream<Path> s = Files.list(folder)) {
            files = s.filter(p -> p.getFileName().toString().endsWith(".json")).sorted().toList();
        }
        if (files.isEmpty()) {
            throw new IOException("no feature file (*.json) in " + folder);
        }
        List<Feature> features = new ArrayList<>();
        for (Path f : files) {
            features.add(read(f));
        }
        return features;
    }

    /** @throws IOException naming the file and what is wrong with it */
    public static Feature read(Path file) throws IOException {
        try {
            return parse(Files.readString(file, StandardCharsets.UTF_8), file);
        } catch (IllegalArgumentException e) {
            throw new IOException("feature " + file + ": " + e.getMessage(), e);
        }
    }

    static Feature parse(String json, Path file) {
        if (!(Json.parse(json) instanceof Map<?, ?> root)) {
            throw new IllegalArgumentException("a feature is a JSON object");
        }
        if (!"1.0".equals(root.get("feature-resource-version"))) {
            throw new IllegalArgumentException("\"feature-resource-version\" must be \"1.0\"");
        }
        if (!(root.get("id") instanceof String id) || id.split(":").length < 3) {
            throw new IllegalArgumentException("\"id\" must be groupId:artifactId:version");
        }
        Object list = root.containsKey("bundles") ? root.get("bundles") : List.of();
        if (!(list instanceof List<?> entries)) {
            throw new IllegalArgumentException("\"bundles\" must be an array");
        }
        List<BundleRef> bundles = new ArrayList<>();
        for (Object entry : entries) {
            bundles.add(bundle(entry, id));
        }
        return new Feature(id, file, List.copyOf(bundles));
    }

    private static BundleRef bundle(Object entry, String feature) {
        if (!(entry instanceof Map<?, ?> map) || !(map.get("id") instanceof String id)) {
            throw new IllegalArgumentException("each bundle is an object with an \"id\"");
        }
        String[] gav = id.split(":");
        if (gav.length != 3 || Stream.of(gav).anyMatch(String::isBlank) || id.contains("${")) {
            throw new IllegalArgumentException("bundle id \"" + id + "\" is not groupId:artifactId:version");
        }
        Object order = map.get("start-order");
        int level;
        try {
            level = order instanceof Number n && n.doubleValue() == n.longValue() ? Math.toIntExact(n.longValue())
                    : Integer.parseInt(String.valueOf(order).trim());
        } catch (NumberFormatException | ArithmeticException e) {
            level = 0;
        }
        if (level < 1) {
            throw new IllegalArgumentException("bundle " + id + " needs a \"start-order\" of 1 or more, not "
                    + order);
        }
        return new BundleRef(gav[0], gav[1], gav[2], level, feature);
    }

    /**
     * @return every bundle of the features once (the lowest start-order wins when two features name the same
     *         bundle), ordered by start-order, then by feature and position
     */
    public static List<BundleRef> plan(List<Feature> features) {
        Map<String, BundleRef> byId = new LinkedHashMap<>();
        for (Feature f : features) {
            for (BundleRef b : f.bundles()) {
                byId.merge(b.id(), b, (old, now) -> now.startOrder() < old.startOrder() ? now : old);
            }
        }
        List<BundleRef> plan = new ArrayList<>(byId.values());
        plan.sort(Comparator.comparingInt(BundleRef::startOrder)); // stable: keeps feature order within a level
        return List.copyOf(plan);
    }

    /** @return the highest start-order of the plan: the framework's beginning start level (at least 1) */
    public static int finalStartLevel(List<BundleRef> plan) {
        return plan.stream().mapToInt(BundleRef::startOrder).max().orElse(1);
    }

    /** @return the bundles whose jar is missing from the repository folder */
    public static List<BundleRef> missing(List<BundleRef> plan, Path repository) {
        return plan.stream().filter(b -> !Files.isRegularFile(b.in(repository))).toList();
    }
}
