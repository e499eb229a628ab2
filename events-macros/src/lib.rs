//! The attribute macros of `events-core`: `#[event_data]` and `#[open_edx_event]`.
//!
//! Use them through `events_core` (`use events_core::prelude::*;`), which documents them and
//! provides the runtime their expansions call. This crate is organised as the pipeline each
//! invocation goes through: `ast` and `attr` parse the input, `valid` (with
//! `event_type` and `ty`) checks every rule and collects all problems, and `expand`
//! generates code from validated input only.

// Input paths never unwrap: bad input is a typed error.
#![warn(clippy::unwrap_used)]

mod ast;
mod attr;
mod errors;
mod event_type;
mod expand;
mod ty;
mod valid;

use proc_macro::TokenStream;

use crate::ast::MacroKind;
use crate::errors::{Errors, with_fallback};

/// Turns a struct into a frozen Open edX payload class.
///
/// Documented where it is meant to be used from: `events_core::event_data`.
#[proc_macro_attribute]
pub fn event_data(args: TokenStream, item: TokenStream) -> TokenStream {
    run(
        MacroKind::EventData,
        args,
        item,
        attr::parse_data_args,
        |input, args, errors| Some(expand::data::expand(&valid::data(input, args, errors))),
    )
}

/// Turns a struct into an Open edX event definition with its signal static.
///
/// Documented where it is meant to be used from: `events_core::open_edx_event`.
#[proc_macro_attribute]
pub fn open_edx_event(args: TokenStream, item: TokenStream) -> TokenStream {
    run(
        MacroKind::OpenEdxEvent,
        args,
        item,
        attr::parse_event_args,
        |input, args, errors| valid::event(input, args, errors).map(|event| expand::event::expand(&event)),
    )
}

/// The pipeline both macros share: parse the arguments and the struct, then
/// `validate_and_expand` them. Expansion is kept only when no error was recorded; otherwise
/// every error is reported together, next to the struct as written so that its uses elsewhere
/// still resolve.
fn run<A>(
    kind: MacroKind,
    args: TokenStream,
    item: TokenStream,
    parse_args: fn(proc_macro2::TokenStream, &mut Errors) -> A,
    validate_and_expand: impl FnOnce(ast::Struct, A, &mut Errors) -> Option<proc_macro2::TokenStream>,
) -> TokenStream {
    let mut errors = Errors::default();
    let args = parse_args(args.into(), &mut errors);
    let item = match syn::parse::<syn::Item>(item) {
        Ok(item) => item,
        Err(error) => return error.to_compile_error().into(),
    };
    let input = match ast::parse_struct(item, kind, &mut errors) {
        Ok(input) => input,
        Err(error) => {
            errors.push(error);
            return errors
                .finish()
                .err()
                .map(|e| e.to_compile_error())
                .unwrap_or_default()
                .into();
        }
    };
    let fallback = expand::fallback(&input);
    let expanded = validate_and_expand(input, args, &mut errors);
    match (expanded, errors.finish()) {
        (Some(expanded), Ok(())) => expanded.into(),
        (_, Err(error)) => with_fallback(error, fallback).into(),
        (None, Ok(())) => fallback.into(),
    }
}
