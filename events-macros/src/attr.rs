//! The arguments of `#[open_edx_event(...)]` and `#[event_data(...)]`, and their field options.

use proc_macro2::{Span, TokenStream};
use syn::meta::ParseNestedMeta;
use syn::{Attribute, Expr, LitInt, LitStr, Path, Token};

use crate::ast::MacroKind;
use crate::errors::{Errors, did_you_mean};

/// The arguments of `#[open_edx_event(...)]`, as written.
#[derive(Default)]
pub(crate) struct EventArgs {
    pub(crate) event_type: Option<LitStr>,
    pub(crate) name: Option<LitStr>,
    pub(crate) key_field: Option<LitStr>,
    pub(crate) minor_version: Option<LitInt>,
    pub(crate) trigger_repository: Option<LitStr>,
    pub(crate) warnings: Vec<LitStr>,
    pub(crate) unserializable: Option<LitStr>,
    pub(crate) subdomain: Option<LitStr>,
    pub(crate) legacy_unversioned: Option<Span>,
    pub(crate) krate: Option<Path>,
}

const EVENT_ARGS: &[&str] = &[
    "type",
    "name",
    "key_field",
    "minor_version",
    "trigger_repository",
    "warning",
    "unserializable",
    "subdomain",
    "legacy_unversioned",
    "crate",
];

/// The arguments of `#[event_data(...)]` on the struct.
#[derive(Default)]
pub(crate) struct DataArgs {
    pub(crate) krate: Option<Path>,
}

/// Options on one field.
#[derive(Default)]
pub(crate) struct FieldOptions {
    /// `#[event_data(pii)]`.
    pub(crate) pii: Option<Span>,
    /// `#[event_data(default)]` or `#[event_data(default = expr)]`.
    pub(crate) default: Option<FieldDefault>,
    /// `#[open_edx_event(legacy_data_key)]`.
    pub(crate) legacy_data_key: Option<Span>,
}

pub(crate) struct FieldDefault {
    pub(crate) span: Span,
    /// `None` for `Default::default()`.
    pub(crate) expr: Option<Expr>,
}

pub(crate) fn parse_event_args(tokens: TokenStream, errors: &mut Errors) -> EventArgs {
    let mut args = EventArgs::default();
    let parser = syn::meta::parser(|meta| {
        let key = meta.path.get_ident().map(ToString::to_string).unwrap_or_default();
        match key.as_str() {
            "type" => set_once(&mut args.event_type, &meta, errors, string_value),
            "name" => set_once(&mut args.name, &meta, errors, string_value),
            "key_field" => set_once(&mut args.key_field, &meta, errors, string_value),
            "minor_version" => set_once(&mut args.minor_version, &meta, errors, int_value),
            "trigger_repository" => set_once(&mut args.trigger_repository, &meta, errors, string_value),
            "unserializable" => set_once(&mut args.unserializable, &meta, errors, string_value),
            "subdomain" => set_once(&mut args.subdomain, &meta, errors, string_value),
            "crate" => set_once(&mut args.krate, &meta, errors, path_value),
            "warning" => {
                if let Some(warning) = string_value(&meta, errors)? {
                    args.warnings.push(warning);
                }
                Ok(())
            }
            "legacy_unversioned" => {
                if meta.input.peek(Token![=]) {
                    errors.at(
                        &meta.path,
                        "`legacy_unversioned` is a flag and takes no value; write `legacy_unversioned`",
                    );
                    skip_value(&meta)?;
                } else if args.legacy_unversioned.is_some() {
                    errors.at(&meta.path, "`legacy_unversioned` is given twice; give it once");
                } else {
                    args.legacy_unversioned = Some(span_of(&meta.path));
                }
                Ok(())
            }
            _ => {
                let shown = path_text(&meta.path);
                errors.at(
                    &meta.path,
                    format!(
                        "unknown #[open_edx_event] argument `{shown}`{}; expected one of {}",
                        did_you_mean(&shown, EVENT_ARGS),
                        EVENT_ARGS
                            .iter()
                            .map(|a| format!("`{a}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                );
                skip_value(&meta)
            }
        }
    });
    if let Err(error) = syn::parse::Parser::parse2(parser, tokens) {
        errors.push(error);
    }
    args
}

pub(crate) fn parse_data_args(tokens: TokenStream, errors: &mut Errors) -> DataArgs {
    let mut args = DataArgs::default();
    let parser = syn::meta::parser(|meta| {
        if meta.path.is_ident("crate") {
            return set_once(&mut args.krate, &meta, errors, path_value);
        }
        let shown = path_text(&meta.path);
        let hint = if ["pii", "default"].contains(&shown.as_str()) {
            format!("; `{shown}` is a field option: put `#[event_data({shown})]` on the field")
        } else {
            did_you_mean(&shown, &["crate"])
        };
        errors.at(
            &meta.path,
            format!("unknown #[event_data] argument `{shown}`{hint}; the struct takes only `crate = path`"),
        );
        skip_value(&meta)
    });
    if let Err(error) = syn::parse::Parser::parse2(parser, tokens) {
        errors.push(error);
    }
    args
}

/// Takes the macro's own options out of a field's attributes and returns the others.
pub(crate) fn parse_field_options(
    attrs: Vec<Attribute>,
    kind: MacroKind,
    errors: &mut Errors,
) -> (FieldOptions, Vec<Attribute>) {
    let mut options = FieldOptions::default();
    let mut rest = Vec::new();
    for attr in attrs {
        let is_data = attr.path().is_ident("event_data");
        let is_event = attr.path().is_ident("open_edx_event");
        if !is_data && !is_event {
            rest.push(attr);
            continue;
        }
        match (kind, is_data) {
            (MacroKind::EventData, false) => {
                errors.at(
                    &attr,
                    "#[open_edx_event(...)] options belong on the fields of an event definition; \
                     fields of an #[event_data] struct take #[event_data(pii)], #[event_data(default)] \
                     or #[event_data(default = expr)]",
                );
                continue;
            }
            (MacroKind::OpenEdxEvent, true) => {
                errors.at(
                    &attr,
                    "data keys of an event take no #[event_data] options: they are always required and \
                     `pii` belongs on the fields of the #[event_data] struct they hold",
                );
                continue;
            }
            _ => {}
        }
        let result = attr.parse_nested_meta(|meta| {
            let key = path_text(&meta.path);
            match (kind, key.as_str()) {
                (MacroKind::EventData, "pii") => {
                    if options.pii.replace(span_of(&meta.path)).is_some() {
                        errors.at(&meta.path, "`pii` is given twice; give it once");
                    }
                    Ok(())
                }
                (MacroKind::EventData, "default") => {
                    let expr = if meta.input.peek(Token![=]) {
                        Some(meta.value()?.parse::<Expr>()?)
                    } else {
                        None
                    };
                    if options.default.is_some() {
                        errors.at(&meta.path, "`default` is given twice; give it once");
                    } else {
                        options.default = Some(FieldDefault {
                            span: span_of(&meta.path),
                            expr,
                        });
                    }
                    Ok(())
                }
                (MacroKind::OpenEdxEvent, "legacy_data_key") => {
                    options.legacy_data_key = Some(span_of(&meta.path));
                    Ok(())
                }
                (MacroKind::EventData, _) => {
                    errors.at(
                        &meta.path,
                        format!(
                            "unknown field option `{key}`{}; expected `pii`, `default` or `default = expr`",
                            did_you_mean(&key, &["pii", "default"])
                        ),
                    );
                    skip_value(&meta)
                }
                (MacroKind::OpenEdxEvent, _) => {
                    errors.at(
                        &meta.path,
                        format!(
                            "unknown data key option `{key}`{}; the only one is `legacy_data_key`",
                            did_you_mean(&key, &["legacy_data_key"])
                        ),
                    );
                    skip_value(&meta)
                }
            }
        });
        if let Err(error) = result {
            errors.push(error);
        }
    }
    (options, rest)
}

fn set_once<T>(
    slot: &mut Option<T>,
    meta: &ParseNestedMeta<'_>,
    errors: &mut Errors,
    read: fn(&ParseNestedMeta<'_>, &mut Errors) -> syn::Result<Option<T>>,
) -> syn::Result<()> {
    let value = read(meta, errors)?;
    if slot.is_some() {
        errors.at(
            &meta.path,
            format!("`{}` is given twice; give it once", path_text(&meta.path)),
        );
    } else if let Some(value) = value {
        *slot = Some(value);
    }
    Ok(())
}

fn string_value(meta: &ParseNestedMeta<'_>, errors: &mut Errors) -> syn::Result<Option<LitStr>> {
    let key = path_text(&meta.path);
    if !meta.input.peek(Token![=]) {
        errors.at(&meta.path, format!("`{key}` needs a value: `{key} = \"...\"`"));
        return Ok(None);
    }
    let expr: Expr = meta.value()?.parse()?;
    match expr {
        Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(text),
            ..
        }) => {
            if text.value().trim().is_empty() {
                errors.at(&text, format!("`{key}` is empty; give it a value"));
                return Ok(None);
            }
            Ok(Some(text))
        }
        other => {
            errors.at(
                &other,
                format!("`{key}` takes a string literal, e.g. `{key} = \"...\"`"),
            );
            Ok(None)
        }
    }
}

fn int_value(meta: &ParseNestedMeta<'_>, errors: &mut Errors) -> syn::Result<Option<LitInt>> {
    let key = path_text(&meta.path);
    if !meta.input.peek(Token![=]) {
        errors.at(&meta.path, format!("`{key}` needs a value: `{key} = 1`"));
        return Ok(None);
    }
    let expr: Expr = meta.value()?.parse()?;
    match expr {
        Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Int(int),
            ..
        }) if int.base10_parse::<u32>().is_ok() => Ok(Some(int)),
        other => {
            errors.at(
                &other,
                format!("`{key}` takes a non-negative integer literal, e.g. `{key} = 1`"),
            );
            Ok(None)
        }
    }
}

fn path_value(meta: &ParseNestedMeta<'_>, errors: &mut Errors) -> syn::Result<Option<Path>> {
    if !meta.input.peek(Token![=]) {
        errors.at(&meta.path, "`crate` needs a path: `crate = ::events_core`");
        return Ok(None);
    }
    let input = meta.value()?;
    if input.peek(LitStr) {
        let text: LitStr = input.parse()?;
        return match text.parse::<Path>() {
            Ok(path) => Ok(Some(path)),
            Err(_) => {
                errors.at(&text, "`crate` takes a path, e.g. `crate = ::events_core`");
                Ok(None)
            }
        };
    }
    Ok(Some(input.call(Path::parse_mod_style)?))
}

fn skip_value(meta: &ParseNestedMeta<'_>) -> syn::Result<()> {
    if meta.input.peek(Token![=]) {
        meta.value()?.parse::<Expr>()?;
    } else if meta.input.peek(syn::token::Paren) {
        meta.parse_nested_meta(|nested| skip_value(&nested))?;
    }
    Ok(())
}

fn path_text(path: &Path) -> String {
    path.segments
        .iter()
        .map(|segment| segment.ident.to_string())
        .collect::<Vec<_>>()
        .join("::")
}

fn span_of(path: &Path) -> Span {
    path.segments
        .first()
        .map_or_else(Span::call_site, |segment| segment.ident.span())
}
