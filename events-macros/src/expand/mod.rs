//! Code generation, from validated input.
//!
//! Generated code names the runtime only through `{crate}::__private`, where `{crate}` is
//! `::events_core` unless `crate = path` says otherwise, so a downstream crate needs no other
//! dependency.

mod builder;
pub(crate) mod data;
mod docs;
pub(crate) mod event;
mod payload;

use proc_macro2::{Span, TokenStream, TokenTree};
use quote::quote;

use crate::ast::Struct;

/// The struct as written, minus the macros' own attributes: emitted next to compile errors so
/// that one mistake does not cascade into "cannot find type" errors wherever it is used.
pub(crate) fn fallback(input: &Struct) -> TokenStream {
    let Struct {
        ident,
        vis,
        attrs,
        fields,
        generics,
        ..
    } = input;
    let fields = fields.iter().map(|field| {
        let (ident, ty, attrs) = (&field.ident, &field.ty, &field.attrs);
        quote!(#(#attrs)* #ident: #ty)
    });
    quote! {
        #(#attrs)*
        #[allow(dead_code)]
        #vis struct #ident #generics { #(#fields,)* }
    }
}

/// `tokens` with every span set to `span`, so that an error the compiler finds in generated
/// code is reported at the user's token that caused it.
pub(crate) fn respan(tokens: TokenStream, span: Span) -> TokenStream {
    tokens
        .into_iter()
        .map(|mut token| {
            if let TokenTree::Group(group) = &token {
                let mut respanned = proc_macro2::Group::new(group.delimiter(), respan(group.stream(), span));
                respanned.set_span(span);
                return TokenTree::Group(respanned);
            }
            token.set_span(span);
            token
        })
        .collect()
}
