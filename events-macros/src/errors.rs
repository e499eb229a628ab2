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

/// `; did you mean `x`?` or nothing.
pub(crate) fn did_you_mean(found: &str, candidates: &[&str]) -> String {
    match closest(found, candidates.iter().copied()).as_slice() {
        [] => String::new(),
        [one] => format!("; did you mean `{one}`?"),
        many => format!(
            "; did you mean one of {}?",
            many.iter().map(|c| format!("`{c}`")).collect::<Vec<_>>().join(", ")
        ),
    }
}
