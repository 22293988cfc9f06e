package io.tributary.cdc.sink;

import io.tributary.iceberg.IcebergCatalog;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.TableIdentifier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The list of tables a cdc pipeline mirrors, kept in the properties of its dead-letter table (the
 * registry), which exists before any change is read. A start without state reads it to find tables
 * that are named nowhere in the configuration (see {@code StartGuard}).
 */
public final class MirroredTables {
  private static final Logger LOG = LoggerFactory.getLogger(MirroredTables.class);

  /**
   * Prefix of the registry's properties that list the mirrored tables: one key per table, so
   * concurrent subtasks never overwrite each other.
   */
  public static final String PREFIX = "tributary.cdc.mirrored.";

  private MirroredTables() {}

  /** The tables a registry table's properties list as mirrored ({@link #PREFIX}). */
  public static List<TableIdentifier> mirrored(Map<String, String> registryProperties) {
    List<TableIdentifier> out = new ArrayList<>();
    for (String key : registryProperties.keySet()) {
      if (key.startsWith(PREFIX)) {
        out.add(TableIdentifier.parse(key.substring(PREFIX.length())));
      }
    }
    return out;
  }

  /** The tables the pipeline writing to dead-letter table {@code registry} has mirrored so far. */
  public static List<TableIdentifier> mirrored(IcebergCatalog catalog, String registry) {
    TableIdentifier at = catalog.identifier(registry);
    return catalog.with(
        c -> c.tableExists(at) ? mirrored(c.loadTable(at).properties()) : List.of());
  }

  /** Lists {@code id} in registry {@code at} as mirrored by {@code job}, unless it is listed. */
  static void register(Catalog client, TableIdentifier at, TableIdentifier id, String job) {
    if (!client.tableExists(at)) {
      throw new IllegalStateException(
          "the dead-letter table " + at + " is missing: it is created when the job starts");
    }
    Table r = client.loadTable(at);
    String key = PREFIX + id;
    if (!r.properties().containsKey(key)) {
      // Iceberg retries a conflicting property commit on a fresh base: no subtask's key is lost
      r.updateProperties().set(key, job).commit();
      LOG.info("Listed {} in {} as a table this pipeline mirrors", id, at);
    }
  }
}
