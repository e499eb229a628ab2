//! What both macros generate for a frozen payload struct: the struct itself with its trait
//! implementations, and its getters.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::Path;
use syn::spanned::Spanned;

use crate::ast::{Field, Struct};
use crate::ty::{self, Getter};

/// Text of a path, for serde's string-valued attributes.
pub(super) fn path_text(path: &Path) -> String {
    quote!(#path).to_string().replace(' ', "")
}

/// The name of the hidden function giving a field's default value.
pub(super) fn default_fn(field: &Field) -> syn::Ident {
    format_ident!("__default_{}", field.name)
}

/// The struct with private fields, its derives (serde only when `serializable`), its doc
/// comment followed by `extra_docs`, and a manual `Debug` that redacts `pii` fields.
pub(super) fn definition(
    input: &Struct,
    krate: &Path,
    serializable: bool,
    extra_docs: &[String],
    extra_doc_attrs: &TokenStream,
) -> TokenStream {
    let Struct {
        ident,
        vis,
        attrs,
        docs,
        fields,
        ..
    } = input;
    let serde_crate = format!("{}::__private::serde", path_text(krate));
    let serde_with = format!("{}::__private::serde_field", path_text(krate));

    let field_defs = fields.iter().map(|field| {
        let (name, ty, attrs, docs) = (&field.ident, &field.ty, &field.attrs, &field.docs);
        let serde = serializable.then(|| {
            let default = if field.options.default.is_some() {
                let function = format!("{ident}::{}", default_fn(field));
                quote!(, default = #function)
            } else if ty::is_option(ty) {
                quote!(, default)
            } else {
                quote!()
            };
            // Spanned on the type: serde's calls through `EventField` then report an unsupported
            // type where it is written.
            let with = syn::LitStr::new(&serde_with, ty.span());
            quote_spanned!(ty.span()=> #[serde(with = #with #default)])
        });
        quote! {
            #(#[doc = #docs])*
            #(#attrs)*
            #serde
            #name: #ty
        }
    });
    let serde_derive = serializable.then(|| {
        quote! {
            #[derive(#krate::__private::serde::Serialize, #krate::__private::serde::Deserialize)]
            #[serde(crate = #serde_crate, deny_unknown_fields)]
        }
    });
    let debug_fields = fields.iter().map(|field| {
        let (name, text) = (&field.ident, &field.name);
        if field.options.pii.is_some() {
            quote!(.field(#text, &#krate::__private::Redacted))
        } else {
            quote!(.field(#text, &self.#name))
        }
    });
    let eq_and_hash = eq_and_hash(input);

    quote! {
        #(#[doc = #docs])*
        #(#[doc = #extra_docs])*
        #extra_doc_attrs
        #(#attrs)*
        #[derive(::core::clone::Clone, ::core::cmp::PartialEq)]
        #serde_derive
        #vis struct #ident {
            #(#field_defs,)*
        }

        #[automatically_derived]
        impl ::core::fmt::Debug for #ident {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.debug_struct(::core::stringify!(#ident)) #(#debug_fields)* .finish()
            }
        }

        #eq_and_hash
    }
}

/// `Eq` and `Hash` when every field type has them.
///
/// The bounds are written with a `for<'__a>` binder, which makes the compiler accept them even
/// when they are false (`f64: Eq`), in which case the impl simply does not apply. Without the
/// binder a false bound on a concrete type is a hard error.
fn eq_and_hash(input: &Struct) -> TokenStream {
    let ident = &input.ident;
    let types: Vec<_> = input.fields.iter().map(|field| &field.ty).collect();
    let names = input.fields.iter().map(|field| &field.ident);
    quote! {
        #[automatically_derived]
        impl ::core::cmp::Eq for #ident where #(for<'__a> #types: ::core::cmp::Eq,)* {}

        #[automatically_derived]
        impl ::core::hash::Hash for #ident where #(for<'__a> #types: ::core::hash::Hash,)* {
            fn hash<__H: ::core::hash::Hasher>(&self, state: &mut __H) {
                #(::core::hash::Hash::hash(&self.#names, state);)*
            }
        }
    }
}

/// The arms of a `match` on a key path's next segment: one per field, passing the rest of the
/// path to the field's own `key_text_at`.
pub(super) fn key_text_arms(input: &Struct, krate: &syn::Path) -> TokenStream {
    let private = quote!(#krate::__private);
    let arms = input.fields.iter().map(|field| {
        let (name, ident, ty) = (&field.name, &field.ident, &field.ty);
        // Spanned on the type as the schema is: an unsupported type is then reported once.
        let call = quote_spanned!(ty.span()=> <#ty as #private::EventField>::key_text_at);
        quote!(#name => #call(&self.#ident, path),)
    });
    quote!(#(#arms)*)
}

/// A getter per field, documented with the field's doc comment.
pub(super) fn getters(input: &Struct) -> TokenStream {
    let vis = &input.vis;
    let getters = input.fields.iter().map(|field| {
        let (name, ty, docs) = (&field.ident, &field.ty, &field.docs);
        let (ret, body) = match ty::getter(ty) {
            Getter::Str => (quote!(&str), quote!(&self.#name)),
            Getter::Slice(inner) => (quote!(&[#inner]), quote!(&self.#name)),
            Getter::Copy => (quote!(#ty), quote!(self.#name)),
            Getter::OptionStr => (quote!(::core::option::Option<&str>), quote!(self.#name.as_deref())),
            Getter::OptionCopy => (quote!(#ty), quote!(self.#name)),
            Getter::OptionRef(inner) => (quote!(::core::option::Option<&#inner>), quote!(self.#name.as_ref())),
            Getter::Ref => (quote!(&#ty), quote!(&self.#name)),
        };
        quote_spanned! {name.span()=>
            #(#[doc = #docs])*
            #[inline]
            #vis fn #name(&self) -> #ret {
                #body
            }
        }
    });
    quote!(#(#getters)*)
}

/// A `with_<field>` method per field, returning a changed copy.
pub(super) fn with_methods(input: &Struct, krate: &Path) -> TokenStream {
    let vis = &input.vis;
    let methods = input.fields.iter().map(|field| {
        let (name, ty) = (&field.ident, &field.ty);
        let path = format!("{}.{}", input.ident, field.name);
        let method = format_ident!("with_{}", field.name, span = name.span());
        let doc = format!(
            "A copy with `{}` replaced, the way `attrs.evolve` changes a frozen instance.",
            field.name
        );
        let other_fields = input
            .fields
            .iter()
            .filter(|other| other.name != field.name)
            .map(|other| &other.ident);
        quote_spanned! {ty.span()=>
            #[doc = #doc]
            #[must_use = "this returns a changed copy and leaves `self` as it was"]
            #[track_caller]
            #vis fn #method(self, #name: impl ::core::convert::Into<#ty>) -> Self {
                Self {
                    #name: #krate::__private::expect_normalized(<#ty as #krate::__private::EventField>::normalize(::core::convert::Into::into(#name)), #path),
                    #(#other_fields: self.#other_fields,)*
                }
            }
        }
    });
    quote!(#(#methods)*)
}

/// The bodies of a struct's Avro codec: statements appending each field to `out`, in wire
/// order, and the struct literal reading each field from `reader`, errors naming the field.
pub(super) fn avro_codec(input: &Struct, krate: &Path) -> (TokenStream, TokenStream) {
    let private = quote!(#krate::__private);
    let encode = input.fields.iter().map(|field| {
        let (name, ty) = (&field.ident, &field.ty);
        quote_spanned!(ty.span()=> <#ty as #private::EventField>::encode_avro(&self.#name, out);)
    });
    let decode = input.fields.iter().map(|field| {
        let (name, text, ty) = (&field.ident, &field.name, &field.ty);
        quote!(#name: <#ty as #private::EventField>::decode_avro(reader).map_err(|error| error.in_field(#text))?)
    });
    (quote!(#(#encode)*), quote!(Self { #(#decode,)* }))
}
