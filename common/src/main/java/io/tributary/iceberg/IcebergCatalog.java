package io.tributary.iceberg;

import io.tributary.config.ConfigException;
import io.tributary.config.GroupConfig;
import io.tributary.config.TributaryConfig;
import io.tributary.iceberg.IcebergOptions.CatalogType;
import java.io.Closeable;
import java.io.File;
import java.io.IOException;
import java.io.Serializable;
import java.net.URI;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.apache.flink.configuration.ConfigOption;
import org.apache.iceberg.CatalogProperties;
import org.apache.iceberg.DistributionMode;
import org.apache.iceberg.TableProperties;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.SupportsNamespaces;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.flink.CatalogLoader;
import org.apache.iceberg.flink.TableLoader;
import org.apache.iceberg.hadoop.HadoopCatalog;

/**
 * The configured catalog and database, plus the write settings every table of the job shares.
 * Serializable: the sink carries its loaders to the task managers.
 */
public final class IcebergCatalog implements Serializable {
  private static final long serialVersionUID = 1L;

  private final CatalogLoader loader;
  private final CatalogLoader clientLoader;
  private final Map<String, String> catalogProperties;
  private final String database;
  private final Map<String, String> tableProperties;
  private final DistributionMode distribution;
  private final Integer writeParallelism;
  private final String description;
  private final String metricsScope;

  private IcebergCatalog(
      CatalogLoader loader,
      CatalogLoader clientLoader,
      Map<String, String> catalogProperties,
      String database,
      Map<String, String> tableProperties,
      DistributionMode distribution,
      Integer writeParallelism,
      String description,
      String metricsScope) {
    this.loader = loader;
    this.clientLoader = clientLoader;
    this.catalogProperties = catalogProperties;
    this.database = database;
    this.tableProperties = tableProperties;
    this.distribution = distribution;
    this.writeParallelism = writeParallelism;
    this.description = description;
    this.metricsScope = metricsScope;
  }

  /** The catalog the {@code iceberg} group configures. */
  public static IcebergCatalog fromConfig(GroupConfig c) {
    CatalogType type = c.get(IcebergOptions.CATALOG_TYPE);
    String name = c.get(IcebergOptions.CATALOG_NAME);
    Map<String, String> props = new HashMap<>(c.passThrough("catalog.properties."));
    if (type == CatalogType.HADOOP
        || type == CatalogType.GLUE
        || c.isSet(IcebergOptions.WAREHOUSE)) {
      props.put(CatalogProperties.WAREHOUSE_LOCATION, warehouse(c.get(IcebergOptions.WAREHOUSE)));
    }
    if (type == CatalogType.JDBC) {
      String uri = c.get(IcebergOptions.CATALOG_URI);
      if (!uri.startsWith("jdbc:")) {
        throw c.invalid(
            IcebergOptions.CATALOG_URI, "is not a JDBC URL. Write jdbc:postgresql://... .");
      }
      props.putIfAbsent(
          CatalogProperties.WAREHOUSE_LOCATION, warehouse(c.get(IcebergOptions.WAREHOUSE)));
      if (uri.startsWith("jdbc:sqlite:")) {
        // Each table's committer has its own connection: a commit waits up to 30 s for
        // another's (SQLite's default is 3 s) instead of failing with SQLITE_BUSY at once.
        props.putIfAbsent("jdbc.busy_timeout", "30000");
      }
    }
    List<String> problems = new ArrayList<>();
    S3FileIOSettings.applyCatalogProperties(c, type, props, problems);
    String metricsScope = CommitMetrics.configure(props, name, c.get(IcebergOptions.DATABASE));
    org.apache.hadoop.conf.Configuration hadoop = new org.apache.hadoop.conf.Configuration();
    CatalogLoader loader;
    CatalogLoader clientLoader = null;
    switch (type) {
      case REST:
        props.put(CatalogProperties.URI, c.get(IcebergOptions.CATALOG_URI));
        loader = CatalogLoader.rest(name, hadoop, props);
        break;
      case JDBC:
        props.put(CatalogProperties.URI, c.get(IcebergOptions.CATALOG_URI));
        loader = CatalogLoader.custom(name, props, hadoop, "org.apache.iceberg.jdbc.JdbcCatalog");
        if (props.get(CatalogProperties.URI).startsWith("jdbc:sqlite:")) {
          // Iceberg 1.10.1's JdbcCatalog, when it starts, looks for its own tables through
          // DatabaseMetaData (jdbc.init-catalog-tables) without closing the result set: on SQLite
          // that connection keeps a read lock, and another connection's commit (the dead-letter
          // table's committer, say) waits for it and fails with SQLITE_BUSY, every time. The
          // long-lived catalogs of the tasks therefore skip that step; the short-lived ones of
          // with() (start-up, provisioning) do it, creating the catalog's tables, and close.
          // (Its view-support check leaks the same way once the tables have the iceberg_type
          // column, i.e. with jdbc.schema-version = V1; not set here.)
          clientLoader = loader;
          Map<String, String> taskProps = new HashMap<>(props);
          taskProps.put("jdbc.init-catalog-tables", "false");
          loader =
              CatalogLoader.custom(name, taskProps, hadoop, "org.apache.iceberg.jdbc.JdbcCatalog");
        }
        break;
      case GLUE:
        loader =
            CatalogLoader.custom(name, props, hadoop, "org.apache.iceberg.aws.glue.GlueCatalog");
        break;
      case HADOOP:
      default:
        loader = CatalogLoader.hadoop(name, hadoop, props);
        break;
    }
    String database = c.get(IcebergOptions.DATABASE); // its form was checked with the option
    if (type == CatalogType.GLUE) {
      // every name at once, so one start-up reports all of them
      String table = c.getOptional(IcebergOptions.TABLE).orElse(null);
      requireGlueNames(
          c,
          table,
          c.getOptional(IcebergOptions.DEAD_LETTER_TABLE)
              .orElse(table == null ? null : table + "_dead_letters"));
    }
    Map<String, String> tableProps = new HashMap<>();
    tableProps.put(TableProperties.FORMAT_VERSION, "2");
    tableProps.put(TableProperties.DEFAULT_FILE_FORMAT, "parquet");
    tableProps.put(TableProperties.PARQUET_COMPRESSION, "zstd");
    tableProps.put(
        TableProperties.WRITE_TARGET_FILE_SIZE_BYTES,
        String.valueOf(c.get(IcebergOptions.TARGET_FILE_SIZE).getBytes()));
    S3FileIOSettings.applyTableProperties(c, tableProps, problems);
    tableProps.put(TableProperties.METADATA_DELETE_AFTER_COMMIT_ENABLED, "true");
    tableProps.put(TableProperties.METADATA_PREVIOUS_VERSIONS_MAX, "50");
    DistributionMode mode =
        DistributionMode.fromName(c.get(IcebergOptions.DISTRIBUTION).toString());
    tableProps.put(TableProperties.WRITE_DISTRIBUTION_MODE, mode.modeName());
    tableProps.putAll(c.passThrough("table.properties."));
    Integer parallelism = c.getOptional(IcebergOptions.WRITE_PARALLELISM).orElse(null);
    if (!problems.isEmpty()) {
      throw new ConfigException(problems);
    }
    return new IcebergCatalog(
        loader,
        clientLoader == null ? loader : clientLoader,
        new HashMap<>(props),
        database,
        tableProps,
        mode,
        parallelism,
        type + " catalog '" + name + "'",
        metricsScope);
  }

  /** A bare path becomes an absolute file:// URI, so relative warehouses work from any cwd. */
  public static String warehouse(String location) {
    if (location.matches("^[a-zA-Z][a-zA-Z0-9+.-]*:.*")) {
      return location;
    }
    URI uri = new File(location).getAbsoluteFile().toURI();
    return uri.toString();
  }

  /**
   * Glue keeps database and table names in lower case, and Athena and Redshift look them up so: a
   * name with capitals would be created under another spelling than the one configured. Checks the
   * database, the table and the dead-letter table (either may be null) and names every offender
   * with the spelling to use.
   */
  static void requireGlueNames(GroupConfig c, String table, String deadLetters) {
    List<String> problems = new ArrayList<>();
    glueName(c, IcebergOptions.DATABASE, c.get(IcebergOptions.DATABASE), problems);
    glueName(c, IcebergOptions.TABLE, table, problems);
    glueName(c, IcebergOptions.DEAD_LETTER_TABLE, deadLetters, problems);
    if (!problems.isEmpty()) {
      throw new ConfigException(problems);
    }
  }

  private static void glueName(
      GroupConfig c, ConfigOption<String> option, String value, List<String> problems) {
    if (value != null && !value.matches("[a-z0-9_]{1,255}")) {
      String fix = value.toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9_]", "_");
      String why =
          (c.isSet(option) || option == IcebergOptions.DATABASE
                  ? ""
                  : "(the default, from iceberg.table) ")
              + "is not a Glue name: Glue keeps names in lower case (letters, digits,"
              + " underscores, at most 255), and Athena finds them only so. Use '"
              + fix
              + "'.";
      problems.add(
          TributaryConfig.invalid(IcebergOptions.GROUP, option, value, why).problems().get(0));
    }
  }

  public TableIdentifier identifier(String table) {
    return TableIdentifier.of(Namespace.of(database), table);
  }

  /** Runs {@code action} on a freshly opened catalog, then closes its HTTP or JDBC clients. */
  public <T> T with(Function<Catalog, T> action) {
    Catalog c = clientLoader.loadCatalog();
    try {
      return action.apply(c);
    } finally {
      // A HadoopCatalog holds no connection, but closing it shuts the JVM-wide in-memory lock
      // manager that every hadoop table's commit uses: a commit running in the same JVM (a local
      // run, a MiniCluster) then fails or waits for a lock that is never released.
      if (c instanceof Closeable && !(c instanceof HadoopCatalog)) {
        try {
          ((Closeable) c).close();
        } catch (IOException e) {
          // Closing a catalog client cannot lose data; nothing to do.
        }
      }
    }
  }

  TableLoader tableLoader(String table) {
    return tableLoader(identifier(table));
  }

  TableLoader tableLoader(TableIdentifier id) {
    return TableLoader.fromCatalog(loader, id);
  }

  void ensureNamespace(Catalog catalog) {
    ensureNamespace(catalog, Namespace.of(database));
  }

  /** Creates {@code n} unless it exists (or the catalog has no namespaces to create). */
  public static void ensureNamespace(Catalog catalog, Namespace n) {
    if (catalog instanceof SupportsNamespaces) {
      SupportsNamespaces ns = (SupportsNamespaces) catalog;
      if (!ns.namespaceExists(n)) {
        try {
          ns.createNamespace(n);
        } catch (org.apache.iceberg.exceptions.AlreadyExistsException e) {
          // Another job created it first.
        }
      }
    }
  }

  /** Loads the catalog on task managers (sinks carry it). */
  /**
   * The {@link CommitMetrics} scope of this catalog's commits (one per job graph), or null when the
   * user configured their own {@code metrics-reporter-impl}.
   */
  public String metricsScope() {
    return metricsScope;
  }

  /**
   * The {@code Table} value of a table's metrics: {@code table} as the configuration names it,
   * relative to this catalog's database (see {@link CommitMetrics#table}).
   */
  public String metricsTable(String table) {
    return CommitMetrics.table(table, null, database);
  }

  public CatalogLoader loader() {
    return loader;
  }

  /**
   * The catalog's properties as the Iceberg client gets them (warehouse, io-impl, S3FileIO
   * settings, pass-through properties; never credentials).
   */
  public Map<String, String> catalogProperties() {
    return java.util.Collections.unmodifiableMap(catalogProperties);
  }

  /** Properties for the tables the suite creates: format, compression, commit retries... */
  public Map<String, String> tableProperties() {
    return tableProperties;
  }

  DistributionMode distribution() {
    return distribution;
  }

  public Integer writeParallelism() {
    return writeParallelism;
  }

  public String database() {
    return database;
  }

  @Override
  public String toString() {
    return description;
  }
}
