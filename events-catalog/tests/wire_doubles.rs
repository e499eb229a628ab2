//! Every double a payload can carry on the wire survives decode → JSON → encode, byte for byte:
//! JSON has no NaN or infinities, so the JSON shape writes them as the strings `"NaN"`,
//! `"Infinity"` and `"-Infinity"` and reads them back, never as `null`. All NaNs come back as
//! the one NaN Python writes (`float('nan')`, bits `0x7ff8000000000000`), since the JSON text
//! has no room for a NaN's sign or payload bits, as Python's `json` module has none either.

use events_catalog::learning::PersistentGradeSummaryChanged;
use events_core::AvroEvent;
use events_core::python_json::to_python_json;
use events_core::registry::get_signal_by_type;
use serde_json::Value;

const GRADE: &str = "org.openedx.learning.course.persistent_grade_summary.changed.v1";

/// The golden `minimal` case of the event, which holds `percent_grade` 0.0, with its eight
/// bytes replaced by `value`'s.
fn payload_with(value: f64) -> Vec<u8> {
    let path = format!(
        "{}/../tests/fixtures/golden/{}.json",
        env!("CARGO_MANIFEST_DIR"),
        GRADE.replace('.', "+")
    );
    let golden: Value = serde_json::from_str(&std::fs::read_to_string(path).expect("fixture")).expect("JSON");
    let mut bytes = hex::decode(golden["cases"][0]["avro_hex"].as_str().expect("hex")).expect("hex");
    // After the user id (1 byte), the course (20), the edit time (26) and two empty strings.
    let at = 48;
    assert_eq!(bytes[at..at + 8], [0; 8], "the minimal case holds 0.0 at byte {at}");
    bytes[at..at + 8].copy_from_slice(&value.to_le_bytes());
    bytes
}

/// The doubles whose JSON form is worth checking: every class of IEEE 754 value, and NaNs with
/// other signs and payloads, including the one `01000000f4ffffff` decodes to.
fn doubles() -> Vec<f64> {
    vec![
        f64::NAN,
        -f64::NAN,
        f64::from_bits(0xffff_fff4_0000_0001),
        f64::from_bits(0x7ff0_0000_0000_0001),
        f64::INFINITY,
        f64::NEG_INFINITY,
        0.0,
        -0.0,
        f64::from_bits(1),
        f64::from_bits(0x000f_ffff_ffff_ffff),
        -f64::from_bits(1),
        f64::MIN_POSITIVE,
        f64::MAX,
        f64::MIN,
        f64::EPSILON,
        0.1,
        1e16,
    ]
}

/// What encoding the value's JSON gives: the value itself, or Python's NaN for every NaN.
fn written(value: f64) -> f64 {
    if value.is_nan() {
        f64::from_bits(0x7ff8_0000_0000_0000)
    } else {
        value
    }
}

#[test]
fn every_double_survives_decode_json_text_and_encode_byte_for_byte_with_nans_made_canonical() {
    for value in doubles() {
        let bytes = payload_with(value);
        let event = PersistentGradeSummaryChanged::from_avro(&bytes).expect("decodes");
        assert_eq!(
            event.grade().percent_grade().to_bits(),
            value.to_bits(),
            "decoding keeps the exact bits of {value:e}"
        );

        let text = serde_json::to_string(&event.to_json_value()).expect("JSON text");
        let again = PersistentGradeSummaryChanged::from_json_str(&text).expect("the JSON text reads back");
        assert_eq!(
            again.to_avro(),
            payload_with(written(value)),
            "{value:e} ({:#018x}) through {text}",
            value.to_bits()
        );
    }
}

#[test]
fn non_finite_doubles_are_the_strings_nan_infinity_and_minus_infinity_in_json() {
    for (value, text) in [
        (f64::NAN, "NaN"),
        (f64::from_bits(0xffff_fff4_0000_0001), "NaN"),
        (f64::INFINITY, "Infinity"),
        (f64::NEG_INFINITY, "-Infinity"),
    ] {
        let event = PersistentGradeSummaryChanged::from_avro(&payload_with(value)).expect("decodes");
        let json = event.to_json_value();
        assert_eq!(json["grade"]["percent_grade"], text);
        assert!(
            to_python_json(&event)
                .expect("Python-shaped text")
                .contains(&format!(r#""percent_grade": "{text}""#)),
            "the Python-shaped text carries the same string"
        );
    }
    let finite = PersistentGradeSummaryChanged::from_avro(&payload_with(-0.0)).expect("decodes");
    assert_eq!(
        serde_json::to_string(&finite.to_json_value()["grade"]["percent_grade"]).unwrap(),
        "-0.0"
    );
}

#[test]
fn the_registry_codec_used_by_the_command_and_the_bus_round_trips_non_finite_doubles() {
    let codec = get_signal_by_type(GRADE)
        .expect("registered")
        .info()
        .codec
        .expect("serializable");
    for value in doubles() {
        let json = (codec.avro_to_json)(&payload_with(value)).expect("decodes");
        assert!(!json["grade"]["percent_grade"].is_null(), "{value:e} is never null");
        assert_eq!(
            (codec.json_to_avro)(json).expect("encodes"),
            payload_with(written(value)),
            "{value:e}"
        );
    }
}

#[test]
fn strings_other_than_the_three_names_and_null_are_refused_naming_the_field() {
    let event = PersistentGradeSummaryChanged::from_avro(&payload_with(0.5)).expect("decodes");
    for bad in [
        Value::Null,
        Value::from("nan"),
        Value::from("inf"),
        Value::from("0.5"),
        Value::from(""),
    ] {
        let mut json = event.to_json_value();
        json["grade"]["percent_grade"] = bad.clone();
        let error = PersistentGradeSummaryChanged::from_json_value(json).expect_err("refused");
        assert_eq!(error.path(), "grade.percent_grade", "{bad}");
        assert!(error.to_string().starts_with(GRADE), "{error}");
    }
    let mut json = event.to_json_value();
    json["grade"]["percent_grade"] = Value::from(1);
    let one = PersistentGradeSummaryChanged::from_json_value(json).expect("an integer is a double");
    assert_eq!(one.grade().percent_grade(), 1.0);
}
