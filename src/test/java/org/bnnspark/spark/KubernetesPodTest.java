package org.bnnspark.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.SparkConf;
import org.apache.spark.deploy.k8s.KubernetesConf;
import org.apache.spark.deploy.k8s.KubernetesDriverConf;
import org.apache.spark.deploy.k8s.KubernetesDriverSpec;
import org.apache.spark.deploy.k8s.submit.JavaMainAppResource;
import org.apache.spark.deploy.k8s.submit.KubernetesDriverBuilder;
import org.junit.jupiter.api.Test;

/**
 * What can be checked of Kubernetes without a cluster: Spark's own submission code (the builder
 * spark-submit --master k8s://… --deploy-mode cluster runs before it talks to the API server)
 * turns the README's settings and {@code kubernetes/pod-template.yaml} into the driver pod, and
 * the image definition puts the application jar where that pod looks for it. No API server runs;
 * the client is only used to parse the template.
 */
class KubernetesPodTest {
  static final String APP = "local:///opt/bnn-spark/bnn-spark-app.jar";

  @Test
  void theDriverPodSparkBuildsFromOurTemplateAndSettings() throws Exception {
    SparkConf conf = new SparkConf(false)
        .set("spark.master", "k8s://https://127.0.0.1:6443")
        .set("spark.app.name", "bnn-spark-train")
        .set("spark.submit.deployMode", "cluster")
        .set("spark.kubernetes.namespace", "ml")
        .set("spark.kubernetes.container.image", "registry.example/bnn-spark:0.1.0")
        .set("spark.kubernetes.driver.podTemplateFile", Path.of("kubernetes/pod-template.yaml").toAbsolutePath().toString())
        .set("spark.kubernetes.driver.podTemplateContainerName", "bnn-spark")
        .set("spark.kubernetes.authenticate.driver.serviceAccountName", "spark")
        .set("spark.driver.memory", "4g")
        .set("spark.driver.cores", "2");
    String[] args = {"--data", "hdfs://nn:8020/data/mnist", "--config", "mnist-full", "--output", "hdfs://nn:8020/models/full"};
    KubernetesDriverConf driverConf = KubernetesConf.createDriverConf(conf, "spark-0123", new JavaMainAppResource(scala.Option.apply(APP)),
        "org.bnnspark.cli.Train", args, scala.Option.empty());
    try (KubernetesClient client = new KubernetesClientBuilder()
        .withConfig(new ConfigBuilder().withMasterUrl("https://127.0.0.1:1").build()).build()) {
      KubernetesDriverSpec spec = new KubernetesDriverBuilder().buildFromFeatures(driverConf, client);
      Pod pod = spec.pod().pod();
      Container c = spec.pod().container();
      assertEquals("bnn-spark", c.getName(), "the template's container is the driver's");
      assertEquals("registry.example/bnn-spark:0.1.0", c.getImage());
      assertEquals("bnn-spark", pod.getMetadata().getLabels().get("app.kubernetes.io/name"), "the template's label");
      assertEquals("driver", pod.getMetadata().getLabels().get("spark-role"), "Spark's own label");
      assertEquals("ml", driverConf.namespace());
      assertEquals("spark", pod.getSpec().getServiceAccountName());
      assertTrue(pod.getSpec().getVolumes().stream().anyMatch(v -> v.getName().equals("spark-local") && v.getEmptyDir() != null),
          "the template's scratch volume");
      assertTrue(c.getVolumeMounts().stream().anyMatch(m -> m.getMountPath().equals("/tmp/spark-local")));
      assertTrue(c.getEnv().stream().anyMatch(e -> e.getName().equals("SPARK_LOCAL_DIRS")));
      List<String> containerArgs = c.getArgs();
      assertEquals("driver", containerArgs.get(0), String.valueOf(containerArgs));
      int cls = containerArgs.indexOf("--class");
      assertEquals("org.bnnspark.cli.Train", containerArgs.get(cls + 1), String.valueOf(containerArgs));
      assertEquals(List.of(args), containerArgs.subList(containerArgs.size() - args.length, containerArgs.size()),
          "the job's arguments reach its main");
      assertTrue(containerArgs.contains(APP), String.valueOf(containerArgs));
      // 4g of heap + Spark's overhead (max(10%, 384 MiB))
      String memory = c.getResources().getLimits().get("memory").toString();
      assertTrue(memory.matches("4[0-9]{3}Mi"), memory);
      assertTrue(spec.systemProperties().get("spark.app.id").isDefined());
    }
  }

  @Test
  void theImagePutsTheApplicationJarWhereThePodLooksForIt() throws Exception {
    String dockerfile = Files.readString(Path.of("kubernetes/Dockerfile"));
    assertTrue(dockerfile.contains("COPY target/bnn-spark-app.jar " + APP.substring("local://".length())), dockerfile);
    assertTrue(dockerfile.matches("(?s).*FROM \\$\\{SPARK_IMAGE}.*") && dockerfile.contains("apache/spark:4.2.0-scala2.13"), dockerfile);
    String readme = Files.readString(Path.of("README.md"));
    assertTrue(readme.contains(APP), "the README's Kubernetes line names the jar in the image");
  }
}
