package io.cuga.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

/** The validator itself: it accepts what the API accepts and refuses what a broken manifest looks like. */
class KubeSchemasTest {

    private static final String DEPLOYMENT = """
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: demo
          labels: {app: demo}
        spec:
          replicas: 2
          selector:
            matchLabels: {app: demo}
          strategy:
            rollingUpdate: {maxSurge: 1, maxUnavailable: 25%}
          template:
            metadata:
              labels: {app: demo}
            spec:
              containers:
                - name: demo
                  image: demo:1
                  ports: [{name: http, containerPort: 8080}]
                  livenessProbe:
                    httpGet: {path: /health, port: http}
                  resources:
                    requests: {cpu: 250m, memory: 64Mi}
                    limits: {cpu: "1", memory: 1Gi, ephemeral-storage: 2G}
        """;

    private static List<String> problems(String yaml) {
        List<JsonNode> docs = Ops.documents(yaml);
        assertThat(docs).hasSize(1);
        return KubeSchemas.get().validate(docs.get(0));
    }

    @Test
    void acceptsAValidDeploymentWithIntOrStringAndQuantities() {
        assertThat(problems(DEPLOYMENT)).isEmpty();
    }

    @Test
    void refusesAMisspeltField() {
        assertThat(problems(DEPLOYMENT.replace("livenessProbe:", "livenesProbe:")))
            .anySatisfy(p -> assertThat(p).contains("livenesProbe"));
    }

    @Test
    void refusesAFieldInTheWrongPlace() {
        assertThat(problems(DEPLOYMENT.replace("  replicas: 2", "  replicas: 2\n  image: demo:1")))
            .anySatisfy(p -> assertThat(p).contains("image"));
    }

    @Test
    void refusesAWrongType() {
        assertThat(problems(DEPLOYMENT.replace("replicas: 2", "replicas: two")))
            .anySatisfy(p -> assertThat(p).contains("replicas"));
    }

    @Test
    void refusesAMalformedQuantity() {
        assertThat(problems(DEPLOYMENT.replace("memory: 64Mi", "memory: 64 MB")))
            .anySatisfy(p -> assertThat(p).contains("memory"));
    }

    @Test
    void refusesAnInvalidContainerName() {
        assertThat(problems(DEPLOYMENT.replace("- name: demo", "- name: Demo_Container"))).isNotEmpty();
    }

    @Test
    void refusesAnUnknownApiVersionOrKind() {
        assertThat(problems(DEPLOYMENT.replace("apps/v1", "apps/v1beta9")))
            .singleElement().asString().contains("no schema for apiVersion apps/v1beta9");
        assertThat(problems(DEPLOYMENT.replace("kind: Deployment", "kind: Deploymnet")))
            .singleElement().asString().contains("no schema");
        assertThat(problems("metadata: {name: x}\n")).containsExactly("apiVersion and kind are required");
    }

    @Test
    void knowsTheTypesTheManifestsUse() {
        KubeSchemas s = KubeSchemas.get();
        for (String[] t : new String[][] {{"v1", "Namespace"}, {"v1", "ResourceQuota"}, {"v1", "LimitRange"},
            {"v1", "ConfigMap"}, {"v1", "Secret"}, {"v1", "Service"}, {"apps/v1", "Deployment"},
            {"autoscaling/v2", "HorizontalPodAutoscaler"}, {"policy/v1", "PodDisruptionBudget"}}) {
            assertThat(s.knows(t[0], t[1])).as(t[0] + " " + t[1]).isTrue();
        }
    }
}
