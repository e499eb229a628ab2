//! The struct a macro is applied to, parsed into what the macros need.

use proc_macro2::Span;
use syn::spanned::Spanned;
use syn::{Attribute, Expr, Ident, Type, Visibility};

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
    /// The doc comment, one entry per `///` line.
    pub(crate) docs: Vec<String>,
    /// Attributes other than doc comments, kept on the generated struct.
    pub(crate) attrs: Vec<Attribute>,
    pub(crate) fields: Vec<Field>,
}

/// One named field.
pub(crate) struct Field {
    pub(crate) ident: Ident,
    /// The field name without a raw-identifier prefix: the wire name.
    pub(crate) name: String,
    pub(crate) vis: Visibility,
    pub(crate) ty: Type,
    pub(crate) docs: Vec<String>,
    pub(crate) attrs: Vec<Attribute>,
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
                    "{attribute} goes on a struct with named fields, not on an enum; payloads are records with named fields"
                ),
            ));
        }
        syn::Item::Union(item) => {
            return Err(syn::Error::new(
                item.union_token.span,
                format!("{attribute} goes on a struct with named fields, not on a union"),
            ));
        }
        other => {
            return Err(syn::Error::new(
                other.span(),
                format!(
                    "{attribute} goes on a struct with named fields, e.g. `pub struct CourseData {{ /// … course_key: CourseKey }}`"
                ),
            ));
        }
    };

    if !item.generics.params.is_empty() || item.generics.where_clause.is_some() {
        let span = item.generics.params.span();
        errors.at_span(
            if item.generics.params.is_empty() {
                item.generics.where_clause.span()
            } else {
                span
            },
            format!(
                "{attribute} structs cannot have generic parameters, lifetimes or where clauses: \
                 an event's wire schema is fixed; use concrete, owned field types"
            ),
        );
    }

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
    let mut fields = Vec::with_capacity(named.named.len());
    for field in named.named {
        let (docs, attrs) = split_docs(field.attrs);
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
            options,
        });
    }

    Ok(Struct {
        ident: item.ident,
        vis: item.vis,
        docs,
        attrs,
        fields,
    })
}

/// Separates `#[doc = "…"]` lines from other attributes.
fn split_docs(attrs: Vec<Attribute>) -> (Vec<String>, Vec<Attribute>) {
    let mut docs = Vec::new();
    let mut rest = Vec::new();
    for attr in attrs {
        if attr.path().is_ident("doc") {
            if let syn::Meta::NameValue(syn::MetaNameValue {
                value:
                    Expr::Lit(syn::ExprLit {
                        lit: syn::Lit::Str(text),
                        ..
                    }),
                ..
            }) = &attr.meta
            {
                docs.push(text.value());
                continue;
            }
        }
        rest.push(attr);
    }
    (docs, rest)
}
