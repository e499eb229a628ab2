//! The builder of an `#[event_data]` struct.
//!
//! Required fields are tracked in the builder's type: each is a generic parameter that starts as
//! `Unset` and becomes `Set<T>` when its setter is called, and `build()` requires every one to
//! be `Set` through a per-field marker trait. Leaving one out is therefore a compile error, and
//! `#[diagnostic::on_unimplemented]` on the marker trait names the missing field. Optional and
//! defaulted fields are plain values, so adding one later does not break existing builders.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};

use super::payload::default_fn;
use crate::ast::{Field, Struct};
use crate::ty;
use crate::valid::Data;

enum Slot<'a> {
    /// A required field: a type parameter of the builder.
    Required { field: &'a Field, param: syn::Ident },
    /// An `Option` field: held as the field type, `None` until set.
    Optional(&'a Field),
    /// A defaulted field: `None` until set, then the default at `build()`.
    Defaulted(&'a Field),
}

impl Slot<'_> {
    fn field(&self) -> &Field {
        match self {
            Slot::Required { field, .. } | Slot::Optional(field) | Slot::Defaulted(field) => field,
        }
    }
}

pub(super) fn expand(data: &Data) -> TokenStream {
    let Data { input, krate } = data;
    let Struct { ident, vis, .. } = input;
    let builder = format_ident!("{}Builder", ident);
    let markers = format_ident!("__{}_required_fields", ident);
    let private = quote!(#krate::__private);

    let slots: Vec<Slot<'_>> = input
        .fields
        .iter()
        .map(|field| {
            if ty::is_option(&field.ty) {
                Slot::Optional(field)
            } else if field.options.default.is_some() {
                Slot::Defaulted(field)
            } else {
                let camel: String = field
                    .name
                    .split('_')
                    .map(|word| {
                        let mut chars = word.chars();
                        chars
                            .next()
                            .map(|first| first.to_ascii_uppercase().to_string() + chars.as_str())
                            .unwrap_or_default()
                    })
                    .collect();
                Slot::Required {
                    field,
                    param: format_ident!("__{}", camel),
                }
            }
        })
        .collect();
    let params: Vec<&syn::Ident> = slots
        .iter()
        .filter_map(|slot| match slot {
            Slot::Required { param, .. } => Some(param),
            _ => None,
        })
        .collect();

    let storage = slots.iter().map(|slot| {
        let field = slot.field();
        let (name, ty) = (&field.ident, &field.ty);
        match slot {
            Slot::Required { param, .. } => quote!(#name: #param),
            Slot::Optional(_) => quote!(#name: #ty),
            Slot::Defaulted(_) => quote!(#name: #private::Option<#ty>),
        }
    });
    let start = slots.iter().map(|slot| {
        let name = &slot.field().ident;
        match slot {
            Slot::Required { .. } => quote!(#name: #private::Unset),
            Slot::Optional(_) | Slot::Defaulted(_) => quote!(#name: #private::Option::None),
        }
    });
    let unset_params = params.iter().map(|_| quote!(#private::Unset));

    let setters = slots.iter().map(|slot| {
        let field = slot.field();
        let (name, ty, docs) = (&field.ident, &field.ty, &field.docs);
        let path = format!("{ident}.{}", field.name);
        match slot {
            Slot::Required { param, .. } => {
                let output_params = params.iter().map(|other| {
                    if *other == param {
                        quote!(#private::Set<#ty>)
                    } else {
                        quote!(#other)
                    }
                });
                let moved = slots.iter().map(|other| {
                    let other_name = &other.field().ident;
                    if other_name == name {
                        quote!(#name: #private::Set(#private::expect_normalized(<#ty as #private::EventField>::normalize(::core::convert::Into::into(#name)), #path)))
                    } else {
                        quote!(#other_name: self.#other_name)
                    }
                });
                quote_spanned! {name.span()=>
                    #(#[doc = #docs])*
                    #[track_caller]
                    #vis fn #name(self, #name: impl ::core::convert::Into<#ty>) -> #builder<#(#output_params),*> {
                        #builder { #(#moved,)* }
                    }
                }
            }
            Slot::Optional(_) => quote_spanned! {name.span()=>
                #(#[doc = #docs])*
                ///
                /// Optional: `None` unless set. Takes a value or an `Option`.
                #[track_caller]
                #vis fn #name(mut self, #name: impl ::core::convert::Into<#ty>) -> Self {
                    self.#name = #private::expect_normalized(<#ty as #private::EventField>::normalize(::core::convert::Into::into(#name)), #path);
                    self
                }
            },
            Slot::Defaulted(_) => quote_spanned! {name.span()=>
                #(#[doc = #docs])*
                ///
                /// Optional: takes its default value unless set.
                #[track_caller]
                #vis fn #name(mut self, #name: impl ::core::convert::Into<#ty>) -> Self {
                    self.#name = #private::Option::Some(#private::expect_normalized(<#ty as #private::EventField>::normalize(::core::convert::Into::into(#name)), #path));
                    self
                }
            },
        }
    });

    let marker_traits = slots.iter().filter_map(|slot| {
        let Slot::Required { field, .. } = slot else {
            return None;
        };
        let trait_name = &field.ident;
        let message = format!("`{ident}::builder()` is missing the required field `{}`", field.name);
        let label = format!("`{}` is not set before this call", field.name);
        let note = format!("call `.{}(..)` on the builder before `.build()`", field.name);
        Some(quote! {
            #[diagnostic::on_unimplemented(message = #message, label = #label, note = #note)]
            pub trait #trait_name<__T> {
                fn __take(self) -> __T;
            }
            impl<__T> #trait_name<__T> for #private::Set<__T> {
                #[inline]
                fn __take(self) -> __T {
                    self.0
                }
            }
        })
    });

    let bounds = slots.iter().filter_map(|slot| {
        let Slot::Required { field, param } = slot else {
            return None;
        };
        let (trait_name, ty) = (&field.ident, &field.ty);
        Some(quote!(#param: #markers::#trait_name<#ty>))
    });
    let assembled = slots.iter().map(|slot| {
        let field = slot.field();
        let name = &field.ident;
        match slot {
            Slot::Required { .. } => quote!(#name: #markers::#name::__take(self.#name)),
            Slot::Optional(_) => quote!(#name: self.#name),
            Slot::Defaulted(_) => {
                let default = default_fn(field);
                quote!(#name: self.#name.unwrap_or_else(#ident::#default))
            }
        }
    });

    let defaults = slots.iter().filter_map(|slot| {
        let Slot::Defaulted(field) = slot else { return None };
        let (function, ty) = (default_fn(field), &field.ty);
        let path = format!("{ident}.{}", field.name);
        let value = match field.default_expr() {
            Some(expr) => quote_spanned!(syn::spanned::Spanned::span(expr)=> ::core::convert::Into::into(#expr)),
            None => quote!(<#ty as ::core::default::Default>::default()),
        };
        // A default is normalized like a set value (datetimes truncated to microseconds), so
        // that a payload equals itself after a trip through the wire whichever way it was built.
        Some(quote! {
            #[doc(hidden)]
            fn #function() -> #ty {
                #private::expect_normalized(<#ty as #private::EventField>::normalize(#value), #path)
            }
        })
    });

    let builder_doc = format!(
        "Builds a [`{ident}`]: start with [`{ident}::builder()`], set each field, then call `build()`.\n\n\
         Required fields are tracked in the type parameters: `build()` compiles only once all are set."
    );
    let builder_fn_doc = format!(
        "Starts a [`{builder}`]. Every field without a default must be set before `build()`; \
         leaving one out is a compile error naming it."
    );

    quote! {
        #[allow(dead_code, unreachable_pub, clippy::type_complexity)]
        impl #ident {
            #[doc = #builder_fn_doc]
            #vis fn builder() -> #builder<#(#unset_params),*> {
                #builder { #(#start,)* }
            }

            #(#defaults)*
        }

        #[doc = #builder_doc]
        #[allow(dead_code, unreachable_pub, clippy::type_complexity)]
        #[must_use = "a builder does nothing until `build()` is called"]
        #vis struct #builder<#(#params = #private::Unset),*> {
            #(#storage,)*
        }

        // A setter is named after its field, so an `is_active` field gives `is_active(self, ..)`.
        #[allow(dead_code, unreachable_pub, clippy::wrong_self_convention, clippy::type_complexity)]
        impl<#(#params),*> #builder<#(#params),*> {
            #(#setters)*

            #[doc = ::core::concat!("Builds the [`", ::core::stringify!(#ident), "`].")]
            #vis fn build(self) -> #ident where #(#bounds,)* {
                #ident { #(#assembled,)* }
            }
        }

        #[doc(hidden)]
        #[allow(non_snake_case, non_camel_case_types, unreachable_pub)]
        #vis mod #markers {
            #[allow(unused_imports)]
            use super::*;
            #(#marker_traits)*
        }
    }
}
