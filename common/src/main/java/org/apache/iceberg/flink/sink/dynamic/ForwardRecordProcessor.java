package org.apache.iceberg.flink.sink.dynamic;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Schema;
import org.apache.iceberg.catalog.TableIdentifier;

/**
 * The dynamic sink's record processor for records that go forward to a writer in the same task
 * ({@link PerCheckpointDynamicSink.Builder#inputPartitionedByKey}): Iceberg's own {@link
 * DynamicRecordProcessor} resolves each new shape of record against its table, and its answer is
 * then reused for every record of that shape until the processor's cache refresh interval has
 * passed.
 *
 * <p>Why: per record, Iceberg's processor looks its table up four times, names the table twice (a
 * new string each time), works out the equality field ids, and hashes the record's key columns for
 * a writer key that a forward edge never reads. That was about a tenth of the samples of the {@code
 * cdc} job's guard, table stage and writer thread (JFR, docs/benchmarks.md). Here a record whose
 * table, schema, spec and equality fields are the very objects of an earlier resolved one costs one
 * identity lookup.
 *
 * <p>What is reused is only what Iceberg's processor emitted for that shape: the table's schema and
 * spec, the table name and the equality field ids. A shape whose rows Iceberg had to convert is
 * never reused (every record of it goes through Iceberg's processor), and the reuse lasts no longer
 * than Iceberg's own table cache would serve the same answer. The generator must be deterministic:
 * asked twice for one input, it yields the same records, in the same order.
 */
final class ForwardRecordProcessor<T> extends ProcessFunction<T, DynamicRecordInternal> {
  private static final long serialVersionUID = 1L;

  private final DynamicRecordGenerator<T> generator;
  private final DynamicRecordProcessor<T> resolver;
  private final long refreshMs;

  private transient Map<Shape, Resolved> resolved;
  private transient List<DynamicRecord> records;
  private transient List<Resolved> hits;
  private transient ResolvedCapture capture;
  private transient Collector<DynamicRecord> generated;

  ForwardRecordProcessor(
      DynamicRecordGenerator<T> generator, DynamicRecordProcessor<T> resolver, long refreshMs) {
    this.generator = generator;
    this.resolver = resolver;
    this.refreshMs = refreshMs;
  }

  @Override
  public void open(OpenContext openContext) throws Exception {
    super.open(openContext);
    resolver.setRuntimeContext(getRuntimeContext());
    resolver.open(openContext); // opens the generator too
    resolved = new HashMap<>();
    records = new ArrayList<>(1);
    hits = new ArrayList<>(1);
    capture = new ResolvedCapture();
    generated =
        new Collector<>() {
          @Override
          public void collect(DynamicRecord record) {
            records.add(record);
          }

          @Override
          public void close() {}
        };
  }

  @Override
  public void processElement(T element, Context ctx, Collector<DynamicRecordInternal> out)
      throws Exception {
    records.clear();
    hits.clear();
    generator.generate(element, generated);
    long now = System.currentTimeMillis();
    for (DynamicRecord r : records) {
      Resolved known = resolved.get(new Shape(r));
      if (known == null || now - known.at >= refreshMs) {
        break;
      }
      hits.add(known);
    }
    if (hits.size() == records.size()) {
      for (int i = 0; i < records.size(); i++) {
        DynamicRecord r = records.get(i);
        Resolved known = hits.get(i);
        out.collect(
            new DynamicRecordInternal(
                known.tableName,
                r.branch(),
                known.schema,
                r.rowData(),
                known.spec,
                0, // no shuffle reads it: the writer takes the record forward
                r.upsertMode(),
                known.equalityFieldIds));
      }
      return;
    }
    // Iceberg's processor, from the element on (it runs the generator again): it resolves and
    // updates the tables, converts rows where needed, and emits; its answers are kept for reuse.
    capture.start(out, now);
    resolver.processElement(element, ctx, capture);
    capture.finish();
  }

  @Override
  public void close() throws Exception {
    resolver.close();
    super.close();
  }

  /** Passes Iceberg's records on and, matched one to one with the generator's, keeps them. */
  private final class ResolvedCapture implements Collector<DynamicRecordInternal> {
    private Collector<DynamicRecordInternal> out;
    private final List<DynamicRecordInternal> emitted = new ArrayList<>(1);
    private long at;

    void start(Collector<DynamicRecordInternal> out, long at) {
      this.out = out;
      this.at = at;
      emitted.clear();
    }

    @Override
    public void collect(DynamicRecordInternal record) {
      emitted.add(record);
      out.collect(record);
    }

    void finish() {
      if (emitted.size() != records.size()) {
        return; // not one to one: nothing learnt
      }
      for (int i = 0; i < records.size(); i++) {
        DynamicRecord r = records.get(i);
        DynamicRecordInternal e = emitted.get(i);
        Shape shape = new Shape(r);
        // A converted row (another instance) means the shape needs Iceberg's processor each time.
        if (e.rowData() == r.rowData()) {
          resolved.put(shape, new Resolved(e, at));
        } else {
          resolved.remove(shape);
        }
      }
    }

    @Override
    public void close() {}
  }

  /**
   * What Iceberg's processor reads of a record besides its row, by identity: the generator hands
   * out the same objects for records of one kind, and an object another record also holds is equal
   * to itself.
   */
  private static final class Shape {
    private final TableIdentifier table;
    private final String branch;
    private final Schema schema;
    private final PartitionSpec spec;
    private final Set<String> equalityFields;
    private final boolean upsert;
    private final Object distribution;
    private final int writeParallelism;
    private final int hash;

    Shape(DynamicRecord r) {
      this.table = r.tableIdentifier();
      this.branch = r.branch();
      this.schema = r.schema();
      this.spec = r.spec();
      this.equalityFields = r.equalityFields();
      this.upsert = r.upsertMode();
      this.distribution = r.distributionMode();
      this.writeParallelism = r.writeParallelism();
      int h = System.identityHashCode(table);
      h = 31 * h + System.identityHashCode(schema);
      h = 31 * h + System.identityHashCode(spec);
      h = 31 * h + System.identityHashCode(equalityFields);
      this.hash = h;
    }

    @Override
    public boolean equals(Object o) {
      if (!(o instanceof Shape)) {
        return false;
      }
      Shape s = (Shape) o;
      return table == s.table
          && Objects.equals(branch, s.branch)
          && schema == s.schema
          && spec == s.spec
          && equalityFields == s.equalityFields
          && upsert == s.upsert
          && distribution == s.distribution
          && writeParallelism == s.writeParallelism;
    }

    @Override
    public int hashCode() {
      return hash;
    }
  }

  /** Iceberg's answer for one shape, and when it was given. */
  private static final class Resolved {
    final String tableName;
    final Schema schema;
    final PartitionSpec spec;
    final Set<Integer> equalityFieldIds;
    final long at;

    Resolved(DynamicRecordInternal r, long at) {
      this.tableName = r.tableName();
      this.schema = r.schema();
      this.spec = r.spec();
      this.equalityFieldIds = r.equalityFields();
      this.at = at;
    }
  }
}
