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

use proc_macro2::TokenStream;
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
        ..
    } = input;
    let fields = fields.iter().map(|field| {
        let (ident, ty, attrs) = (&field.ident, &field.ty, &field.attrs);
        quote!(#(#attrs)* #ident: #ty)
    });
    quote! {
        #(#attrs)*
        #[allow(dead_code)]
        #vis struct #ident { #(#fields,)* }
    }
}
