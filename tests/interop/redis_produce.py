#!/usr/bin/env python3
"""
Publish events with the Python reference producer (edx-event-bus-redis's RedisEventProducer).

Reads one JSON object a line on stdin: ``{"event_type": "...", "data": {<to_dict shape>}}``.
Each event gets fresh metadata (as ``send_event`` would make it) and is sent to ``--topic``
(EVENT_BUS_TOPIC_PREFIX applies). Writes one JSON object a line on stdout:
``{"metadata": <to_json() shape>, "data": <to_dict shape>}``, what was sent.

Exits with status 1 if any event could not be sent (the producer itself only logs errors).

Usage: redis_produce.py --url redis://127.0.0.1:6379/0 --topic TOPIC < events.jsonl
"""
import argparse
import json
import sys

from redis_django import configure, data_dict, event_data_from_dict, metadata_json


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--topic", required=True)
    args = parser.parse_args()
    configure(args.url)

    # pylint: disable=import-outside-toplevel
    from edx_event_bus_redis.internal import producer as producer_module
    from openedx_events.tooling import OpenEdxPublicSignal, load_all_signals

    failures = []

    def record_producing_error(error, context):
        failures.append(f"{error!r} {context!r}")

    # The producer swallows errors after logging them; collect them instead.
    producer_module.record_producing_error = record_producing_error
    load_all_signals()
    producer = producer_module.create_producer()

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
            event_key_field=request.get("event_key_field", ""),
            event_data=event_data,
            event_metadata=metadata,
        )
        if len(failures) > before:
            print(f"line {number}: {failures[-1]}", file=sys.stderr)
            continue
        sent = {"metadata": metadata_json(metadata), "data": data_dict(signal, event_data)}
        print(json.dumps(sent, sort_keys=True), flush=True)

    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
