#!/usr/bin/env python3
"""
Consume events with the Python reference consumer (edx-event-bus-redis's RedisEventConsumer).

Connects a receiver to every signal of openedx-events, runs the consumer on ``--topic``
(EVENT_BUS_TOPIC_PREFIX applies) in ``--group`` until ``--count`` events were received, and
writes one JSON object a line on stdout for each:
``{"metadata": <to_json() shape>, "data": <to_dict shape>}``, what the receivers got.

Exits with status 2 if the events do not all arrive within ``--timeout`` seconds.

Usage: redis_consume.py --url redis://127.0.0.1:6379/0 --topic T --group G --count N [--check-backlog]
"""
import argparse
import json
import os
import sys
import threading

from redis_django import configure, data_dict, metadata_json


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--topic", required=True)
    parser.add_argument("--group", required=True)
    parser.add_argument("--consumer", default="python-consumer")
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--check-backlog", action="store_true")
    parser.add_argument("--last-read-msg-id")
    parser.add_argument("--timeout", type=float, default=60)
    args = parser.parse_args()
    configure(args.url)

    # pylint: disable=import-outside-toplevel
    from edx_event_bus_redis import RedisEventConsumer
    from openedx_events.tooling import OpenEdxPublicSignal, load_all_signals

    load_all_signals()
    consumer = RedisEventConsumer(
        args.topic,
        args.group,
        args.consumer,
        last_read_msg_id=args.last_read_msg_id,
        check_backlog=args.check_backlog,
    )
    received = []

    def make_receiver(signal):
        def receiver(sender, signal, metadata, from_event_bus, **event_data):  # pylint: disable=unused-argument
            got = {"metadata": metadata_json(metadata), "data": data_dict(signal, event_data)}
            print(json.dumps(got, sort_keys=True), flush=True)
            received.append(got)
            if len(received) >= args.count:
                # Checked by the loop before its next read: this event is acknowledged first.
                consumer._shut_down()  # pylint: disable=protected-access

        return receiver

    receivers = []  # Django keeps weak references to receivers.
    for signal in OpenEdxPublicSignal.all_events():
        receiver = make_receiver(signal)
        receivers.append(receiver)
        signal.connect(receiver)

    def give_up():
        print(f"timed out after {args.timeout}s with {len(received)} of {args.count} events", file=sys.stderr)
        sys.stderr.flush()
        os._exit(2)  # pylint: disable=protected-access

    timer = threading.Timer(args.timeout, give_up)
    timer.daemon = True
    timer.start()
    if args.count > 0:
        consumer.consume_indefinitely()
    timer.cancel()


if __name__ == "__main__":
    main()
