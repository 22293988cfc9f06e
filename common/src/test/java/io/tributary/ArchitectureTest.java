package io.tributary;

import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.Dependency;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import java.nio.file.Path;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The packages of {@code common} form one-way layers: a package uses only packages below it, so
 * each can be read, tested and changed without the ones above. {@code jobs} sits above all of them
 * and is the only place that knows every option group.
 */
class ArchitectureTest {

  /**
   * Bottom to top. Packages on one line are siblings and must not use each other: {@code window}
   * knows nothing of change streams, {@code cdc} nothing of windows.
   */
  private static final List<List<String>> LAYERS =
      List.of(
          List.of("config"), // options, loading, validation: knows no component
          List.of("metrics"), // metric names and registration: a leaf every component may use
          List.of("source"), // raw records from Kafka, datagen; source.kinesis: Kinesis
          List.of("quality"), // dead letters and their reasons
          List.of("format"), // decoding records into rows
          List.of("iceberg"), // catalogs, sinks, dead-letter table, maintenance
          List.of("window", "cdc"), // the aggregate and change-stream pipelines' parts
          List.of("runtime")); // the Flink environment, start guard, retained checkpoints

  /** This module's main classes: the test class path also holds {@code stack} and the tests. */
  private static final JavaClasses CLASSES =
      new ClassFileImporter()
          .importPath(Path.of("target", "classes"))
          .that(JavaClass.Predicates.resideInAPackage("io.tributary.."));

  @Test
  void everyPackageIsInALayer() {
    assertThat(CLASSES.size()).as("classes found in target/classes").isGreaterThan(100);
    TreeSet<String> unplaced = new TreeSet<>();
    for (JavaClass c : CLASSES) {
      if (layer(c) < 0) {
        unplaced.add(c.getPackageName());
      }
    }
    assertThat(unplaced).as("packages with no place in ArchitectureTest.LAYERS").isEmpty();
  }

  /**
   * A subpackage is part of its top package's layer: {@code source.kinesis} is in {@code source},
   * {@code cdc.sink} in {@code cdc}; the rules above hold for it as for its top package.
   */
  @Test
  void subpackagesAreInTheLayerOfTheirTopPackage() {
    for (String[] sub : new String[][] {{"source.kinesis", "source"}, {"cdc.sink", "cdc"}}) {
      List<JavaClass> classes =
          CLASSES.stream()
              .filter(c -> c.getPackageName().equals("io.tributary." + sub[0]))
              .collect(Collectors.toList());
      assertThat(classes).as("classes of io.tributary." + sub[0]).isNotEmpty();
      int expected = -1;
      for (int i = 0; i < LAYERS.size(); i++) {
        if (LAYERS.get(i).contains(sub[1])) {
          expected = i;
        }
      }
      for (JavaClass c : classes) {
        assertThat(layer(c)).as("layer of " + c.getName()).isEqualTo(expected).isNotNegative();
      }
    }
  }

  @Test
  void packagesUseOnlyPackagesBelowThem() {
    TreeSet<String> backEdges = new TreeSet<>();
    for (JavaClass c : CLASSES) {
      for (Dependency d : c.getDirectDependenciesFromSelf()) {
        JavaClass target = d.getTargetClass();
        if (!target.getPackageName().startsWith("io.tributary.")) {
          continue;
        }
        String from = top(c);
        String to = top(target);
        if (from.equals(to)) {
          continue;
        }
        if (layer(target) >= layer(c)) {
          backEdges.add(from + " -> " + to + ": " + c.getName() + " uses " + target.getName());
        }
      }
    }
    assertThat(backEdges).as("dependencies that point up or sideways").isEmpty();
  }

  @Test
  void noCyclesBetweenPackages() {
    slices().matching("io.tributary.(*)..").should().beFreeOfCycles().check(CLASSES);
  }

  /**
   * The top-level package under {@code io.tributary}: {@code cdc} for {@code
   * io.tributary.cdc.sink}.
   */
  private static String top(JavaClass c) {
    String rest = c.getPackageName().substring("io.tributary.".length());
    int dot = rest.indexOf('.');
    return dot < 0 ? rest : rest.substring(0, dot);
  }

  private static int layer(JavaClass c) {
    if (!c.getPackageName().startsWith("io.tributary.")) {
      return -1;
    }
    String top = top(c);
    for (int i = 0; i < LAYERS.size(); i++) {
      if (LAYERS.get(i).contains(top)) {
        return i;
      }
    }
    return -1;
  }
}
