/**
 * Tributary's patches into Iceberg's dynamic sink, in Iceberg's own package because the classes
 * they extend are package-private there: per-checkpoint commits (below) and, for input already
 * partitioned by key, writers fed forward with each record shape resolved once ({@link
 * org.apache.iceberg.flink.sink.dynamic.ForwardRecordProcessor}).
 *
 * <p>Iceberg 1.10.2's {@code DynamicWriteResultAggregator} keeps writer results by table, not by
 * checkpoint. When a checkpoint is aborted after the writers flushed for it but before the
 * aggregator saw its barrier, the aggregator folds that flush into the next checkpoint's commit.
 * One commit then holds two flushes of one writer; an equality delete in the second does not reach
 * a row of the first (equal sequence numbers), and an upserted key stays live twice. {@link
 * org.apache.iceberg.flink.sink.dynamic.PerCheckpointDynamicSink} keeps each checkpoint's results
 * apart, as Iceberg's own {@code FlinkSink} committer does since apache/iceberg#10526. The
 * aggregator patch can go when Iceberg's aggregator does the same (not the case on Iceberg's main
 * branch as of 2026-12); the forward feed has no counterpart in Iceberg.
 */
package org.apache.iceberg.flink.sink.dynamic;
