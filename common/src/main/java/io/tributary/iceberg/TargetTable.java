package io.tributary.iceberg;

import io.tributary.config.GroupConfig;
import java.io.Serializable;

/** The configured target table and its dead-letter table, in the catalog's database. */
public final class TargetTable implements Serializable {
  private static final long serialVersionUID = 1L;

  private final String name;
  private final String deadLetters;
  private final String partitionSpec;
  private final IcebergSinkBuilder.ExistingSpec existingSpec;

  private TargetTable(
      String name,
      String deadLetters,
      String partitionSpec,
      IcebergSinkBuilder.ExistingSpec existingSpec) {
    this.name = name;
    this.deadLetters = deadLetters;
    this.partitionSpec = partitionSpec;
    this.existingSpec = existingSpec;
  }

  /** The table the {@code iceberg} group names. */
  public static TargetTable fromConfig(GroupConfig c) {
    String name = c.get(IcebergOptions.TABLE); // its form was checked with the option
    String dlq = c.getOptional(IcebergOptions.DEAD_LETTER_TABLE).orElse(name + "_dead_letters");
    if (!dlq.matches("[A-Za-z0-9_]+") || dlq.equals(name)) {
      throw c.invalid(
          IcebergOptions.DEAD_LETTER_TABLE,
          "must be a valid table name (letters, digits, underscores) other than iceberg.table.");
    }
    if (c.get(IcebergOptions.CATALOG_TYPE) == IcebergOptions.CatalogType.GLUE) {
      IcebergCatalog.requireGlueNames(c, name, dlq);
    }
    boolean evolve = c.get(IcebergOptions.PARTITION_SPEC_EVOLVE);
    IcebergSinkBuilder.ExistingSpec existing = IcebergSinkBuilder.ExistingSpec.KEEP;
    if (c.isSet(IcebergOptions.PARTITION_SPEC)) {
      existing =
          evolve ? IcebergSinkBuilder.ExistingSpec.EVOLVE : IcebergSinkBuilder.ExistingSpec.FAIL;
    } else if (evolve) {
      throw c.invalid(
          IcebergOptions.PARTITION_SPEC_EVOLVE,
          "has nothing to evolve to: iceberg.partition-spec is not set. Set it to the spec the"
              + " table should have, or remove partition-spec.evolve.");
    }
    return new TargetTable(name, dlq, c.get(IcebergOptions.PARTITION_SPEC), existing);
  }

  /**
   * For jobs that write many tables (cdc): only the dead-letter table, {@code
   * iceberg.dead-letter-table} or {@code defaultName}; {@link #name()} is null.
   */
  public static TargetTable deadLettersOnly(GroupConfig c, String defaultName) {
    String dlq = c.getOptional(IcebergOptions.DEAD_LETTER_TABLE).orElse(defaultName);
    if (!dlq.matches("[A-Za-z0-9_]+")) {
      throw c.invalid(
          IcebergOptions.DEAD_LETTER_TABLE,
          "must be a valid table name (letters, digits, underscores).");
    }
    if (c.get(IcebergOptions.CATALOG_TYPE) == IcebergOptions.CatalogType.GLUE) {
      IcebergCatalog.requireGlueNames(c, null, dlq);
    }
    return new TargetTable(null, dlq, "", IcebergSinkBuilder.ExistingSpec.KEEP);
  }

  public String name() {
    return name;
  }

  public String deadLetters() {
    return deadLetters;
  }

  public String partitionSpec() {
    return partitionSpec;
  }

  /** What the sink does when the table exists with another spec than {@link #partitionSpec}. */
  public IcebergSinkBuilder.ExistingSpec existingSpec() {
    return existingSpec;
  }
}
