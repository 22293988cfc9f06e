"""Click events for the Docker stack: the generator service of docker/compose.yaml.

Sends EVENTS_PER_SECOND events a second, forever (or COUNT events, if set), to Kafka topic
`events` and Kinesis stream `events`, the same events to both, creating the topic and the
stream if they are missing. The events have the shape of sql/sources/kafka-events.sql (and of
the demo's built-in generator); SEED makes the sequence repeatable, except for the times, which
are the wall clock so that event-time windows close.

Settings from the environment (docker/stack.env and compose.yaml): KAFKA_BOOTSTRAP_SERVERS,
KINESIS_ENDPOINT, AWS_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, EVENTS_PER_SECOND, SEED,
COUNT, TOPIC, STREAM, PARTITIONS, HEARTBEAT_FILE.

Not run on the build machine (no Docker engine, and no Kafka Python client in its package
mirror); `python3 generate.py --print 3` prints events without connecting to anything.
"""

import datetime
import json
import os
import random
import sys
import time

EVENT_TYPES = ["view", "click", "add_to_cart", "order"]
CATEGORIES = ["books", "toys", "garden", "music", "electronics"]
CURRENCIES = ["EUR", "EUR", "EUR", "USD", "GBP"]


def events(seed):
    """Endless click events; every field but ts follows from the seed alone."""
    rng = random.Random(seed)
    n = 0
    while True:
        user = rng.randrange(500)
        event_type = rng.choice(EVENT_TYPES)
        buying = event_type in ("add_to_cart", "order")
        now = datetime.datetime.now(datetime.timezone.utc)
        yield {
            "event_id": "e-%d" % n,
            "event_type": event_type,
            "user_id": "u-%d" % user,
            "session_id": "s-%d-%d" % (user, n // 1000),
            "product_id": "p-%d" % rng.randrange(1000),
            "category": rng.choice(CATEGORIES),
            "quantity": rng.randint(1, 4) if buying else None,
            # Two decimals, as DECIMAL(12, 2) in the tables; a JSON number, not a string.
            "amount": round(rng.randrange(100, 50000) / 100.0, 2) if buying else None,
            "currency": rng.choice(CURRENCIES),
            # ISO-8601 in UTC with a Z, as 'json.timestamp-format.standard' = 'ISO-8601' reads it.
            "ts": now.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (now.microsecond // 1000),
        }
        n += 1


def encode(event):
    return json.dumps({k: v for k, v in event.items() if v is not None}, separators=(",", ":"))


def kafka_producer(bootstrap, topic, partitions):
    from kafka import KafkaProducer
    from kafka.admin import KafkaAdminClient, NewTopic
    from kafka.errors import TopicAlreadyExistsError

    admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="tributary-generator")
    try:
        # The broker creates no topic by itself (auto.create.topics.enable=false).
        admin.create_topics([NewTopic(topic, num_partitions=partitions, replication_factor=1)])
        print("created Kafka topic %s (%d partitions)" % (topic, partitions), flush=True)
    except TopicAlreadyExistsError:
        pass
    finally:
        admin.close()
    return KafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=50)


def kinesis_client(endpoint, region, stream, shards):
    import boto3

    client = boto3.client("kinesis", endpoint_url=endpoint, region_name=region)
    try:
        client.create_stream(StreamName=stream, ShardCount=shards)
        print("created Kinesis stream %s (%d shards)" % (stream, shards), flush=True)
    except client.exceptions.ResourceInUseException:
        pass
    for _ in range(60):
        status = client.describe_stream_summary(StreamName=stream)["StreamDescriptionSummary"]
        if status["StreamStatus"] == "ACTIVE":
            return client
        time.sleep(1)
    raise SystemExit("Kinesis stream %s did not become ACTIVE within 60 s" % stream)


def main(argv):
    seed = int(os.environ.get("SEED", "42"))
    if len(argv) == 3 and argv[1] == "--print":
        source = events(seed)
        for _ in range(int(argv[2])):
            print(encode(next(source)))
        return 0

    rate = float(os.environ.get("EVENTS_PER_SECOND", "20"))
    count = int(os.environ.get("COUNT", "0"))
    topic = os.environ.get("TOPIC", "events")
    stream = os.environ.get("STREAM", "events")
    partitions = int(os.environ.get("PARTITIONS", "2"))
    heartbeat = os.environ.get("HEARTBEAT_FILE", "/tmp/generator.alive")

    producer = kafka_producer(os.environ["KAFKA_BOOTSTRAP_SERVERS"], topic, partitions)
    kinesis = kinesis_client(
        os.environ["KINESIS_ENDPOINT"], os.environ.get("AWS_REGION", "us-east-1"), stream, partitions
    )
    print(
        "sending %g events/s to Kafka topic %s and Kinesis stream %s (seed %d)"
        % (rate, topic, stream, seed),
        flush=True,
    )

    source = events(seed)
    sent = 0
    # One batch a second: at most 500 records (a PutRecords limit) go to Kinesis per call.
    batch_size = max(1, int(round(rate)))
    while count <= 0 or sent < count:
        started = time.monotonic()
        batch = [next(source) for _ in range(min(batch_size, count - sent) if count > 0 else batch_size)]
        for event in batch:
            producer.send(topic, key=event["user_id"].encode(), value=encode(event).encode())
        producer.flush()
        for i in range(0, len(batch), 500):
            records = [
                {"Data": encode(e).encode(), "PartitionKey": e["user_id"]} for e in batch[i : i + 500]
            ]
            failed = kinesis.put_records(StreamName=stream, Records=records).get("FailedRecordCount", 0)
            if failed:
                print("Kinesis rejected %d of %d records" % (failed, len(records)), flush=True)
        sent += len(batch)
        with open(heartbeat, "w") as f:
            f.write(str(sent))
        if sent % (batch_size * 60) < batch_size:
            print("%d events sent" % sent, flush=True)
        time.sleep(max(0.0, 1.0 - (time.monotonic() - started)))
    producer.close()
    print("done: %d events" % sent, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
