//! Constants the description yields besides the wire types: request limits, API versions,
//! service-wide facts and one static record per REST operation.
//!
//! Clients use them to check input and API version support before sending; the emulator
//! uses the same values to enforce them, so both read one source of truth.

use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};

use super::description::{Description, Operation, TypeRef, VersionStatus};
use super::emit::{doc, paragraphs, preview_cfg};

// ---------------------------------------------------------------------------------------
// Constants.

pub(crate) fn constraints(description: &Description) -> TokenStream {
    let mut seen = std::collections::BTreeSet::new();
    let mut items = Vec::new();
    for model in &description.models {
        let limited = model
            .fields
            .iter()
            .filter(|field| field.has_limits() || field.has_length_limits());
        for field in limited {
            let prefix = field.constant_prefix();
            if !seen.insert(prefix.clone()) {
                continue;
            }
            let cfg = preview_cfg(field.preview);
            let member = &field.name;
            let lengths = [
                (
                    "MIN_LENGTH",
                    field.min_length,
                    format!("Fewest characters the service accepts in `{member}`."),
                ),
                (
                    "MAX_LENGTH",
                    field.max_length,
                    format!("Most characters the service accepts in `{member}`."),
                ),
            ];
            for (suffix, value, text) in lengths {
                if let Some(value) = value {
                    let constant = format_ident!("{prefix}_{suffix}");
                    let value = Literal::i64_unsuffixed(value);
                    let text = doc(&text);
                    items.push(quote! {
                        #text
                        #cfg
                        pub const #constant: usize = #value;
                    });
                }
            }
            let ty = match field.type_ref() {
                TypeRef::Int64 => quote! { i64 },
                _ => quote! { i32 },
            };
            let literal = |value: i64| Literal::i64_unsuffixed(value);
            let bounds = [
                (
                    "MIN",
                    field.minimum,
                    format!("Smallest value the service accepts for `{member}`."),
                ),
                (
                    "MAX",
                    field.maximum,
                    format!("Largest value the service accepts for `{member}`."),
                ),
                (
                    "DEFAULT",
                    field.default,
                    format!("Value the service assumes when `{member}` is absent."),
                ),
            ];
            for (suffix, value, text) in bounds {
                if let Some(value) = value {
                    let constant = format_ident!("{prefix}_{suffix}");
                    let value = literal(value);
                    let text = doc(&text);
                    items.push(quote! {
                        #text
                        #cfg
                        pub const #constant: #ty = #value;
                    });
                }
            }
        }
    }
    quote! {
        /// Limits and defaults the service applies to request members, for clients that check
        /// input before sending and for servers that enforce it.
        pub mod constraints {
            #(#items)*
        }
    }
}

fn version_const(version: &str) -> proc_macro2::Ident {
    format_ident!("V{}", version.replace('-', "_").to_uppercase())
}

pub(crate) fn api_versions(description: &Description) -> TokenStream {
    let service = &description.service;
    let modelled: Vec<_> = description.modelled_versions().collect();
    let consts = modelled.iter().map(|version| {
        let ident = version_const(&version.version);
        let value = &version.version;
        let preview = version.status == VersionStatus::Preview;
        let note = if preview {
            "Preview: present with the crate's `preview` feature."
        } else {
            ""
        };
        let text = doc(&paragraphs([
            format!("`{}`: {}", version.version, version.doc.trim()),
            note.to_owned(),
        ]));
        let cfg = preview_cfg(preview);
        quote! {
            #text
            #cfg
            pub const #ident: &str = #value;
        }
    });
    let previews: Vec<_> = modelled
        .iter()
        .filter(|version| version.status == VersionStatus::Preview)
        .collect();
    let preview_consts = previews
        .iter()
        .map(|version| version_const(&version.version));
    let preview_strings: Vec<&str> = previews.iter().map(|v| v.version.as_str()).collect();
    let baselines: Vec<&str> = previews
        .iter()
        .map(|v| v.baseline.as_deref().unwrap_or(v.version.as_str()))
        .collect();
    let stable = modelled
        .iter()
        .filter(|version| version.status == VersionStatus::Stable)
        .map(|version| version_const(&version.version));
    let default = version_const(&service.default_api_version);
    let parameter = &service.api_version_parameter;
    let unmodelled: Vec<&str> = description
        .api_versions
        .iter()
        .filter(|version| !version.modelled)
        .map(|version| version.version.as_str())
        .collect();

    quote! {
        /// The API versions the description covers.
        ///
        /// Versions are compared by their `YYYY-MM-DD` date, which orders them by release.
        pub mod api_versions {
            #(#consts)*

            /// Every stable version, oldest first.
            pub const STABLE: &[&str] = &[ #( #stable, )* ];

            /// The version clients use unless told otherwise: the newest stable one.
            pub const DEFAULT: &str = #default;

            /// Name of the query parameter every request carries the version in.
            pub const QUERY_PARAMETER: &str = #parameter;

            /// Every modelled preview version; empty without the `preview` feature.
            pub const PREVIEW: &[&str] = &[ #( #[cfg(feature = "preview")] #preview_consts, )* ];

            /// Versions the service offers that the description does not model yet.
            pub const UNMODELLED: &[&str] = &[ #( #unmodelled, )* ];

            /// The stable version whose whole surface the preview `api_version` also has, or
            /// `None` when `api_version` is not a modelled preview version. Known with and
            /// without the `preview` feature, so [`supports`] answers the same either way.
            pub fn preview_baseline(api_version: &str) -> Option<&'static str> {
                match api_version {
                    #( #preview_strings => Some(#baselines), )*
                    _ => None,
                }
            }

            /// Whether `api_version` has a feature that appeared in `since`.
            ///
            /// Between stable versions the release dates decide. A feature introduced by a
            /// preview version exists only in that version. A modelled preview version has
            /// everything up to its [`preview_baseline`]; any other string is compared by
            /// its leading `YYYY-MM-DD` date.
            pub fn supports(api_version: &str, since: &str) -> bool {
                if since.ends_with("-preview") {
                    return api_version == since;
                }
                let effective = preview_baseline(api_version).unwrap_or(api_version);
                effective.get(..10).unwrap_or(effective) >= since.get(..10).unwrap_or(since)
            }
        }
    }
}

pub(crate) fn service_module(description: &Description) -> TokenStream {
    let service = &description.service;
    let content_type = &service.content_type;
    let error_model = &service.error_model;
    let bearer = service.bearer_scope.as_ref().map(|scope| {
        quote! {
            /// OAuth scope to request for Entra ID bearer tokens that call the service.
            pub const BEARER_SCOPE: &str = #scope;
        }
    });
    quote! {
        /// Facts about the service as a whole.
        pub mod service {
            /// Media type of request and response bodies.
            pub const CONTENT_TYPE: &str = #content_type;

            /// Name of the model every failed call returns as its body.
            pub const ERROR_MODEL: &str = #error_model;

            #bearer
        }
    }
}

pub(crate) fn operations(description: &Description) -> TokenStream {
    let consts: Vec<_> = description.operations.iter().map(operation_const).collect();
    let names = description.operations.iter().map(|operation| {
        let ident = format_ident!("{}", operation.name.to_uppercase());
        let cfg = preview_cfg(operation.preview);
        quote! { #cfg #ident }
    });

    quote! {
        /// Static facts about each REST operation: method, path template, bodies, success
        /// statuses and the API version that introduced it.
        pub mod operations {
            /// One REST operation of the service.
            #[derive(Clone, Copy, Debug, PartialEq, Eq)]
            pub struct Operation {
                /// The project's snake_case name of the operation.
                pub name: &'static str,
                /// HTTP method, in upper case.
                pub method: &'static str,
                /// Path relative to the endpoint, with `{name}` placeholders.
                pub path: &'static str,
                /// The placeholders of `path`, in order.
                pub path_params: &'static [&'static str],
                /// Name of the request body model, if the operation takes a body.
                pub request_model: Option<&'static str>,
                /// Whether the request body must be sent.
                pub request_required: bool,
                /// Name of the success response body model, if there is a body.
                pub response_model: Option<&'static str>,
                /// Status codes that mean success.
                pub success_statuses: &'static [u16],
                /// The API version that introduced the operation.
                pub since: &'static str,
            }

            impl Operation {
                /// Whether `status` is one of the operation's success codes.
                pub fn is_success(&self, status: u16) -> bool {
                    self.success_statuses.contains(&status)
                }

                /// Whether the operation exists in `api_version`.
                pub fn is_available_in(&self, api_version: &str) -> bool {
                    super::api_versions::supports(api_version, self.since)
                }
            }

            #(#consts)*

            /// Every operation, in the order of the description (preview-only ones with the
            /// `preview` feature).
            pub const ALL: &[Operation] = &[ #( #names, )* ];
        }
    }
}

fn operation_const(operation: &Operation) -> TokenStream {
    let ident = format_ident!("{}", operation.name.to_uppercase());
    let name = &operation.name;
    let method = &operation.method;
    let path = &operation.path;
    let params: Vec<&str> = operation
        .path_params
        .iter()
        .map(|p| p.name.as_str())
        .collect();
    let request_model = option_str(operation.request.as_ref().map(|r| r.model.as_str()));
    let request_required = operation.request.as_ref().is_some_and(|r| r.required);
    let response = operation.responses.iter().find_map(|r| r.model.as_deref());
    let response_model = option_str(response);
    let statuses = operation
        .responses
        .iter()
        .map(|r| Literal::u16_unsuffixed(r.status));
    let since = &operation.since;

    let route = format!("`{method} {path}`, since API version `{since}`.");
    let mut params_text = String::new();
    if !operation.path_params.is_empty() {
        params_text.push_str("Path parameters:\n");
        for param in &operation.path_params {
            params_text.push_str(&format!("\n- `{}`: {}", param.name, param.doc.trim()));
        }
    }
    let body = match &operation.request {
        Some(request) if request.required => format!("Body: [`{}`](crate::{0}).", request.model),
        Some(request) => format!("Body (may be left out): [`{}`](crate::{0}).", request.model),
        None => "No request body.".to_owned(),
    };
    let outcomes = operation
        .responses
        .iter()
        .map(|r| {
            let model = r
                .model
                .as_ref()
                .map(|m| format!(" with [`{m}`](crate::{m})"))
                .unwrap_or_else(|| " with no body".to_owned());
            let when = r
                .doc
                .as_ref()
                .map(|d| format!(" when {}", d.trim()))
                .unwrap_or_default();
            format!("{}{model}{when}", r.status)
        })
        .collect::<Vec<_>>()
        .join("; ");
    let preview = if operation.preview {
        "Preview only: present with the crate's `preview` feature.".to_owned()
    } else {
        String::new()
    };
    let text = doc(&paragraphs([
        operation.doc.clone(),
        route,
        params_text,
        format!("{body} Success: {outcomes}."),
        preview,
    ]));
    let cfg = preview_cfg(operation.preview);

    quote! {
        #text
        #cfg
        pub const #ident: Operation = Operation {
            name: #name,
            method: #method,
            path: #path,
            path_params: &[ #( #params, )* ],
            request_model: #request_model,
            request_required: #request_required,
            response_model: #response_model,
            success_statuses: &[ #( #statuses, )* ],
            since: #since,
        };
    }
}

fn option_str(value: Option<&str>) -> TokenStream {
    match value {
        Some(value) => quote! { Some(#value) },
        None => quote! { None },
    }
}
