#!/usr/bin/env python3
"""
Consume events with the Python reference consumer (edx-event-bus-kafka's KafkaEventConsumer).

Connects a receiver to every signal of openedx-events and runs the consumer's own loop (its
deserializer, header parser and registry client) on ``--topic`` (EVENT_BUS_TOPIC_PREFIX
applies) in ``--group`` until ``--count`` events were received, writing one JSON object a line
on stdout for each: ``{"metadata": <to_json() shape>, "data": <to_dict shape>}``, what the
receivers got. The group starts at the earliest offset (upstream leaves librdkafka's default,
the latest), so that it reads what was produced before it started.

Exits with status 2 if the events do not all arrive within ``--timeout`` seconds.

Usage: kafka_consume.py --bootstrap-servers HOST:PORT --schema-registry-url URL --topic T --group G --count N
"""
import argparse
import json
import os
import sys
import threading

from kafka_django import configure
from redis_django import data_dict, metadata_json


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--bootstrap-servers", required=True)
    parser.add_argument("--schema-registry-url", required=True)
    parser.add_argument("--topic", required=True)
    parser.add_argument("--group", required=True)
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--timeout", type=float, default=60)
    args = parser.parse_args()
    configure(args.bootstrap_servers, args.schema_registry_url)

    # pylint: disable=import-outside-toplevel
    from edx_event_bus_kafka.internal import consumer as consumer_module
    from openedx_events.tooling import OpenEdxPublicSignal, load_all_signals

    common_settings = consumer_module.load_common_settings

    def earliest_settings():
        loaded = common_settings()
        loaded["auto.offset.reset"] = "earliest"
        return loaded

    consumer_module.load_common_settings = earliest_settings
    load_all_signals()
    consumer = consumer_module.KafkaEventConsumer(args.topic, args.group)
    received = []
    errors = []

    def record_event_consuming_error(run_context, error, maybe_message):  # pylint: disable=unused-argument
        errors.append(repr(error))
        print(f"consuming error: {error!r}", file=sys.stderr, flush=True)

    consumer.record_event_consuming_error = record_event_consuming_error

    def make_receiver():
        def receiver(sender, signal, metadata, from_event_bus, **event_data):  # pylint: disable=unused-argument
            got = {"metadata": metadata_json(metadata), "data": data_dict(signal, event_data)}
            print(json.dumps(got, sort_keys=True), flush=True)
            received.append(got)
            if len(received) >= args.count:
                # Checked by the loop before its next poll: this message is committed first.
                consumer._shut_down()  # pylint: disable=protected-access

        return receiver

    receivers = []  # Django keeps weak references to receivers.
    for signal in OpenEdxPublicSignal.all_events():
        receiver = make_receiver()
        receivers.append(receiver)
        signal.connect(receiver)

    def give_up():
        print(f"timed out after {args.timeout}s with {len(received)} of {args.count} events", file=sys.stderr)
        sys.stderr.flush()
        os._exit(2)  # pylint: disable=protected-access

    timer = threading.Timer(args.timeout, give_up)
    timer.daemon = True
    timer.start()
    consumer.consume_indefinitely()
    timer.cancel()


if __name__ == "__main__":
    main()
