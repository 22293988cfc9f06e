#!/usr/bin/env python3
"""Where the steady-state runs of a BenchmarkHarness run spend their CPU, per job and variant (job,
SQL twin), from a JFR recording of the harness's JVM (docs/benchmarks.md, "Where the CPU goes in
steady state").

usage: steady_profile.py RECORDING.jfr HARNESS_OUTPUT.txt [TOP]

HARNESS_OUTPUT.txt is the harness's log (bench/target/surefire-reports/
io.tributary.bench.BenchmarkHarness-output.txt): each steady-state run ends with a line
"bench steady <job> <kind> <round>: ...", so a run spans from the previous run's last log line to
its own. Samples of the harness's own threads (the producer, the sampler, their Kafka clients) are
left out. Prints, per job and variant over all rounds: the sample count, a breakdown by stage
(harness_profile.py's stages) and the top frames by self samples.

A recording of an hour is too large for one `jfr print --json`: it is split into its chunks
(`jfr disassemble`) and read chunk by chunk; the samples are cached next to it
(RECORDING.jfr.steady.pkl)."""
import collections, glob, json, os, pickle, re, subprocess, sys, tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness_profile  # noqa: E402  (its stages and report)

HARNESS = re.compile(r'^(main|bench-steady-producer|kafka-producer-network-thread|kafka-admin-client-thread)')


def load(recording):
    cache = recording + '.steady.pkl'
    if os.path.exists(cache):
        return pickle.load(open(cache, 'rb'))
    samples = []
    with tempfile.TemporaryDirectory() as chunks:
        subprocess.run(['jfr', 'disassemble', '--output', chunks, recording], check=True,
                       capture_output=True)
        for chunk in sorted(glob.glob(os.path.join(chunks, '*.jfr'))):
            out = subprocess.run(['jfr', 'print', '--json', '--stack-depth', '64', '--events',
                                  'jdk.ExecutionSample', chunk],
                                 capture_output=True, text=True, check=True).stdout
            for e in json.loads(out)['recording']['events']:
                v = e['values']
                t = v['sampledThread'] or {}
                frames = [fr['method']['type']['name'].replace('/', '.') + '.' + fr['method']['name']
                          for fr in (v['stackTrace'] or {}).get('frames', [])]
                # HH:MM:SS.mmm, as the harness's log lines start
                samples.append((v['startTime'][11:23], t.get('javaName') or t.get('osName') or '', frames))
    samples.sort()
    pickle.dump(samples, open(cache, 'wb'))
    return samples


def runs(log):
    """(end time, job, kind) of every steady-state run, in order."""
    out, last = [], None
    for line in open(log, errors='replace'):
        m = re.match(r'^(\d\d:\d\d:\d\d\.\d\d\d) ', line)
        if m:
            last = m.group(1)
        m = re.match(r'^bench steady (\w+) (\w+) \d+:', line)
        if m:
            out.append((last, m.group(1), m.group(2)))
    return out


def main():
    samples = load(sys.argv[1])
    top = int(sys.argv[3]) if len(sys.argv) > 3 else 15
    by = collections.defaultdict(list)
    start = ''
    for end, job, kind in runs(sys.argv[2]):
        by[(job, kind)].extend(f for ts, name, f in samples if start < ts <= end and not HARNESS.match(name))
        start = end
    for (job, kind), stacks in sorted(by.items()):
        harness_profile.report(f'{job} {kind}', stacks, top, inclusive=False)

if __name__ == '__main__':
    main()
