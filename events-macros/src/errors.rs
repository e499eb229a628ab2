//! Collects every problem found in one macro input, so they are reported together.

use proc_macro2::TokenStream;
use quote::ToTokens;
use std::fmt::Display;

/// The errors found so far; [`Errors::finish`] combines them into one `syn::Error`.
#[derive(Default)]
pub(crate) struct Errors {
    errors: Vec<syn::Error>,
}

impl Errors {
    /// Records `message` at the span of `tokens`.
    pub(crate) fn at<T: ToTokens, M: Display>(&mut self, tokens: T, message: M) {
        self.errors.push(syn::Error::new_spanned(tokens, message));
    }

    /// Records `message` at `span`.
    pub(crate) fn at_span<M: Display>(&mut self, span: proc_macro2::Span, message: M) {
        self.errors.push(syn::Error::new(span, message));
    }

    /// Records an error already built.
    pub(crate) fn push(&mut self, error: syn::Error) {
        self.errors.push(error);
    }

    /// `Ok(())` if nothing was recorded, else every error combined.
    pub(crate) fn finish(self) -> syn::Result<()> {
        let mut errors = self.errors.into_iter();
        let Some(mut combined) = errors.next() else {
            return Ok(());
        };
        for error in errors {
            combined.combine(error);
        }
        Err(combined)
    }
}

/// The compile errors of `error`, followed by `fallback` so that an erroneous input does not
/// cascade into "cannot find type" errors elsewhere.
pub(crate) fn with_fallback(error: syn::Error, fallback: TokenStream) -> TokenStream {
    let mut tokens = error.to_compile_error();
    tokens.extend(fallback);
    tokens
}

/// Up to three of `candidates` closest to `found`, for "did you mean" hints.
pub(crate) fn closest<'a>(found: &str, candidates: impl IntoIterator<Item = &'a str>) -> Vec<&'a str> {
    let mut scored: Vec<(f64, &str)> = candidates
        .into_iter()
        .map(|candidate| (strsim::normalized_damerau_levenshtein(found, candidate), candidate))
        .filter(|&(score, _)| score >= 0.6)
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0));
    scored.into_iter().take(3).map(|(_, candidate)| candidate).collect()
}

/// `; did you mean `x`?` or nothing; goes at the end of a message.
pub(crate) fn did_you_mean(found: &str, candidates: &[&str]) -> String {
    match closest(found, candidates.iter().copied()).as_slice() {
        [] => String::new(),
        [one] => format!("; did you mean `{one}`?"),
        many => format!("; did you mean one of {}?", code_list(many)),
    }
}

/// What follows "unknown … `found`" in a message: a suggestion if one is close, then the
/// expected names.
pub(crate) fn suggest_then_list(found: &str, candidates: &[&str]) -> String {
    suggest_then(found, candidates, &format!("expected one of {}", code_list(candidates)))
}

/// What follows "unknown … `found`" in a message: a suggestion if one is close, then `rest`
/// (a lowercase clause, capitalised when it starts a new sentence after the suggestion).
pub(crate) fn suggest_then(found: &str, candidates: &[&str], rest: &str) -> String {
    let suggestion = did_you_mean(found, candidates);
    if suggestion.is_empty() {
        format!("; {rest}")
    } else {
        let mut chars = rest.chars();
        let capitalised: String = chars
            .next()
            .map(|first| first.to_uppercase().chain(chars).collect())
            .unwrap_or_default();
        format!("{suggestion} {capitalised}")
    }
}

/// `` `a`, `b`, `c` ``: names for a message.
pub(crate) fn code_list<S: AsRef<str>>(names: &[S]) -> String {
    names
        .iter()
        .map(|name| format!("`{}`", name.as_ref()))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn near_misses_are_suggested_and_far_ones_are_not() {
        assert_eq!(
            did_you_mean("key_feild", &["key_field", "name"]),
            "; did you mean `key_field`?"
        );
        assert_eq!(did_you_mean("colour", &["key_field", "name"]), "");
        assert_eq!(code_list(&["a", "b"]), "`a`, `b`");
        assert_eq!(
            suggest_then("pi", &["pii"], "fields take `pii`"),
            "; did you mean `pii`? Fields take `pii`"
        );
        assert_eq!(
            suggest_then("colour", &["pii"], "fields take `pii`"),
            "; fields take `pii`"
        );
    }

    #[test]
    fn errors_are_combined_in_the_order_they_were_found() {
        let mut errors = Errors::default();
        assert!(Errors::default().finish().is_ok());
        errors.at_span(proc_macro2::Span::call_site(), "first");
        errors.at_span(proc_macro2::Span::call_site(), "second");
        let messages: Vec<String> = errors
            .finish()
            .unwrap_err()
            .into_iter()
            .map(|e| e.to_string())
            .collect();
        assert_eq!(messages, ["first", "second"]);
    }
}
