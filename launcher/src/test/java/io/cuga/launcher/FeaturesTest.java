package io.cuga.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cuga.launcher.Features.BundleRef;
import io.cuga.launcher.Features.Feature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FeaturesTest {

    @TempDir
    Path dir;

    private static String feature(String name, String bundles) {
        return """
                {
                  // comments are allowed, as in the OSGi Feature format
                  "feature-resource-version": "1.0",
                  "id": "io.cuga:cuga-feature-%s:1.0.0-SNAPSHOT",
                  "bundles": [%s]
                }""".formatted(name, bundles);
    }

    private Path write(String file, String json) throws IOException {
        return Files.writeString(dir.resolve(file), json);
    }

    @Test
    void readsBundlesWithTheirStartOrder() throws IOException {
        Feature f = Features.read(write("base.json", feature("base", """
                {"id": "org.apache.felix:org.apache.felix.scr:2.2.18", "start-order": 3},
                {"id": "org.ops4j.pax.logging:pax-logging-api:2.3.2", "start-order": "1"}""")));

        assertThat(f.id()).isEqualTo("io.cuga:cuga-feature-base:1.0.0-SNAPSHOT");
        assertThat(f.bundles()).extracting(BundleRef::id, BundleRef::startOrder).containsExactly(
                org.assertj.core.groups.Tuple.tuple("org.apache.felix:org.apache.felix.scr:2.2.18", 3),
                org.assertj.core.groups.Tuple.tuple("org.ops4j.pax.logging:pax-logging-api:2.3.2", 1));
        assertThat(f.bundles().get(0).in(Path.of("/r"))).isEqualTo(
                Path.of("/r/org/apache/felix/org.apache.felix.scr/2.2.18/org.apache.felix.scr-2.2.18.jar"));
    }

    @Test
    void planOrdersByStartOrderAndInstallsEachBundleOnceAtItsLowestLevel() throws IOException {
        write("a-core.json", feature("core", """
                {"id": "g:late:1", "start-order": 10},
                {"id": "g:shared:1", "start-order": 9},
                {"id": "g:first-of-five:1", "start-order": 5}"""));
        write("b-http.json", feature("http", """
                {"id": "g:shared:1", "start-order": 2},
                {"id": "g:second-of-five:1", "start-order": 5}"""));
        write("notes.txt", "not a feature");

        List<BundleRef> plan = Features.plan(Features.readAll(dir));

        assertThat(plan).extracting(BundleRef::artifactId)
                .containsExactly("shared", "first-of-five", "second-of-five", "late");
        assertThat(plan.get(0).startOrder()).isEqualTo(2);
        assertThat(Features.finalStartLevel(plan)).isEqualTo(10);
        assertThat(Features.finalStartLevel(List.of())).isEqualTo(1);
    }

    @Test
    void namesTheBundlesMissingFromTheRepository() throws IOException {
        List<BundleRef> plan = Features.plan(List.of(Features.read(write("f.json", feature("f", """
                {"id": "g.x:present:1.0", "start-order": 1},
                {"id": "g.x:absent:1.0", "start-order": 1}""")))));
        Path jar = plan.get(0).in(dir.resolve("repository"));
        Files.createDirectories(jar.getParent());
        Files.write(jar, new byte[] {1});

        assertThat(Features.missing(plan, dir.resolve("repository"))).extracting(BundleRef::id)
                .containsExactly("g.x:absent:1.0");
    }

    @Test
    void rejectsBundlesWithoutAUsableStartOrder() throws IOException {
        Path f = write("f.json", feature("f", "{\"id\": \"g:a:1\"}"));
        assertThatThrownBy(() -> Features.read(f)).isInstanceOf(IOException.class)
                .hasMessageContaining("f.json").hasMessageContaining("g:a:1").hasMessageContaining("start-order");

        Path zero = write("z.json", feature("z", "{\"id\": \"g:a:1\", \"start-order\": 0}"));
        assertThatThrownBy(() -> Features.read(zero)).hasMessageContaining("start-order");
    }

    @Test
    void rejectsIdsThatAreNotCoordinatesAndUnfilteredVersions() throws IOException {
        Path two = write("t.json", feature("t", "{\"id\": \"g:a\", \"start-order\": 1}"));
        assertThatThrownBy(() -> Features.read(two)).hasMessageContaining("\"g:a\" is not groupId:artifactId:version");

        Path raw = write("r.json", feature("r", "{\"id\": \"g:a:${a.version}\", \"start-order\": 1}"));
        assertThatThrownBy(() -> Features.read(raw)).hasMessageContaining("${a.version}");
    }

    @Test
    void rejectsOtherFormatsWithLineAndColumn() throws IOException {
        Path v2 = write("v.json", "{\"feature-resource-version\": \"2.0\", \"id\": \"a:b:c\"}");
        assertThatThrownBy(() -> Features.read(v2)).hasMessageContaining("feature-resource-version");

        Path broken = write("b.json", "{\n  \"id\": \"a:b:c\",\n  \"bundles\": [ oops ]\n}");
        assertThatThrownBy(() -> Features.read(broken)).hasMessageContaining("b.json")
                .hasMessageContaining("line 3, column 16");
    }

    @Test
    void anEmptyFolderIsAnError() {
        assertThatThrownBy(() -> Features.readAll(dir)).hasMessageContaining("no feature file");
        assertThatThrownBy(() -> Features.readAll(dir.resolve("nope"))).hasMessageContaining("no feature folder");
    }
}
