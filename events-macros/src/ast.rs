//! The struct a macro is applied to, parsed into what the macros need.

use proc_macro2::Span;
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{Attribute, Expr, Ident, Path, Token, Type, Visibility};

use crate::attr::{self, FieldOptions};
use crate::errors::Errors;

/// Which macro is reading the struct; the two accept different field options.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum MacroKind {
    EventData,
    OpenEdxEvent,
}

impl MacroKind {
    pub(crate) fn attribute(self) -> &'static str {
        match self {
            MacroKind::EventData => "#[event_data]",
            MacroKind::OpenEdxEvent => "#[open_edx_event]",
        }
    }
}

/// A braced struct with its documentation and fields.
pub(crate) struct Struct {
    pub(crate) ident: Ident,
    pub(crate) vis: Visibility,
    /// Generic parameters as written; payloads may have none (checked in `valid`), but they are
    /// kept so that the fallback emitted next to errors still declares what its fields use.
    pub(crate) generics: syn::Generics,
    /// The doc comment, one entry per `///` line.
    pub(crate) docs: Vec<String>,
    /// Attributes other than doc comments, kept on the generated struct.
    pub(crate) attrs: Vec<Attribute>,
    /// `#[serde(...)]` attributes, taken out (and reported): the macros own the serde shape.
    pub(crate) serde_attrs: Vec<Attribute>,
    /// Traits in `#[derive(...)]` that the macros implement themselves, taken out of `attrs`
    /// (and reported) so that they do not conflict with the generated implementations.
    pub(crate) conflicting_derives: Vec<Path>,
    pub(crate) fields: Vec<Field>,
}

/// The traits both macros implement (`Eq` and `Hash` where the fields allow).
const GENERATED_TRAITS: &[&str] = &["Clone", "Debug", "PartialEq", "Eq", "Hash", "Serialize", "Deserialize"];

/// One named field.
pub(crate) struct Field {
    pub(crate) ident: Ident,
    /// The field name without a raw-identifier prefix: the wire name.
    pub(crate) name: String,
    pub(crate) vis: Visibility,
    pub(crate) ty: Type,
    pub(crate) docs: Vec<String>,
    pub(crate) attrs: Vec<Attribute>,
    /// `#[serde(...)]` attributes, taken out of `attrs` (and reported).
    pub(crate) serde_attrs: Vec<Attribute>,
    pub(crate) options: FieldOptions,
}

impl Field {
    /// The documentation as one paragraph-preserving text.
    pub(crate) fn doc_text(&self) -> String {
        doc_text(&self.docs)
    }

    pub(crate) fn default_expr(&self) -> Option<&Expr> {
        self.options.default.as_ref().and_then(|default| default.expr.as_ref())
    }
}

impl Struct {
    pub(crate) fn doc_text(&self) -> String {
        doc_text(&self.docs)
    }
}

/// Joins doc lines, trimming the single space `///` leaves and the blank lines around.
pub(crate) fn doc_text(lines: &[String]) -> String {
    let text: Vec<&str> = lines
        .iter()
        .map(|line| line.strip_prefix(' ').unwrap_or(line))
        .collect();
    text.join("\n").trim().to_owned()
}

/// Parses the item a macro is applied to. Problems that still leave a usable struct are
/// recorded in `errors`; an item that is not a braced struct is returned as an error.
pub(crate) fn parse_struct(item: syn::Item, kind: MacroKind, errors: &mut Errors) -> syn::Result<Struct> {
    let attribute = kind.attribute();
    let item = match item {
        syn::Item::Struct(item) => item,
        syn::Item::Enum(item) => {
            return Err(syn::Error::new(
                item.enum_token.span,
                format!(
                    "{attribute} goes on a struct with named fields, not on an enum: payloads are Avro records; \
                     for a choice of values use a `String` field and document the allowed values"
                ),
            ));
        }
        other => {
            let (span, found) = item_keyword(&other);
            return Err(syn::Error::new(
                span,
                format!(
                    "{attribute} goes on a struct with named fields, not on {found}, e.g. \
                     `pub struct CourseData {{ /// The course's id. course_key: String }}`"
                ),
            ));
        }
    };

    let named = match item.fields {
        syn::Fields::Named(named) => named,
        syn::Fields::Unnamed(unnamed) => {
            return Err(syn::Error::new(
                unnamed.paren_token.span.join(),
                format!(
                    "{attribute} needs named fields, which are the wire field names; use braces: \
                     `struct {} {{ /// … name: Type }}`",
                    item.ident
                ),
            ));
        }
        syn::Fields::Unit => {
            return Err(syn::Error::new(
                item.ident.span(),
                format!(
                    "{attribute} needs a struct with named fields, but `{}` has none; add braces and fields: \
                     `struct {} {{ /// … name: Type }}`",
                    item.ident, item.ident
                ),
            ));
        }
    };

    let (docs, attrs) = split_docs(item.attrs);
    let (serde_attrs, attrs) = split_serde(attrs);
    let (attrs, conflicting_derives) = split_conflicting_derives(attrs);
    let mut fields = Vec::with_capacity(named.named.len());
    for field in named.named {
        let (docs, attrs) = split_docs(field.attrs);
        let (serde_attrs, attrs) = split_serde(attrs);
        let (options, attrs) = attr::parse_field_options(attrs, kind, errors);
        let ident = field.ident.unwrap_or_else(|| Ident::new("_", Span::call_site()));
        let name = ident.to_string().trim_start_matches("r#").to_owned();
        fields.push(Field {
            ident,
            name,
            vis: field.vis,
            ty: field.ty,
            docs,
            attrs,
            serde_attrs,
            options,
        });
    }

    Ok(Struct {
        ident: item.ident,
        vis: item.vis,
        generics: item.generics,
        docs,
        attrs,
        serde_attrs,
        conflicting_derives,
        fields,
    })
}

/// The token to point at when a macro is put on something other than a struct, and what that
/// something is called.
fn item_keyword(item: &syn::Item) -> (Span, &'static str) {
    match item {
        syn::Item::Union(item) => (item.union_token.span, "a union"),
        syn::Item::Fn(item) => (item.sig.fn_token.span, "a function"),
        syn::Item::Type(item) => (item.type_token.span, "a type alias"),
        syn::Item::Trait(item) => (item.trait_token.span, "a trait"),
        syn::Item::Impl(item) => (item.impl_token.span, "an impl block"),
        syn::Item::Mod(item) => (item.mod_token.span, "a module"),
        syn::Item::Const(item) => (item.const_token.span, "a constant"),
        syn::Item::Static(item) => (item.static_token.span, "a static"),
        syn::Item::Use(item) => (item.use_token.span, "a use declaration"),
        other => (other.span(), "this item"),
    }
}

/// Separates `#[serde(...)]` attributes from the others.
fn split_serde(attrs: Vec<Attribute>) -> (Vec<Attribute>, Vec<Attribute>) {
    attrs.into_iter().partition(|attr| attr.path().is_ident("serde"))
}

/// Takes the traits the macros implement out of `#[derive(...)]` lists, keeping the others.
fn split_conflicting_derives(attrs: Vec<Attribute>) -> (Vec<Attribute>, Vec<Path>) {
    let mut kept_attrs = Vec::with_capacity(attrs.len());
    let mut conflicting = Vec::new();
    for attr in attrs {
        if !attr.path().is_ident("derive") {
            kept_attrs.push(attr);
            continue;
        }
        let Ok(paths) = attr.parse_args_with(Punctuated::<Path, Token![,]>::parse_terminated) else {
            // Left for the compiler to report.
            kept_attrs.push(attr);
            continue;
        };
        let (clashing, kept): (Vec<Path>, Vec<Path>) = paths.into_iter().partition(|path| {
            path.segments
                .last()
                .is_some_and(|segment| GENERATED_TRAITS.iter().any(|name| segment.ident == name))
        });
        if clashing.is_empty() {
            kept_attrs.push(attr);
            continue;
        }
        conflicting.extend(clashing);
        if !kept.is_empty() {
            kept_attrs.push(syn::parse_quote_spanned!(attr.pound_token.span=> #[derive(#(#kept),*)]));
        }
    }
    (kept_attrs, conflicting)
}

/// Separates `#[doc = "…"]` lines from other attributes.
fn split_docs(attrs: Vec<Attribute>) -> (Vec<String>, Vec<Attribute>) {
    let mut docs = Vec::new();
    let mut rest = Vec::new();
    for attr in attrs {
        match &attr.meta {
            syn::Meta::NameValue(syn::MetaNameValue {
                path,
                value:
                    Expr::Lit(syn::ExprLit {
                        lit: syn::Lit::Str(text),
                        ..
                    }),
                ..
            }) if path.is_ident("doc") => {
                docs.push(text.value());
                continue;
            }
            _ => {}
        }
        rest.push(attr);
    }
    (docs, rest)
}

#[cfg(test)]
mod tests {
    use quote::quote;

    use super::*;

    fn parse(item: proc_macro2::TokenStream) -> (syn::Result<Struct>, Errors) {
        let mut errors = Errors::default();
        let parsed = parse_struct(syn::parse2(item).unwrap(), MacroKind::EventData, &mut errors);
        (parsed, errors)
    }

    #[test]
    fn docs_serde_attributes_and_conflicting_derives_are_separated() {
        let (parsed, errors) = parse(quote! {
            /// A course.
            ///
            /// Second paragraph.
            #[derive(Clone, Default, PartialOrd)]
            #[serde(rename_all = "camelCase")]
            #[allow(missing_docs)]
            pub struct CourseData {
                /// The course's id.
                #[serde(rename = "id")]
                #[event_data(pii)]
                r#type: String,
            }
        });
        assert!(errors.finish().is_ok());
        let parsed = parsed.unwrap();
        assert_eq!(parsed.doc_text(), "A course.\n\nSecond paragraph.");
        assert_eq!(parsed.serde_attrs.len(), 1);
        let conflicting: Vec<String> = parsed
            .conflicting_derives
            .iter()
            .map(|path| quote!(#path).to_string())
            .collect();
        assert_eq!(conflicting, ["Clone"]);
        let kept: Vec<String> = parsed.attrs.iter().map(|attr| quote!(#attr).to_string()).collect();
        assert_eq!(kept, ["# [derive (Default , PartialOrd)]", "# [allow (missing_docs)]"]);
        let field = &parsed.fields[0];
        assert_eq!(field.name, "type");
        assert_eq!((field.serde_attrs.len(), field.attrs.len()), (1, 0));
        assert!(field.options.pii.is_some());
    }

    #[test]
    fn items_other_than_braced_structs_are_refused_at_their_keyword() {
        for (item, expected) in [
            (
                quote!(
                    enum Mode {
                        Audit,
                    }
                ),
                "not on an enum",
            ),
            (
                quote!(
                    fn course() {}
                ),
                "not on a function",
            ),
            (
                quote!(
                    type Course = String;
                ),
                "not on a type alias",
            ),
            (
                quote!(
                    struct Course(String);
                ),
                "needs named fields",
            ),
            (
                quote!(
                    struct Course;
                ),
                "has none",
            ),
        ] {
            let error = parse(item.clone()).0.err().unwrap_or_else(|| panic!("{item}"));
            assert!(error.to_string().contains(expected), "{item}: {error}");
        }
    }
}
