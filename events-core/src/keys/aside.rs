//! The escaping of aside usage keys (`aside-usage-v1:` and `aside-usage-v2:`), which wrap a
//! usage key and an aside type joined by `::`.
//!
//! Both versions escape `$` as `$$`; v1 also escapes `::` as `$::` and splits at the first
//! `::`, v2 escapes every `:` as `$:` and splits at the last `::`. Decoding follows the
//! checks `edx-opaque-keys` makes, including their quirks: v1 accepts a text only if
//! re-encoding the decoded value gives it back, and v2 refuses a `:` not preceded by `$` and any
//! run of an odd number of `$` left after unescaping the colons.

use super::error::InvalidKeyReason;

const MALFORMED_V1: InvalidKeyReason = InvalidKeyReason::Malformed {
    expected: "an aside key `usage_key::aside_type` with `$` escaped as `$$` and `::` as `$::`",
};
const MALFORMED_V2: InvalidKeyReason = InvalidKeyReason::Malformed {
    expected: "an aside key `usage_key::aside_type` with `$` escaped as `$$` and `:` as `$:`",
};

/// The decoded halves of an aside key body: the usage key text and the aside type.
pub(crate) type AsideHalves = (String, String);

/// Splits and decodes a v1 body at its first `::` (no `::` means an empty aside type).
pub(crate) fn split_v1(body: &str) -> Result<AsideHalves, InvalidKeyReason> {
    let (left, right) = body.split_once("::").unwrap_or((body, ""));
    Ok((decode_v1(left)?, decode_v1(right)?))
}

/// Splits and decodes a v2 body at its last `::` (no `::` means an empty usage key, which is
/// then refused as a usage key).
pub(crate) fn split_v2(body: &str) -> Result<AsideHalves, InvalidKeyReason> {
    let (left, right) = body.rsplit_once("::").unwrap_or(("", body));
    Ok((decode_v2(left)?, decode_v2(right)?))
}

/// Escapes `value` for v1: `$` as `$$`, then `::` as `$::`.
pub(crate) fn encode_v1(value: &str) -> String {
    value.replace('$', "$$").replace("::", "$::")
}

/// Escapes `value` for v2: `$` as `$$`, then `:` as `$:`.
pub(crate) fn encode_v2(value: &str) -> String {
    value.replace('$', "$$").replace(':', "$:")
}

fn decode_v1(encoded: &str) -> Result<String, InvalidKeyReason> {
    let decoded = encoded.replace("$::", "::").replace("$$", "$");
    if encode_v1(&decoded) != encoded {
        return Err(MALFORMED_V1);
    }
    Ok(decoded)
}

fn decode_v2(encoded: &str) -> Result<String, InvalidKeyReason> {
    let bytes = encoded.as_bytes();
    let bare_colon = bytes
        .iter()
        .enumerate()
        .any(|(index, &byte)| byte == b':' && (index == 0 || bytes[index - 1] != b'$'));
    if bare_colon {
        return Err(MALFORMED_V2);
    }
    let colons_decoded = encoded.replace("$:", ":");
    if has_odd_dollar_run(&colons_decoded) {
        return Err(MALFORMED_V2);
    }
    Ok(colons_decoded.replace("$$", "$"))
}

/// Whether some maximal run of `$` has an odd length: a `$` that escapes nothing.
fn has_odd_dollar_run(text: &str) -> bool {
    let mut run = 0usize;
    for &byte in text.as_bytes() {
        if byte == b'$' {
            run += 1;
        } else if run % 2 == 1 {
            return true;
        } else {
            run = 0;
        }
    }
    run % 2 == 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v1_splits_at_the_first_double_colon() {
        assert_eq!(
            split_v1("block-v1:a+b+c+type@t+block@x:::t"),
            Ok(("block-v1:a+b+c+type@t+block@x".to_owned(), ":t".to_owned()))
        );
    }

    #[test]
    fn v1_without_a_double_colon_has_an_empty_aside_type() {
        assert_eq!(split_v1("lb:a:b:c:d"), Ok(("lb:a:b:c:d".to_owned(), String::new())));
    }

    #[test]
    fn v1_refuses_text_that_does_not_re_encode_to_itself() {
        assert!(split_v1("x::a::b").is_err());
        assert!(split_v1("x::a$b").is_err());
        assert_eq!(split_v1("x::a$$b$::c"), Ok(("x".to_owned(), "a$b::c".to_owned())));
    }

    #[test]
    fn v2_splits_at_the_last_double_colon_and_unescapes() {
        assert_eq!(
            split_v2("block-v1$:a+b::as$:i$$de"),
            Ok(("block-v1:a+b".to_owned(), "as:i$de".to_owned()))
        );
    }

    #[test]
    fn v2_refuses_bare_colons_and_lone_dollars() {
        assert!(split_v2("block-v1:a::t").is_err());
        assert!(split_v2("x$y::t").is_err());
        assert!(split_v2("x::t$").is_err());
        // `$$:` passes the colon check but leaves a lone `$` once the colon is unescaped.
        assert!(split_v2("x$$:y::t").is_err());
    }

    #[test]
    fn encoding_escapes_dollars_before_colons() {
        assert_eq!(encode_v1("a$::b"), "a$$$::b");
        assert_eq!(encode_v2("a$:b"), "a$$$:b");
    }
}
