#!/usr/bin/env python3
"""
Publish events with the Python reference producer (edx-event-bus-kafka's KafkaEventProducer).

Reads one JSON object a line on stdin: ``{"event_type": "...", "data": {<to_dict shape>},
"event_key_field": "a.b"}``. Each event gets fresh metadata (as ``send_event`` would make it)
and is sent to ``--topic`` (EVENT_BUS_TOPIC_PREFIX applies), its schemas registered in the
registry. Writes one JSON object a line on stdout, what was sent: ``{"metadata": <to_json()
shape>, "data": <to_dict shape>, "key": <the key field's value>}``.

Exits with status 1 if any event could not be sent (the producer itself only logs errors).

Usage: kafka_produce.py --bootstrap-servers HOST:PORT --schema-registry-url URL --topic T < events.jsonl
"""
import argparse
import json
import sys

from kafka_django import configure
from redis_django import data_dict, event_data_from_dict, metadata_json


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--bootstrap-servers", required=True)
    parser.add_argument("--schema-registry-url", required=True)
    parser.add_argument("--topic", required=True)
    args = parser.parse_args()
    configure(args.bootstrap_servers, args.schema_registry_url)

    # pylint: disable=import-outside-toplevel
    from edx_event_bus_kafka.internal import producer as producer_module
    from openedx_events.tooling import OpenEdxPublicSignal, load_all_signals

    failures = []

    def record_producing_error(error, context):
        failures.append(f"{error!s} {context!r}")

    # The producer swallows errors after logging them, delivery failures included; collect them.
    producer_module.record_producing_error = record_producing_error
    load_all_signals()
    producer = producer_module.create_producer()

    sent = []
    for number, line in enumerate(sys.stdin, start=1):
        if not line.strip():
            continue
        request = json.loads(line)
        signal = OpenEdxPublicSignal.get_signal_by_type(request["event_type"])
        event_data = event_data_from_dict(signal, request["data"])
        metadata = signal.generate_signal_metadata()
        before = len(failures)
        producer.send(
            signal=signal,
            topic=args.topic,
            event_key_field=request["event_key_field"],
            event_data=event_data,
            event_metadata=metadata,
        )
        if len(failures) > before:
            print(f"line {number}: {failures[-1]}", file=sys.stderr)
            continue
        key = producer_module.extract_event_key(event_data, request["event_key_field"])
        sent.append({"metadata": metadata_json(metadata), "data": data_dict(signal, event_data), "key": str(key)})
    # Delivery reports arrive during the flush; a failed delivery is recorded as a failure.
    producer.prepare_for_shutdown()
    for event in sent:
        print(json.dumps(event, sort_keys=True), flush=True)
    if failures:
        print("\n".join(failures), file=sys.stderr)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
