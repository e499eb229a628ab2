//! `#[open_edx_event]`: an event definition and its signal.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;

use super::{docs, payload};
use crate::valid::Event;

pub(crate) fn expand(event: &Event) -> TokenStream {
    let Event {
        input,
        krate,
        static_name,
        ..
    } = event;
    let (ident, vis) = (&input.ident, &input.vis);
    let private = quote!(#krate::__private);
    let serializable = event.is_serializable();

    let annotations = docs::event_annotations(event);
    let schema_docs = docs::committed_schema(event);
    let definition = payload::definition(input, krate, serializable, &annotations, &schema_docs);
    let getters = payload::getters(input);

    let params = input.fields.iter().map(|field| {
        let (name, ty) = (&field.ident, &field.ty);
        quote!(#name: #ty)
    });
    let names: Vec<_> = input.fields.iter().map(|field| &field.ident).collect();
    // Payload datetimes keep the wire's microsecond precision; see `EventField::normalize`.
    let normalized: Vec<_> = input
        .fields
        .iter()
        .map(|field| {
            let (name, ty) = (&field.ident, &field.ty);
            if serializable {
                let path = format!("{ident}.{}", field.name);
                quote!(#private::expect_normalized(<#ty as #private::EventField>::normalize(#name), #path))
            } else {
                quote!(#name)
            }
        })
        .collect();
    let new_doc = format!(
        "Creates the payload of a `{}` event from its data keys.",
        event.event_type.value()
    );

    let data_keys = input.fields.iter().map(|field| {
        let (name, doc, ty) = (&field.name, field.doc_text(), &field.ty);
        let rust_type = crate::ty::type_text(ty);
        let schema = if serializable {
            let schema = quote_spanned!(ty.span()=> <#ty as #private::EventField>::SCHEMA);
            quote!(#private::Option::Some(#schema))
        } else {
            quote!(#private::Option::None)
        };
        quote! {
            #private::DataKeyInfo { name: #name, doc: #doc, rust_type: #rust_type, schema: #schema }
        }
    });

    let event_type = &event.event_type;
    let name_text = static_name.to_string();
    let description = input.doc_text();
    let subdomain = &event.parsed.subdomain;
    let major = match event.parsed.major {
        Some(major) => quote!(#private::Option::Some(#major)),
        None => quote!(#private::Option::None),
    };
    let minor = event.minor_version;
    let key_field = optional_str(&private, event.key_field.as_ref().map(syn::LitStr::value));
    let trigger_repository = optional_str(&private, event.trigger_repository.clone());
    let unserializable = optional_str(&private, event.unserializable.clone());
    let warnings = &event.warnings;
    let payload_type = ident.to_string();

    let key_field_check = match (&event.key_field, serializable) {
        (Some(key_field), true) => {
            let entries = input.fields.iter().map(|field| {
                let (name, ty) = (&field.name, &field.ty);
                quote!((#name, <#ty as #private::EventField>::SCHEMA))
            });
            // Spanned on the literal: an unresolvable path is reported at `key_field = "…"`.
            let span = key_field.span();
            let check = super::respan(quote!(#private::check_key_field), span);
            quote_spanned! {span=>
                const _: () = #check(#event_type, &[#(#entries),*], #key_field);
            }
        }
        _ => quote!(),
    };

    let static_docs = std::iter::once(format!(
        "The signal of `{}`: connect receivers to it and send [`{ident}`] events through it.",
        event_type.value()
    ))
    .chain(std::iter::once(String::new()))
    .chain(input.docs.iter().cloned())
    .chain(annotations.iter().cloned());
    let codec = if serializable {
        quote!(#private::Option::Some(&#private::EventCodec::of::<#ident>()))
    } else {
        quote!(#private::Option::None)
    };
    let avro_event = serializable.then(|| {
        let data_schema = input.fields.iter().map(|field| {
            let (name, ty) = (&field.name, &field.ty);
            quote!((#name, <#ty as #private::EventField>::SCHEMA))
        });
        let (encode, decode) = payload::avro_codec(input, krate);
        let key_arms = payload::key_text_arms(input, krate);
        quote! {
            #[automatically_derived]
            impl #private::AvroEvent for #ident {
                const DATA_SCHEMA: &'static [(&'static str, &'static #private::Schema)] = &[#(#data_schema),*];

                #[inline]
                fn encode_avro(&self, out: &mut #private::Vec<u8>) {
                    #encode
                }

                #[inline]
                fn decode_avro_fields(
                    reader: &mut #private::avro::Reader<'_>,
                ) -> #private::Result<Self, #private::avro::DecodeError> {
                    #private::Result::Ok(#decode)
                }

                fn key_text_at(&self, path: &str) -> #private::Option<#private::String> {
                    let path = &mut path.split('.');
                    match path.next()? {
                        #key_arms
                        _ => #private::Option::None,
                    }
                }
            }
        }
    });
    let registration = format_ident!("__REGISTER_{}", static_name);
    let linkme_crate = quote!(#private::linkme).to_string().replace(' ', "");
    let linkme_crate: syn::Path = syn::parse_str(&linkme_crate).unwrap_or_else(|_| syn::parse_quote!(::linkme));

    quote! {
        #definition

        #[allow(dead_code, unreachable_pub, clippy::type_complexity)]
        impl #ident {
            #[doc = #new_doc]
            #[allow(clippy::too_many_arguments)]
            #[track_caller]
            #vis fn new(#(#params),*) -> Self {
                Self { #(#names: #normalized),* }
            }

            #getters
        }

        #[automatically_derived]
        impl #private::OpenEdxEvent for #ident {
            const INFO: &'static #private::EventInfo = &#private::EventInfo {
                event_type: #event_type,
                name: #name_text,
                description: #description,
                subdomain: #subdomain,
                major_version: #major,
                minor_version: #minor,
                data: &[#(#data_keys),*],
                key_field: #key_field,
                trigger_repository: #trigger_repository,
                warnings: &[#(#warnings),*],
                unserializable: #unserializable,
                codec: #codec,
                payload_type: #payload_type,
                module_path: ::core::module_path!(),
                file: ::core::file!(),
                line: ::core::line!(),
            };

            #[inline]
            fn signal() -> &'static #private::OpenEdxPublicSignal<Self> {
                &#static_name
            }
        }

        #avro_event

        #(#[doc = #static_docs])*
        #schema_docs
        #vis static #static_name: #private::OpenEdxPublicSignal<#ident> = #private::OpenEdxPublicSignal::new();

        const _: () = {
            #[#private::linkme::distributed_slice(#private::EVENTS)]
            #[linkme(crate = #linkme_crate)]
            static #registration: &'static dyn #private::AnySignal = &#static_name;
        };

        #key_field_check
    }
}

fn optional_str(private: &TokenStream, value: Option<String>) -> TokenStream {
    match value {
        Some(text) => quote!(#private::Option::Some(#text)),
        None => quote!(#private::Option::None),
    }
}
