package io.tributary.config;

import com.tngtech.archunit.core.domain.JavaField;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Every {@link OptionGroup} constant declared in the main classes under a package. The full list
 * the jobs run with ({@code io.tributary.jobs.TributaryOptions}) lives above {@code common}, so
 * tests here find the groups on the class path; a test in {@code jobs} checks that the two agree.
 */
public final class OptionGroups {
  private OptionGroups() {}

  public static List<OptionGroup> declaredIn(String rootPackage) {
    List<OptionGroup> groups = new ArrayList<>();
    for (var c :
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages(rootPackage)) {
      for (JavaField f : c.getFields()) {
        if (f.getModifiers().contains(JavaModifier.STATIC)
            && f.getRawType().isEquivalentTo(OptionGroup.class)) {
          try {
            OptionGroup g = (OptionGroup) f.reflect().get(null);
            if (!groups.contains(g)) {
              groups.add(g);
            }
          } catch (IllegalAccessException e) {
            throw new IllegalStateException(f.getFullName() + " is not readable", e);
          }
        }
      }
    }
    groups.sort(Comparator.comparing(OptionGroup::id));
    return groups;
  }
}
