/**
 * Tributary's one patch into Iceberg's dynamic sink, in Iceberg's own package because the classes
 * it extends are package-private there.
 *
 * <p>Iceberg 1.10.2's {@code DynamicWriteResultAggregator} keeps writer results by table, not by
 * checkpoint. When a checkpoint is aborted after the writers flushed for it but before the
 * aggregator saw its barrier, the aggregator folds that flush into the next checkpoint's commit.
 * One commit then holds two flushes of one writer; an equality delete in the second does not reach
 * a row of the first (equal sequence numbers), and an upserted key stays live twice. {@link
 * org.apache.iceberg.flink.sink.dynamic.PerCheckpointDynamicSink} keeps each checkpoint's results
 * apart, as Iceberg's own {@code FlinkSink} committer does since apache/iceberg#10526. Delete this
 * package when Iceberg's aggregator does the same (not the case on Iceberg's main branch as of
 * 2026-12).
 */
package org.apache.iceberg.flink.sink.dynamic;
