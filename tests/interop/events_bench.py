"""
Times the Python reference (openedx-events 10.5.0) on the operations the Rust benchmarks
measure: send_event to one receiver, and Avro encode and decode of a typical enrollment.
Prints the median of repeated runs, in microseconds per operation.

Run: `scripts/bench-python-events` (or with the interop virtualenv's python).
"""
import statistics
import timeit
from datetime import datetime, timezone

import django
from django.conf import settings

settings.configure(EVENTS_SERVICE_NAME="lms", DEBUG=False)
django.setup()

from opaque_keys.edx.keys import CourseKey  # noqa: E402
from openedx_events.event_bus.avro.deserializer import deserialize_bytes_to_event_data  # noqa: E402
from openedx_events.event_bus.avro.serializer import serialize_event_data_to_bytes  # noqa: E402
from openedx_events.learning.data import (  # noqa: E402
    CourseData, CourseEnrollmentData, UserData, UserPersonalData,
)
from openedx_events.learning.signals import COURSE_ENROLLMENT_CREATED  # noqa: E402


def typical_enrollment():
    """The enrollment the Rust benchmark calls typical."""
    return CourseEnrollmentData(
        user=UserData(id=4211, is_active=True, pii=UserPersonalData(
            username="ada", email="ada@example.com", name="Ada Lovelace")),
        course=CourseData(
            course_key=CourseKey.from_string("course-v1:edX+DemoX+Demo_Course"),
            display_name="Demonstration Course",
            start=datetime(2024, 1, 15, tzinfo=timezone.utc),
        ),
        mode="audit",
        is_active=True,
        creation_date=datetime(2024, 2, 1, 12, 0, 0, 123456, tzinfo=timezone.utc),
    )


def median_micros(statement, number):
    runs = timeit.repeat(statement, number=number, repeat=7)
    return statistics.median(runs) / number * 1e6


def main():
    enrollment = typical_enrollment()
    data = {"enrollment": enrollment}

    def receiver(**kwargs):  # noqa: ARG001
        return None

    COURSE_ENROLLMENT_CREATED.connect(receiver, dispatch_uid="bench")
    send = median_micros(lambda: COURSE_ENROLLMENT_CREATED.send_event(enrollment=enrollment), 2000)
    encode = median_micros(lambda: serialize_event_data_to_bytes(data, COURSE_ENROLLMENT_CREATED), 500)
    payload = serialize_event_data_to_bytes(data, COURSE_ENROLLMENT_CREATED)
    decode = median_micros(lambda: deserialize_bytes_to_event_data(payload, COURSE_ENROLLMENT_CREATED), 500)
    print(f"send_event, one receiver: {send:.1f} µs")
    print(f"encode typical enrollment: {encode:.1f} µs")
    print(f"decode typical enrollment: {decode:.1f} µs")


if __name__ == "__main__":
    main()
