#!/usr/bin/env python3
"""Where a BenchmarkHarness run spends its CPU, per run kind (ceiling, job, SQL twin), from a JFR
recording of the harness's JVM (docs/benchmarks.md, "cdc per change").

usage: harness_profile.py RECORDING.jfr [TOP]

Each kind's runs are told apart by their task threads (Flink names a task after its operator
chain); a run's window spans its task threads' first to last sample, and every sample in it
(Kafka, checkpoint and Iceberg worker threads too) counts for that kind. Prints, per kind: the
sample count, a breakdown by stage (each sample goes to the stage of the frame nearest its top
that names one), and the top frames by self samples and by inclusive samples.
Needs the JDK's `jfr` tool; parsing a recording of a few minutes takes about a minute (cached
next to it as RECORDING.jfr.samples.pkl)."""
import collections, json, os, pickle, re, subprocess, sys

STAGES = [
    ('TTL state cleanup', ['TtlIncrementalCleanup']),
    ('record copy between chained operators', ['Serializer.copy']),
    ('serialize to network', ['RowChangeSerializer.serialize', 'DynamicRecordInternalSerializer.serialize',
                              'RecordWriter.emit', 'RecordWriter.serializeRecord']),
    ('deserialize from network', ['RowChangeSerializer.deserialize', 'DynamicRecordInternalSerializer.deserialize',
                                  'SpillingAdaptiveSpanningRecordDeserializer', 'StreamElementSerializer.deserialize']),
    ('Iceberg writer (Parquet, equality deletes)', ['DynamicWriter.write', 'IcebergStreamWriter.processElement',
                                                    'BaseDeltaTaskWriter', 'SinkWriterOperator.processElement']),
    ('sink generator (DynamicRecordProcessor)', ['DynamicRecordProcessor', 'ForwardRecordProcessor']),
    ('table stage (ChangeTables)', ['ChangeTables.processElement']),
    ('commit metrics', ['CommitWatch.processElement']),
    ('ordering guard (state get/put)', ['OrderingGuard.processElement']),
    ('SQL changelog state (ChangelogNormalize / SinkMaterializer)', ['ProcTimeDeduplicateKeepLastRowFunction',
                                                                    'SinkUpsertMaterializer', 'DeduplicateFunction',
                                                                    'KeyedProcessOperator.processElement']),
    ('decode: JSON parse', ['StrictJson', 'ObjectMapper.readTree', 'JsonParser', 'DebeziumJson.tree']),
    ('decode: typing and conversion', ['ChangeRows', 'DebeziumJson.decode', 'ChangeDecodeFunction',
                                       'DebeziumJsonDeserializationSchema', 'JsonRowDataDeserializationSchema',
                                       'JsonToRowDataConverters']),
    ('Kafka fetch', ['KafkaConsumer', 'consumer.internals', 'KafkaPartitionSplitReader']),
    ('checkpoints and commits', ['snapshotState', 'DynamicCommitter', 'IcebergFilesCommitter',
                                 'AsyncCheckpointRunnable', 'prepareSnapshotPreBarrier',
                                 'CheckpointSeparatingAggregator', 'DynamicWriter.prepareCommit', 'flush']),
]
# frames every task runs through: left out of the inclusive list
PLUMBING = re.compile(r'(java\.io|java\.lang\.reflect|java\.lang\.Thread|java\.util\.concurrent'
                      r'|org\.apache\.flink\.runtime\.taskmanager|org\.apache\.flink\.streaming\.runtime\.io\.'
                      r'(StreamOneInputProcessor|AbstractStreamTaskNetworkInput)'
                      r'|org\.apache\.flink\.streaming\.runtime\.tasks\.(StreamTask|SourceOperatorStreamTask'
                      r'|OneInputStreamTask|mailbox)|.*MailboxProcessor|.*\.run$|.*lambda\$|.*\$\$Lambda)')


def kind(thread):
    if re.search(r'TableSourceScan|IcebergStreamWriter|IcebergFilesCommitter|ConstraintEnforcer|'
                 r'ChangelogNormalize|SinkMaterializer|Source: src\[', thread):
        return 'sql'
    if 'discard' in thread:
        return 'ceiling'
    if re.search(r'ordering guard|cdc-sink|create / evolve tables', thread):
        return 'job'
    return None


def load(f):
    cache = f + '.samples.pkl'
    if os.path.exists(cache):
        return pickle.load(open(cache, 'rb'))
    out = subprocess.run(['jfr', 'print', '--json', '--stack-depth', '96', '--events', 'jdk.ExecutionSample', f],
                         capture_output=True, text=True, check=True).stdout
    samples = []
    for e in json.loads(out)['recording']['events']:
        v = e['values']
        t = v['sampledThread'] or {}
        frames = [fr['method']['type']['name'].replace('/', '.') + '.' + fr['method']['name']
                  for fr in (v['stackTrace'] or {}).get('frames', [])]
        samples.append((v['startTime'], t.get('javaName') or t.get('osName') or '', frames))
    samples.sort()
    pickle.dump(samples, open(cache, 'wb'))
    return samples


def main():
    samples = load(sys.argv[1])
    top = int(sys.argv[2]) if len(sys.argv) > 2 else 15
    windows = []
    for ts, name, _ in samples:
        k = kind(name)
        if k is None:
            continue
        if windows and windows[-1][0] == k:
            windows[-1][2] = ts
        else:
            windows.append([k, ts, ts])
    by = collections.defaultdict(list)
    for ts, name, frames in samples:
        k = next((k for k, a, b in windows if a <= ts <= b), None)
        if k:
            by[k].append(frames)
    for k in ('ceiling', 'job', 'sql'):
        report(k, by.get(k, []), top)


def report(title, stacks, top, inclusive=True):
    """Prints the sample count, the breakdown by stage and the top frames of some stacks."""
    n = len(stacks)
    if not n:
        return
    print(f'\n== {title}: {n} samples')
    stages = collections.Counter()
    for fr in stacks:
        stages[next((s for m in fr for s, pats in STAGES if any(p in m for p in pats)), 'other')] += 1
    print('-- by stage')
    for s, c in stages.most_common():
        print(f'{c * 100 / n:5.1f}% {s}')
    print('-- self')
    for m, c in collections.Counter(fr[0] for fr in stacks if fr).most_common(top):
        print(f'{c * 100 / n:5.1f}% {m}')
    if inclusive:
        incl = collections.Counter()
        for fr in stacks:
            incl.update(set(fr))
        print('-- inclusive')
        for m, c in [(m, c) for m, c in incl.most_common(500) if not PLUMBING.match(m)][:top]:
            print(f'{c * 100 / n:5.1f}% {m}')

if __name__ == '__main__':
    main()
