#!/usr/bin/env python3
"""
Measure the Python event bus on Redis (edx-event-bus-redis 0.6.1, openedx-events 10.5.0).

- produce: ``RedisEventProducer.send`` of the enrollment event, one after the other, with
  metadata generated per event as ``send_event`` makes it (Avro encoding and one ``XADD`` per
  event, as a service publishing through ``EVENT_BUS_PRODUCER`` does);
- consume: ``RedisEventConsumer.consume_indefinitely`` reading a backlog of the same events in
  a new consumer group, re-sending each to one no-op receiver.

Each is run ``--rounds`` times over ``--events`` events; prints events per second of every
round and the median. Used by scripts/bench-python-redis.
"""
import argparse
import datetime as dt
import statistics
import time

from redis_django import configure


def enrollment():
    """The event data of the enrollment event, shaped like the Rust benchmark's."""
    # pylint: disable=import-outside-toplevel
    from opaque_keys.edx.keys import CourseKey
    from openedx_events.learning.data import CourseData, CourseEnrollmentData, UserData, UserPersonalData

    user = UserData(
        id=7,
        is_active=True,
        pii=UserPersonalData(username="learner7", email="learner7@example.com", name="Ada Lovelace"),
    )
    course = CourseData(
        course_key=CourseKey.from_string("course-v1:edX+DemoX+Demo_Course"),
        display_name="Demonstration Course",
    )
    return {
        "enrollment": CourseEnrollmentData(
            user=user,
            course=course,
            mode="audit",
            is_active=True,
            creation_date=dt.datetime.now(dt.timezone.utc),
        )
    }


def produce_round(producer, signal, topic, count, event_data):
    """Sends ``count`` events; returns events per second."""
    started = time.perf_counter()
    for _ in range(count):
        producer.send(
            signal=signal,
            topic=topic,
            event_key_field="enrollment.course.course_key",
            event_data=event_data,
            event_metadata=signal.generate_signal_metadata(),
        )
    return count / (time.perf_counter() - started)


def consume_round(producer, signal, topic, group, count, event_data):
    """Consumes a backlog of ``count`` events in a new group; returns events per second."""
    # pylint: disable=import-outside-toplevel
    from edx_event_bus_redis import RedisEventConsumer

    produce_round(producer, signal, topic, count, event_data)
    consumer = RedisEventConsumer(topic, group, "bench", check_backlog=True)
    received = [0]

    def no_op(**kwargs):  # pylint: disable=unused-argument
        received[0] += 1
        if received[0] >= count:
            consumer._shut_down()  # pylint: disable=protected-access

    signal.connect(no_op)
    started = time.perf_counter()
    consumer.consume_indefinitely()
    elapsed = time.perf_counter() - started
    signal.disconnect(no_op)
    assert received[0] == count, received[0]
    return count / elapsed


def report(name, rates):
    """Prints every round and the median."""
    rounds = " ".join(f"{rate:.0f}" for rate in rates)
    print(f"python {name}: median {statistics.median(rates):.0f} events/s (rounds: {rounds})")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--events", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    configure(args.url)

    # pylint: disable=import-outside-toplevel
    from edx_event_bus_redis.internal.producer import create_producer
    from openedx_events.learning.signals import COURSE_ENROLLMENT_CREATED

    producer = create_producer()
    event_data = enrollment()
    run_id = int(time.time())
    produce_round(producer, COURSE_ENROLLMENT_CREATED, f"bench-warmup-{run_id}", 200, event_data)
    produced = [
        produce_round(producer, COURSE_ENROLLMENT_CREATED, f"bench-produce-{run_id}", args.events, event_data)
        for _ in range(args.rounds)
    ]
    report("produce", produced)
    consumed = [
        consume_round(
            producer, COURSE_ENROLLMENT_CREATED, f"bench-consume-{run_id}-{n}", f"bench-{n}", args.events, event_data
        )
        for n in range(args.rounds)
    ]
    report("consume", consumed)


if __name__ == "__main__":
    main()
