//! Rust types for the description's wire models: open enums and serde structs.
//!
//! Each enum becomes a Rust enum with one variant per known value plus `Other(String)`,
//! with `as_str`, conversions from strings, `Display` and string serde; each model becomes
//! a struct with camelCase serde names, `Option` for optional members (left out when
//! `None`) and a hand-written `Debug` that masks secret members. `emit.rs` places the
//! output in the generated file.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::description::{Enum, Field, Model, TypeRef, serde_camel_case};
use super::emit::{doc, paragraphs, preview_cfg, since_text};

// ---------------------------------------------------------------------------------------
// Open enums.

pub(crate) fn open_enum(enumeration: &Enum) -> TokenStream {
    let name = format_ident!("{}", enumeration.name);
    let type_doc = doc(&paragraphs([
        enumeration.doc.clone(),
        "The set is open: a string this crate does not know is kept as `Other` and written \
         back unchanged."
            .to_owned(),
        since_text(&enumeration.since),
    ]));

    let variants: Vec<_> = enumeration
        .values
        .iter()
        .map(|value| format_ident!("{}", value.name))
        .collect();
    let wires: Vec<&str> = enumeration
        .values
        .iter()
        .map(|value| value.value.as_str())
        .collect();
    let sinces: Vec<&str> = enumeration
        .values
        .iter()
        .map(|value| value.since.as_str())
        .collect();
    let variant_docs = enumeration.values.iter().map(|value| {
        doc(&paragraphs([
            format!("`{}`: {}", value.value, value.doc.trim()),
            if value.since == enumeration.since {
                String::new()
            } else {
                since_text(&value.since)
            },
        ]))
    });

    quote! {
        #type_doc
        #[derive(Clone, Debug, PartialEq, Eq, Hash)]
        pub enum #name {
            #( #variant_docs #variants, )*
            /// A value this crate does not know, kept exactly as received.
            Other(String),
        }

        impl #name {
            /// Every value known to the API description, in declaration order.
            pub const KNOWN: &'static [Self] = &[ #( Self::#variants, )* ];

            /// The string sent on the wire for this value.
            pub fn as_str(&self) -> &str {
                match self {
                    #( Self::#variants => #wires, )*
                    Self::Other(value) => value,
                }
            }

            /// The API version that introduced this value, or `None` for a value outside the
            /// description.
            pub fn since(&self) -> Option<&'static str> {
                match self {
                    #( Self::#variants => Some(#sinces), )*
                    Self::Other(_) => None,
                }
            }
        }

        impl From<&str> for #name {
            fn from(value: &str) -> Self {
                match value {
                    #( #wires => Self::#variants, )*
                    other => Self::Other(other.to_owned()),
                }
            }
        }

        impl From<String> for #name {
            fn from(value: String) -> Self {
                match Self::from(value.as_str()) {
                    Self::Other(_) => Self::Other(value),
                    known => known,
                }
            }
        }

        impl std::str::FromStr for #name {
            type Err = std::convert::Infallible;

            fn from_str(value: &str) -> Result<Self, Self::Err> {
                Ok(Self::from(value))
            }
        }

        impl fmt::Display for #name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl Serialize for #name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for #name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                String::deserialize(deserializer).map(Self::from)
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// Models.

pub(crate) fn model_struct(model: &Model) -> TokenStream {
    let name = format_ident!("{}", model.name);
    let has_secret = model.fields.iter().any(|field| field.secret);
    let all_optional = model.fields.iter().all(|field| !field.required);

    let mut notes = Vec::new();
    if model.fields.is_empty() {
        notes.push("It has no members and is written as `{}`.".to_owned());
    }
    if model.additional_properties {
        notes.push("The service tolerates members beyond those listed here.".to_owned());
    }
    if has_secret {
        notes.push("`Debug` shows `***` in place of secret members.".to_owned());
    }
    let type_doc = doc(&paragraphs([
        model.doc.clone(),
        notes.join(" "),
        since_text(&model.since),
    ]));

    let debug_derive = (!has_secret).then(|| quote! { Debug, });
    let default_derive = all_optional.then(|| quote! { Default, });
    let fields = model.fields.iter().map(|field| model_field(model, field));

    let debug_impl = has_secret.then(|| {
        let label = &model.name;
        // One statement per member, so that a preview-only member can carry its `cfg`.
        let entries = model.fields.iter().map(|field| {
            let rust = format_ident!("{}", field.rust_name());
            let rust_text = field.rust_name();
            let cfg = preview_cfg(field.preview);
            if field.secret {
                quote! { #cfg out.field(#rust_text, &format_args!("***")); }
            } else {
                quote! { #cfg out.field(#rust_text, &self.#rust); }
            }
        });
        quote! {
            impl fmt::Debug for #name {
                fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    let mut out = f.debug_struct(#label);
                    #(#entries)*
                    out.finish()
                }
            }
        }
    });

    let since_model = &model.since;
    let field_sinces = model.fields.iter().filter_map(|field| {
        let since = field
            .since
            .as_deref()
            .filter(|since| *since != model.since)?;
        let constant = format_ident!("{}_SINCE", field.rust_name().to_uppercase());
        let text = doc(&format!(
            "The API version that introduced the `{}` member.",
            field.name
        ));
        let cfg = preview_cfg(field.preview);
        Some(quote! {
            #text
            #cfg
            pub const #constant: &'static str = #since;
        })
    });
    let constructor = constructor(model);

    quote! {
        #type_doc
        #[derive(Clone, #debug_derive #default_derive PartialEq, Eq, Serialize, Deserialize)]
        #[serde(rename_all = "camelCase")]
        pub struct #name {
            #(#fields)*
        }

        #debug_impl

        impl #name {
            /// The API version that introduced this model.
            pub const SINCE: &'static str = #since_model;
            #(#field_sinces)*
            #constructor
        }
    }
}

/// `new(required members)` for a model with preview-only and required members: a struct literal cannot
/// be written the same way with and without the `preview` feature, a constructor can.
fn constructor(model: &Model) -> Option<TokenStream> {
    let required: Vec<&Field> = model.fields.iter().filter(|f| f.required).collect();
    // Without required members the derived `Default` already serves.
    if !model.fields.iter().any(|field| field.preview) || required.is_empty() {
        return None;
    }
    let params = required.iter().map(|field| {
        let ident = format_ident!("{}", field.rust_name());
        let ty = rust_type(&field.type_ref(), &model.name);
        quote! { #ident: #ty }
    });
    let inits = model.fields.iter().map(|field| {
        let ident = format_ident!("{}", field.rust_name());
        let cfg = preview_cfg(field.preview);
        if field.required {
            quote! { #cfg #ident, }
        } else {
            quote! { #cfg #ident: None, }
        }
    });
    let text = doc(&paragraphs([
        "The model with the given required members and every optional member `None`.".to_owned(),
        "Prefer it to a struct literal in code that must build both with and without the \
         `preview` feature, which adds members."
            .to_owned(),
    ]));
    Some(quote! {
        #text
        pub fn new(#(#params),*) -> Self {
            Self { #(#inits)* }
        }
    })
}

fn model_field(model: &Model, field: &Field) -> TokenStream {
    let rust_name = field.rust_name();
    let ident = format_ident!("{}", rust_name);
    let ty = field.type_ref();
    let base = rust_type(&ty, &model.name);
    let rust_ty = if field.required {
        base
    } else {
        quote! { Option<#base> }
    };

    let mut serde_args = Vec::new();
    if serde_camel_case(&rust_name) != field.name {
        let wire = &field.name;
        serde_args.push(quote! { rename = #wire });
    }
    for alias in &field.aliases {
        serde_args.push(quote! { alias = #alias });
    }
    if ty == TypeRef::DateTime {
        let helper = if field.required {
            "crate::datetime"
        } else {
            "crate::datetime::option"
        };
        serde_args.push(quote! { with = #helper });
    }
    if !field.required {
        serde_args.push(quote! { default, skip_serializing_if = "Option::is_none" });
    }
    let serde_attr = (!serde_args.is_empty()).then(|| quote! { #[serde(#(#serde_args),*)] });
    let cfg = preview_cfg(field.preview);

    let mut facts = Vec::new();
    facts.push(if field.required {
        format!("JSON member `{}`, always present.", field.name)
    } else {
        format!(
            "JSON member `{}`, optional: `None` leaves it out.",
            field.name
        )
    });
    if let Some(limits) = limits_text(field) {
        facts.push(limits);
    }
    if let Some(lengths) = length_text(field) {
        facts.push(lengths);
    }
    if field.read_only {
        facts.push("Only the service sets it.".to_owned());
    }
    if field.secret {
        facts.push("Secret: `Debug` prints `***` instead.".to_owned());
    }
    let since = field
        .since
        .as_deref()
        .filter(|since| *since != model.since)
        .map(since_text)
        .unwrap_or_default();
    let preview = if field.preview {
        "Preview only: present with the crate's `preview` feature.".to_owned()
    } else {
        String::new()
    };
    let field_doc = doc(&paragraphs([
        field.doc.clone(),
        facts.join(" "),
        format!("{since} {preview}"),
    ]));

    quote! {
        #field_doc
        #cfg
        #serde_attr
        pub #ident: #rust_ty,
    }
}

fn length_text(field: &Field) -> Option<String> {
    match (field.min_length, field.max_length) {
        (Some(min), Some(max)) => Some(format!("From {min} to {max} characters long.")),
        (Some(min), None) => Some(format!("At least {min} characters long.")),
        (None, Some(max)) => Some(format!("At most {max} characters long.")),
        (None, None) => None,
    }
}

fn limits_text(field: &Field) -> Option<String> {
    let range = match (field.minimum, field.maximum) {
        (Some(min), Some(max)) => format!("Accepted values run from {min} to {max}."),
        (Some(min), None) => format!("The smallest accepted value is {min}."),
        (None, Some(max)) => format!("The largest accepted value is {max}."),
        (None, None) => String::new(),
    };
    let default = field
        .default
        .map(|default| format!("The service assumes {default} when it is absent."))
        .unwrap_or_default();
    let text = format!("{range} {default}").trim().to_owned();
    (!text.is_empty()).then_some(text)
}

fn rust_type(ty: &TypeRef, owner: &str) -> TokenStream {
    match ty {
        TypeRef::String => quote! { String },
        TypeRef::Int32 => quote! { i32 },
        TypeRef::Int64 => quote! { i64 },
        TypeRef::Boolean => quote! { bool },
        TypeRef::DateTime => quote! { OffsetDateTime },
        TypeRef::List(inner) => {
            // A list already puts its items on the heap, so recursion needs no box inside it.
            let inner = rust_type_unboxed(inner);
            quote! { Vec<#inner> }
        }
        TypeRef::Named(name) if name == owner => {
            let ident = format_ident!("{}", name);
            quote! { Box<#ident> }
        }
        TypeRef::Named(name) => {
            let ident = format_ident!("{}", name);
            quote! { #ident }
        }
    }
}

fn rust_type_unboxed(ty: &TypeRef) -> TokenStream {
    match ty {
        TypeRef::Named(name) => {
            let ident = format_ident!("{}", name);
            quote! { #ident }
        }
        other => rust_type(other, ""),
    }
}

pub(crate) fn contains_datetime(ty: &TypeRef) -> bool {
    match ty {
        TypeRef::DateTime => true,
        TypeRef::List(inner) => contains_datetime(inner),
        _ => false,
    }
}
