//! `#[event_data]`: a frozen payload class.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

use super::{builder, docs, payload};
use crate::valid::Data;

pub(crate) fn expand(data: &Data) -> TokenStream {
    let Data { input, krate } = data;
    let ident = &input.ident;
    let private = quote!(#krate::__private);

    let definition = payload::definition(input, krate, true, &docs::data_fields(input), &quote!());
    let getters = payload::getters(input);
    let with_methods = payload::with_methods(input, krate);
    let builder = builder::expand(data);

    let record_doc = input.doc_text();
    let fields = input.fields.iter().map(|field| {
        let (name, doc, ty) = (&field.name, field.doc_text(), &field.ty);
        let rust_type = crate::ty::type_text(ty);
        let pii = field.options.pii.is_some();
        let has_default = field.options.default.is_some() || crate::ty::is_option(ty);
        // Spanned on the type, so an unsupported type is reported where it is written.
        let schema = quote_spanned!(ty.span()=> <#ty as #private::EventField>::SCHEMA);
        quote! {
            #private::FieldSchema {
                name: #name,
                doc: #doc,
                rust_type: #rust_type,
                schema: #schema,
                pii: #pii,
                has_default: #has_default,
            }
        }
    });

    let (encode, decode) = payload::avro_codec(input, krate);
    let key_arms = payload::key_text_arms(input, krate);

    quote! {
        #definition

        #[allow(dead_code, unreachable_pub, clippy::type_complexity)]
        impl #ident {
            #getters
            #with_methods
        }

        #builder

        #[automatically_derived]
        impl #private::EventField for #ident {
            const SCHEMA: &'static #private::Schema = &#private::Schema::Record(&#private::RecordSchema {
                name: ::core::stringify!(#ident),
                doc: #record_doc,
                fields: &[#(#fields),*],
            });

            #[inline]
            fn encode_avro(&self, out: &mut #private::Vec<u8>) {
                #encode
            }

            #[inline]
            fn decode_avro(
                reader: &mut #private::avro::Reader<'_>,
            ) -> #private::Result<Self, #private::avro::DecodeError> {
                #private::Result::Ok(#decode)
            }

            fn key_text_at(&self, path: &mut #private::KeyPath<'_>) -> #private::Option<#private::String> {
                match path.next()? {
                    #key_arms
                    _ => #private::Option::None,
                }
            }

            fn serialize_json<__S: #private::serde::Serializer>(
                &self,
                serializer: __S,
            ) -> #private::Result<__S::Ok, __S::Error> {
                #private::serde::Serialize::serialize(self, serializer)
            }

            fn deserialize_json<'de, __D: #private::serde::Deserializer<'de>>(
                deserializer: __D,
            ) -> #private::Result<Self, __D::Error> {
                <Self as #private::serde::Deserialize<'de>>::deserialize(deserializer)
            }
        }
    }
}
