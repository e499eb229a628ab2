//! Malformed Avro input: every class of problem is a `DecodeError` naming the event type, the
//! field path and the byte, never a panic.

use events_core::avro::{DecodeErrorKind, write_bool, write_long, write_optional, write_str};
use events_core::prelude::*;
use proptest::prelude::*;

/// A profile.
#[event_data]
pub struct ProfileData {
    /// Login name.
    username: String,
    /// Email address.
    email: String,
}

/// A membership.
#[event_data]
pub struct MemberData {
    /// Member number.
    number: i32,
    /// Whether active.
    active: bool,
    /// Profile.
    profile: ProfileData,
    /// Joined at.
    joined: DateTime<Utc>,
    /// Stable id.
    uid: Uuid,
    /// Sponsor, if any.
    sponsor: Option<ProfileData>,
    /// Groups.
    groups: Vec<String>,
    /// Scores by course.
    scores: BTreeMap<String, i64>,
}

/// Emitted when a member joins.
#[open_edx_event(type = "com.example.learning.member.joined.v1")]
pub struct MemberJoined {
    /// The member.
    member: MemberData,
}

fn member() -> MemberJoined {
    let profile = ProfileData::builder().username("ada").email("ada@example.com").build();
    let member = MemberData::builder()
        .number(12)
        .active(true)
        .profile(profile)
        .joined(DateTime::from_timestamp(1_706_788_800, 0).unwrap())
        .uid(Uuid::from_u128(7))
        .groups(vec!["a".to_owned()])
        .scores(BTreeMap::from([("x".to_owned(), 1)]))
        .build();
    MemberJoined::new(member)
}

/// The bytes of `member()` up to the profile, then `rest`.
fn with_profile_bytes(rest: impl FnOnce(&mut Vec<u8>)) -> Vec<u8> {
    let mut out = Vec::new();
    write_long(&mut out, 12);
    write_bool(&mut out, true);
    rest(&mut out);
    out
}

fn error_of(bytes: &[u8]) -> events_core::avro::DecodeError {
    MemberJoined::from_avro(bytes).expect_err("malformed input must be refused")
}

#[test]
fn the_valid_message_decodes() {
    let event = member();
    assert_eq!(MemberJoined::from_avro(&event.to_avro()).unwrap(), event);
}

#[test]
fn truncated_input_names_the_field_it_stopped_in() {
    let bytes = member().to_avro();
    let error = error_of(&bytes[..4]);
    assert_eq!(error.path(), "member.profile.username");
    assert_eq!(
        error.kind(),
        &DecodeErrorKind::LengthExceedsInput {
            length: 3,
            remaining: 1
        }
    );
    assert_eq!(
        error.to_string(),
        "com.example.learning.member.joined.v1: member.profile.username: length 3 exceeds the 1 bytes left at byte 2"
    );
    assert_eq!(
        error_of(&bytes[..1]).kind(),
        &DecodeErrorKind::UnexpectedEnd {
            needed: 1,
            remaining: 0
        }
    );
    for cut in 0..bytes.len() {
        assert!(
            MemberJoined::from_avro(&bytes[..cut]).is_err(),
            "a message cut at {cut} bytes is refused"
        );
    }
}

#[test]
fn invalid_utf8_is_located() {
    let bytes = with_profile_bytes(|out| {
        write_str(out, "ada");
        write_long(out, 3);
        out.extend_from_slice(&[b'a', 0xC3, 0x28]);
    });
    let error = error_of(&bytes);
    assert_eq!(
        (error.path().as_str(), error.kind(), error.offset()),
        ("member.profile.email", &DecodeErrorKind::InvalidUtf8, 8)
    );
}

#[test]
fn negative_and_oversized_lengths_are_refused_before_allocating() {
    let negative = with_profile_bytes(|out| write_long(out, -1));
    assert_eq!(
        error_of(&negative).kind(),
        &DecodeErrorKind::NegativeLength { length: -1 }
    );
    let oversized = with_profile_bytes(|out| write_long(out, 1 << 60));
    assert_eq!(
        error_of(&oversized).kind(),
        &DecodeErrorKind::LengthExceedsInput {
            length: 1 << 60,
            remaining: 0
        }
    );
}

#[test]
fn overlong_and_overflowing_varints_are_refused() {
    let mut overlong = vec![0xff; 10];
    overlong.push(0x01);
    assert_eq!(error_of(&overlong).kind(), &DecodeErrorKind::VarintTooLong);
    assert_eq!(error_of(&overlong).path(), "member.number");
    let mut overflow = vec![0xff; 9];
    overflow.push(0x03);
    assert_eq!(error_of(&overflow).kind(), &DecodeErrorKind::VarintOverflow);
}

#[test]
fn padded_varints_are_refused_with_their_field() {
    // 12 written as `98 00` instead of `18`: Python reads it, but it is not the encoding of 12
    // that any writer produces, and accepting it would break decode-then-encode identity.
    let mut padded = member().to_avro();
    assert_eq!(padded[0], 0x18);
    padded.splice(0..1, [0x98, 0x00]);
    let error = error_of(&padded);
    assert_eq!(error.kind(), &DecodeErrorKind::VarintNotMinimal);
    assert_eq!(error.path(), "member.number");
}

#[test]
fn integers_too_large_for_their_field_are_refused() {
    let mut bytes = Vec::new();
    write_long(&mut bytes, i64::from(i32::MAX) + 1);
    assert_eq!(
        error_of(&bytes).kind(),
        &DecodeErrorKind::IntegerOutOfRange {
            value: 2_147_483_648,
            target: "i32"
        }
    );
}

#[test]
fn invalid_booleans_and_union_indexes_are_refused() {
    let mut bad_bool = Vec::new();
    write_long(&mut bad_bool, 1);
    bad_bool.push(7);
    assert_eq!(error_of(&bad_bool).kind(), &DecodeErrorKind::InvalidBoolean { byte: 7 });
    assert_eq!(error_of(&bad_bool).path(), "member.active");

    let event = member();
    let mut bytes = Vec::new();
    let data = event.member();
    write_long(&mut bytes, 12);
    write_bool(&mut bytes, true);
    write_str(&mut bytes, data.profile().username());
    write_str(&mut bytes, data.profile().email());
    write_str(&mut bytes, "2024-02-01T12:00:00+00:00");
    write_str(&mut bytes, "00000000-0000-0000-0000-000000000007");
    write_long(&mut bytes, 5);
    let error = error_of(&bytes);
    assert_eq!(
        (error.path().as_str(), error.kind()),
        ("member.sponsor", &DecodeErrorKind::InvalidUnionIndex { index: 5 })
    );
}

#[test]
fn malformed_datetimes_and_uuids_name_their_type() {
    let bad_time = with_profile_bytes(|out| {
        write_str(out, "ada");
        write_str(out, "ada@example.com");
        write_str(out, "2024-02-30T00:00:00");
    });
    let error = error_of(&bad_time);
    assert_eq!(error.path(), "member.joined");
    assert!(
        matches!(
            error.kind(),
            DecodeErrorKind::InvalidText {
                type_name: "datetime",
                ..
            }
        ),
        "{error}"
    );

    let bad_uuid = with_profile_bytes(|out| {
        write_str(out, "ada");
        write_str(out, "ada@example.com");
        write_str(out, "2024-02-01T12:00:00+00:00");
        write_str(out, "not-a-uuid");
    });
    let error = error_of(&bad_uuid);
    assert_eq!(error.path(), "member.uid");
    assert!(
        matches!(error.kind(), DecodeErrorKind::InvalidText { type_name: "UUID", .. }),
        "{error}"
    );
}

#[test]
fn collections_report_the_index_or_key_and_refuse_duplicates() {
    let prefix = |out: &mut Vec<u8>| {
        write_str(out, "ada");
        write_str(out, "ada@example.com");
        write_str(out, "2024-02-01T12:00:00+00:00");
        write_str(out, "00000000-0000-0000-0000-000000000007");
        write_optional(out, false);
    };
    let bad_item = with_profile_bytes(|out| {
        prefix(out);
        write_long(out, 2);
        write_str(out, "ok");
        write_long(out, 1);
        out.push(0xff);
    });
    assert_eq!(error_of(&bad_item).path(), "member.groups[1]");

    let duplicate = with_profile_bytes(|out| {
        prefix(out);
        out.push(0);
        write_long(out, 2);
        write_str(out, "x");
        write_long(out, 1);
        write_str(out, "x");
        write_long(out, 2);
        out.push(0);
    });
    let error = error_of(&duplicate);
    assert_eq!(
        (error.path().as_str(), error.kind()),
        ("member.scores", &DecodeErrorKind::DuplicateMapKey { key: "x".into() })
    );

    let huge_block = with_profile_bytes(|out| {
        prefix(out);
        write_long(out, i64::MAX);
    });
    assert!(matches!(
        error_of(&huge_block).kind(),
        DecodeErrorKind::BlockCountExceedsInput { .. }
    ));

    // A block with a negative count declares its byte size; items that take a different number
    // of bytes mean the size or the items are corrupt.
    let wrong_size = with_profile_bytes(|out| {
        prefix(out);
        write_long(out, -1);
        write_long(out, 5);
        write_str(out, "ok");
        write_long(out, 0);
        write_long(out, 0);
        out.extend([0; 4]);
    });
    let error = error_of(&wrong_size);
    assert_eq!(
        (error.path().as_str(), error.kind()),
        (
            "member.groups",
            &DecodeErrorKind::BlockSizeMismatch { declared: 5, actual: 3 }
        )
    );
}

#[test]
fn trailing_bytes_are_refused() {
    let mut bytes = member().to_avro();
    bytes.push(0);
    let error = error_of(&bytes);
    assert_eq!(error.kind(), &DecodeErrorKind::TrailingBytes { count: 1 });
    assert_eq!(error.event_type(), Some("com.example.learning.member.joined.v1"));
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        let _ = MemberJoined::from_avro(&bytes);
    }

    #[test]
    fn single_byte_corruptions_never_panic(position in 0usize..80, value in any::<u8>()) {
        let mut bytes = member().to_avro();
        let position = position % bytes.len();
        bytes[position] = value;
        let _ = MemberJoined::from_avro(&bytes);
    }
}
