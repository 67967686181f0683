package dev.sluice.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.sluice.gateway.Gateway;
import dev.sluice.gateway.TestGateway;
import dev.sluice.gateway.config.ConfigLoader;
import dev.sluice.gateway.config.SluiceConfig;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HTTPGetAction;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.KubernetesResource;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretKeySelector;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Kubernetes manifests of {@code deploy/k8s}, checked offline: every document parses into fabric8's typed model
 * with no unknown field, and each kustomization, rendered (its resources, then its strategic-merge patches), gives a
 * Deployment whose sluice.yaml (from its ConfigMap) and environment (literals and Secret values) load through the real
 * {@link ConfigLoader}, whose container ports are that config's ports, whose probes are endpoints a real gateway's
 * admin port answers, whose mounts hold that config's data_dir and config file, and whose grace period outlasts the
 * preStop pause plus the drain.
 */
class KubernetesManifestsTest {
    static final Path K8S = Path.of("..", "deploy", "k8s").toAbsolutePath().normalize();
    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    static final JsonMapper MODEL = JsonMapper.builder().build();

    @TempDir
    static Path tmp;
    static TestGateway started;
    static Gateway gw;
    static final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void startAGatewayWithItsDefaults() {
        started = TestGateway.builder(tmp.resolve("gw")).demoKey(null).env("SLUICE_HOST", "127.0.0.1").start();
        gw = started.gateway;
    }

    @AfterAll
    static void stop() {
        if (started != null) started.close();
    }

    @Test
    void everyDocumentParsesIntoTheTypedModelWithoutUnknownFields() throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.walk(K8S)) {
            files = s.filter(p -> p.toString().endsWith(".yaml") && !p.endsWith("kustomization.yaml")).sorted().toList();
        }
        assertThat(files).hasSizeGreaterThanOrEqualTo(10);
        for (Path f : files) {
            for (JsonNode doc : documents(f)) {
                HasMetadata r = typed(doc, f);
                assertThat(r.getMetadata().getName()).as(f + " has a name").isNotBlank();
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"base", "overlays/scale-out"})
    void theDeploymentLoadsAsARealConfigAndItsPortsProbesAndMountsMatchIt(String kustomization) throws Exception {
        Rendered k = render(K8S.resolve(kustomization));
        Deployment d = k.one(Deployment.class);
        PodSpec pod = d.getSpec().getTemplate().getSpec();
        Container c = pod.getContainers().getFirst();
        Map<String, String> env = k.env(c);
        SluiceConfig cfg = k.config(pod, c, env, tmp.resolve(kustomization.replace('/', '-')));

        Map<String, Integer> ports = new HashMap<>();
        for (ContainerPort p : c.getPorts()) ports.put(p.getName(), p.getContainerPort());
        assertThat(ports).containsEntry("http", cfg.port()).containsEntry("admin", cfg.adminPort()).hasSize(2);
        assertThat(cfg.host()).as("listens on the pod's addresses").isEqualTo("0.0.0.0");

        VolumeMount data = mountAt(c, cfg.dataDir());
        assertThat(data.getReadOnly()).isNotEqualTo(Boolean.TRUE);
        String claim = volume(pod, data.getName()).getPersistentVolumeClaim().getClaimName();
        assertThat(k.named(PersistentVolumeClaim.class, claim)).as("data_dir is a persistent volume").isNotNull();
        assertThat(mountAt(c, "/tmp").getName()).as("writable /tmp beside a read-only root").isNotNull();
        assertThat(c.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
        assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();

        Set<String> needed = new HashSet<>();
        for (SluiceConfig.Model m : cfg.models()) {
            for (SluiceConfig.ModelDeployment dep : m.deployments()) if (dep.apiKeyEnv() != null) needed.add(dep.apiKeyEnv());
        }
        if (cfg.storage().passwordEnv() != null) needed.add(cfg.storage().passwordEnv());
        assertThat(env.keySet()).as("every key the config reads from the environment is set").containsAll(needed);
        Set<String> keys = configEnvNames();
        for (EnvVar e : c.getEnv()) {
            if (e.getName().startsWith("SLUICE_") && !needed.contains(e.getName())) {
                assertThat(keys).as("%s names a configuration key", e.getName()).contains(e.getName());
            }
        }

        assertProbe(c, c.getLivenessProbe(), "/health/live");
        assertProbe(c, c.getReadinessProbe(), "/health/ready");
        assertProbe(c, c.getStartupProbe(), "/health/live");

        long preStopSeconds = c.getLifecycle().getPreStop().getSleep().getSeconds();
        assertThat(preStopSeconds).isBetween(1L, 30L);
        assertThat(pod.getTerminationGracePeriodSeconds() * 1000)
                .as("the grace period outlasts preStop plus shutdown.drain_ms")
                .isGreaterThan(preStopSeconds * 1000 + drainMs(cfg));

        assertThat(c.getResources().getRequests()).containsKeys("cpu", "memory");
        assertThat(c.getResources().getLimits()).containsKey("memory");
    }

    @ParameterizedTest
    @ValueSource(strings = {"base", "overlays/scale-out"})
    void servicesReachTheNamedPortsAndTheAdminPortStaysInsideTheCluster(String kustomization) throws IOException {
        Rendered k = render(K8S.resolve(kustomization));
        Deployment d = k.one(Deployment.class);
        Map<String, String> podLabels = d.getSpec().getTemplate().getMetadata().getLabels();
        assertThat(podLabels).containsAllEntriesOf(d.getSpec().getSelector().getMatchLabels());
        Container c = d.getSpec().getTemplate().getSpec().getContainers().getFirst();
        Map<String, Service> byPort = new HashMap<>();
        for (Service s : k.all(Service.class)) {
            assertThat(podLabels).as(s.getMetadata().getName()).containsAllEntriesOf(s.getSpec().getSelector());
            for (ServicePort p : s.getSpec().getPorts()) {
                String target = p.getTargetPort().getStrVal();
                assertThat(c.getPorts().stream().map(ContainerPort::getName)).contains(target);
                byPort.put(target, s);
            }
        }
        assertThat(byPort).containsKeys("http", "admin");
        assertThat(byPort.get("admin")).isNotSameAs(byPort.get("http"));
        assertThat(byPort.get("admin").getSpec().getType()).isEqualTo("ClusterIP");
    }

    @Test
    void theScaleOutOverlaySharesPostgresAndRedisFromSecrets() throws Exception {
        Rendered k = render(K8S.resolve("overlays/scale-out"));
        Deployment d = k.one(Deployment.class);
        PodSpec pod = d.getSpec().getTemplate().getSpec();
        Container c = pod.getContainers().getFirst();
        Map<String, String> env = k.env(c);
        SluiceConfig cfg = k.config(pod, c, env, tmp.resolve("scale-out-2"));

        assertThat(cfg.storage().kind().configName()).isEqualTo("postgres");
        assertThat(cfg.limits().store().configName()).isEqualTo("redis");
        assertThat(cfg.idempotency().backend().configName()).isEqualTo("redis");
        Map<String, SecretKeySelector> fromSecrets = new HashMap<>();
        for (EnvVar e : c.getEnv()) {
            if (e.getValueFrom() != null && e.getValueFrom().getSecretKeyRef() != null) {
                fromSecrets.put(e.getName(), e.getValueFrom().getSecretKeyRef());
            }
        }
        Secret urls = k.named(Secret.class, fromSecrets.get("SLUICE_STORAGE_URL").getName());
        assertThat(cfg.storage().url()).isEqualTo(urls.getStringData().get(fromSecrets.get("SLUICE_STORAGE_URL").getKey()));
        assertThat(cfg.redis().url()).isEqualTo(urls.getStringData().get(fromSecrets.get("SLUICE_REDIS_URL").getKey()));
        assertThat(cfg.idempotency().redisUrl()).isEqualTo(cfg.redis().url());
        assertThat(fromSecrets).containsKeys(cfg.storage().passwordEnv(), "SLUICE_ADMIN_TOKEN");
        assertThat(fromSecrets.get("SLUICE_ADMIN_TOKEN").getOptional()).as("every replica takes the same token").isFalse();

        assertThat(d.getSpec().getReplicas()).isGreaterThan(1);
        assertThat(d.getSpec().getStrategy().getType()).isEqualTo("RollingUpdate");
        assertThat(k.named(PersistentVolumeClaim.class, "sluice-data").getSpec().getAccessModes())
                .as("Files API bytes live under data_dir, shared by every gateway").containsExactly("ReadWriteMany");

        Map<String, String> podLabels = d.getSpec().getTemplate().getMetadata().getLabels();
        PodDisruptionBudget pdb = k.one(PodDisruptionBudget.class);
        assertThat(podLabels).containsAllEntriesOf(pdb.getSpec().getSelector().getMatchLabels());
        assertThat(pdb.getSpec().getMaxUnavailable()).isEqualTo(new IntOrString(1));
        HorizontalPodAutoscaler hpa = k.one(HorizontalPodAutoscaler.class);
        assertThat(hpa.getSpec().getScaleTargetRef().getKind()).isEqualTo("Deployment");
        assertThat(hpa.getSpec().getScaleTargetRef().getName()).isEqualTo(d.getMetadata().getName());
        assertThat(hpa.getSpec().getMinReplicas()).isGreaterThan(1).isLessThanOrEqualTo(hpa.getSpec().getMaxReplicas());
    }

    /** The probe uses the admin port by name and a path that a running gateway's admin port answers with 200. */
    private void assertProbe(Container c, Probe probe, String path) throws Exception {
        HTTPGetAction get = probe.getHttpGet();
        assertThat(get.getPath()).isEqualTo(path);
        assertThat(get.getPort().getStrVal()).isEqualTo("admin");
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gw.adminPort()
                + get.getPath())).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(path + " on the admin port").isEqualTo(200);
        assertThat(probe.getPeriodSeconds()).isPositive();
    }

    /** shutdown.drain_ms of the loaded config. */
    static long drainMs(SluiceConfig cfg) {
        return cfg.shutdown().drainMs();
    }

    /** Every SLUICE_* name the loader reads: the scalar keys of the bundled defaults, plus the secrets and the file. */
    static Set<String> configEnvNames() throws IOException {
        Set<String> names = new HashSet<>(Set.of("SLUICE_CONFIG", "SLUICE_ADMIN_TOKEN", "SLUICE_DEMO_KEY"));
        try (InputStream in = ConfigLoader.class.getResourceAsStream("/sluice-defaults.yaml")) {
            flatten(YAML.readTree(in), "SLUICE", names);
        }
        return names;
    }

    private static void flatten(JsonNode n, String prefix, Set<String> out) {
        for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String name = prefix + "_" + e.getKey().toUpperCase(Locale.ROOT);
            if (e.getValue().isObject()) flatten(e.getValue(), name, out);
            else if (!e.getValue().isArray()) out.add(name);
        }
    }

    private static VolumeMount mountAt(Container c, String path) {
        return c.getVolumeMounts().stream().filter(m -> m.getMountPath().equals(path)).findFirst()
                .orElseThrow(() -> new AssertionError("no volume mounted at " + path + " in " + c.getVolumeMounts()));
    }

    private static Volume volume(PodSpec pod, String name) {
        return pod.getVolumes().stream().filter(v -> v.getName().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no volume " + name));
    }

    // ---- a small kustomize: resources (files or directories with a kustomization), then strategic-merge patches ----

    record Rendered(List<HasMetadata> objects) {
        <T extends HasMetadata> List<T> all(Class<T> type) {
            return objects.stream().filter(type::isInstance).map(type::cast).toList();
        }

        <T extends HasMetadata> T one(Class<T> type) {
            List<T> l = all(type);
            assertThat(l).as(type.getSimpleName()).hasSize(1);
            return l.getFirst();
        }

        <T extends HasMetadata> T named(Class<T> type, String name) {
            return all(type).stream().filter(o -> o.getMetadata().getName().equals(name)).findFirst()
                    .orElseThrow(() -> new AssertionError("no " + type.getSimpleName() + " " + name));
        }

        /** The container's environment as the kubelet sets it: literals, and values of the Secrets shipped here. */
        Map<String, String> env(Container c) {
            Map<String, String> env = new LinkedHashMap<>();
            for (EnvVar e : c.getEnv()) {
                if (e.getValueFrom() == null) {
                    env.put(e.getName(), Objects.requireNonNullElse(e.getValue(), ""));
                    continue;
                }
                SecretKeySelector ref = e.getValueFrom().getSecretKeyRef();
                assertThat(ref).as(e.getName() + " comes from a Secret").isNotNull();
                String v = named(Secret.class, ref.getName()).getStringData().get(ref.getKey());
                assertThat(v != null || Boolean.TRUE.equals(ref.getOptional()))
                        .as("Secret %s has key %s", ref.getName(), ref.getKey()).isTrue();
                if (v != null) env.put(e.getName(), v);
            }
            return env;
        }

        /** The config the pod runs with: its ConfigMap's file at SLUICE_CONFIG, loaded with its environment. */
        SluiceConfig config(PodSpec pod, Container c, Map<String, String> env, Path dir) throws IOException {
            Path file = Path.of(env.get("SLUICE_CONFIG"));
            VolumeMount m = mountAt(c, file.getParent().toString());
            assertThat(m.getReadOnly()).isTrue();
            ConfigMap cm = named(ConfigMap.class, volume(pod, m.getName()).getConfigMap().getName());
            String yaml = cm.getData().get(file.getFileName().toString());
            assertThat(yaml).as("ConfigMap %s holds %s", cm.getMetadata().getName(), file.getFileName()).isNotNull();
            Files.createDirectories(dir);
            Path copy = Files.writeString(dir.resolve(file.getFileName()), yaml);
            Map<String, String> local = new HashMap<>(env);
            local.put("SLUICE_CONFIG", copy.toString());
            return ConfigLoader.load(ConfigLoader.Flags.none(), local);
        }
    }

    static Rendered render(Path dir) throws IOException {
        JsonNode k = YAML.readTree(dir.resolve("kustomization.yaml").toFile());
        Set<String> known = Set.of("apiVersion", "kind", "resources", "patches", "labels", "images");
        k.fieldNames().forEachRemaining(f -> assertThat(known).as("kustomization field understood by this test").contains(f));
        List<ObjectNode> docs = new ArrayList<>();
        for (JsonNode r : k.path("resources")) {
            Path p = dir.resolve(r.asText()).normalize();
            if (Files.isDirectory(p)) {
                for (HasMetadata o : render(p).objects()) docs.add((ObjectNode) YAML.readTree(MODEL.writeValueAsString(o)));
            } else {
                for (JsonNode d : documents(p)) docs.add((ObjectNode) d);
            }
        }
        for (JsonNode patch : k.path("patches")) {
            for (JsonNode pd : documents(dir.resolve(patch.get("path").asText()))) {
                ObjectNode target = docs.stream().filter(d -> d.path("kind").equals(pd.path("kind"))
                        && d.path("metadata").path("name").equals(pd.path("metadata").path("name"))).findFirst()
                        .orElseThrow(() -> new AssertionError("patch target missing: " + pd.path("metadata")));
                merge(target, (ObjectNode) pd);
            }
        }
        List<HasMetadata> out = new ArrayList<>();
        for (ObjectNode d : docs) out.add(typed(d, dir));
        return new Rendered(out);
    }

    /** Strategic merge as kustomize does it for these manifests: maps merge, lists of named items merge by name. */
    static void merge(ObjectNode into, ObjectNode patch) {
        for (Iterator<Map.Entry<String, JsonNode>> it = patch.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode cur = into.get(e.getKey());
            if (cur instanceof ObjectNode co && e.getValue() instanceof ObjectNode po) {
                merge(co, po);
            } else if (cur instanceof ArrayNode ca && e.getValue() instanceof ArrayNode pa && !pa.isEmpty()
                    && pa.get(0).has("name")) {
                for (JsonNode item : pa) {
                    ObjectNode same = null;
                    for (JsonNode x : ca) if (x.path("name").equals(item.get("name"))) same = (ObjectNode) x;
                    if (same != null) merge(same, (ObjectNode) item);
                    else ca.add(item);
                }
            } else {
                into.set(e.getKey(), e.getValue());
            }
        }
    }

    static List<JsonNode> documents(Path f) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        try (var it = YAML.readerFor(JsonNode.class).readValues(f.toFile())) {
            while (it.hasNext()) {
                JsonNode n = (JsonNode) it.next();
                if (n != null && !n.isNull() && !n.isEmpty()) out.add(n);
            }
        }
        return out;
    }

    /** One document as its typed class (Deployment, Service, ...), never the generic fallback, with no unknown field. */
    static HasMetadata typed(JsonNode doc, Path from) {
        KubernetesResource r = MODEL.readValue(doc.toString(), KubernetesResource.class);
        assertThat(r).as("%s: %s/%s", from, doc.path("apiVersion").asText(), doc.path("kind").asText())
                .isInstanceOf(HasMetadata.class).isNotInstanceOf(GenericKubernetesResource.class);
        assertNoUnknownFields(r, from + " " + doc.path("kind").asText());
        return (HasMetadata) r;
    }

    /** fabric8 keeps fields it does not know in additionalProperties: a misspelt key would land there. */
    static void assertNoUnknownFields(Object o, String path) {
        if (o == null) return;
        if (o instanceof List<?> l) {
            for (int i = 0; i < l.size(); i++) assertNoUnknownFields(l.get(i), path + "[" + i + "]");
            return;
        }
        if (o instanceof Map<?, ?> m) {
            m.forEach((key, v) -> assertNoUnknownFields(v, path + "." + key));
            return;
        }
        if (!o.getClass().getName().startsWith("io.fabric8.")) return;
        for (Method getter : o.getClass().getMethods()) {
            if (getter.getParameterCount() != 0 || Modifier.isStatic(getter.getModifiers())
                    || !getter.getName().startsWith("get") || getter.getDeclaringClass() == Object.class) continue;
            Object v;
            try {
                v = getter.invoke(o);
            } catch (ReflectiveOperationException e) {
                throw new AssertionError(e);
            }
            if (getter.getName().equals("getAdditionalProperties")) {
                assertThat((Map<?, ?>) v).as("unknown fields at " + path).isNullOrEmpty();
            } else {
                assertNoUnknownFields(v, path + "." + getter.getName().substring(3));
            }
        }
    }
}
