//! Reads `api/identity.toml` into a [`Surface`] as it stands at one API version.
//!
//! The file is read leniently here (unknown keys are the codegen task's business, which
//! validates the same file strictly), so this task keeps working while the format grows.
//! An item is part of version `V` by the rule the generated `supports` function uses: an
//! item introduced by a preview version exists only in that version; any other item exists
//! from its `since` on, and a preview version has everything of the stable version it names
//! as its `baseline`.

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;

use super::{Body, Enum, Field, Model, Operation, Param, Surface};

#[derive(Debug, Deserialize)]
struct Description {
    service: Service,
    #[serde(default)]
    api_versions: Vec<ApiVersion>,
    #[serde(default)]
    operations: Vec<DescribedOperation>,
    #[serde(default)]
    enums: Vec<DescribedEnum>,
    #[serde(default)]
    models: Vec<DescribedModel>,
}

#[derive(Debug, Deserialize)]
struct Service {
    api_version_parameter: String,
    content_type: String,
    error_model: String,
}

#[derive(Debug, Deserialize)]
struct ApiVersion {
    version: String,
    #[serde(default = "yes")]
    modelled: bool,
    baseline: Option<String>,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Deserialize)]
struct DescribedOperation {
    method: String,
    path: String,
    since: String,
    #[serde(default)]
    path_params: Vec<PathParam>,
    request: Option<RequestBody>,
    #[serde(default)]
    responses: Vec<Response>,
    #[serde(default)]
    upstream_ids: BTreeMap<String, String>,
}

#[derive(Debug, Deserialize)]
struct PathParam {
    name: String,
}

#[derive(Debug, Deserialize)]
struct RequestBody {
    model: String,
    required: bool,
}

#[derive(Debug, Deserialize)]
struct Response {
    status: u16,
    model: Option<String>,
}

#[derive(Debug, Deserialize)]
struct DescribedEnum {
    name: String,
    since: String,
    #[serde(default)]
    values: Vec<EnumValue>,
}

#[derive(Debug, Deserialize)]
struct EnumValue {
    value: String,
    since: Option<String>,
}

#[derive(Debug, Deserialize)]
struct DescribedModel {
    name: String,
    since: String,
    #[serde(default)]
    additional_properties: bool,
    #[serde(default)]
    fields: Vec<DescribedField>,
}

#[derive(Debug, Deserialize)]
struct DescribedField {
    name: String,
    #[serde(rename = "type")]
    ty: String,
    #[serde(default)]
    required: bool,
    #[serde(default)]
    read_only: bool,
    since: Option<String>,
    minimum: Option<i64>,
    maximum: Option<i64>,
    min_length: Option<i64>,
    max_length: Option<i64>,
    default: Option<i64>,
}

/// The description's surface at `version`.
///
/// # Errors
///
/// The text is not TOML of the description's shape, or `version` is not a modelled version
/// of it.
pub(crate) fn surface(text: &str, version: &str) -> Result<Surface, String> {
    let description: Description =
        toml::from_str(text).map_err(|error| format!("the API description: {error}"))?;
    let Some(listed) = description
        .api_versions
        .iter()
        .find(|listed| listed.version == version)
    else {
        return Err(format!(
            "api-version {version} is not listed in the API description"
        ));
    };
    if !listed.modelled {
        return Err(format!(
            "api-version {version} is listed as not modelled in the API description"
        ));
    }
    let baseline = listed.baseline.as_deref();
    let has = |since: &str| supports(version, baseline, since);

    let mut surface = Surface::default();
    surface
        .media_types
        .insert(description.service.content_type.clone());
    for operation in description.operations.iter().filter(|op| has(&op.since)) {
        let mut params: BTreeMap<String, Param> = operation
            .path_params
            .iter()
            .map(|param| {
                (
                    format!("path {}", param.name),
                    Param {
                        required: true,
                        ty: "string".to_owned(),
                    },
                )
            })
            .collect();
        params.insert(
            format!("query {}", description.service.api_version_parameter),
            Param {
                required: true,
                ty: "string".to_owned(),
            },
        );
        let described = Operation {
            id: operation.upstream_ids.get(version).cloned(),
            params,
            body: operation.request.as_ref().map(|request| Body {
                model: request.model.clone(),
                required: request.required,
            }),
            responses: operation
                .responses
                .iter()
                .map(|response| (response.status.to_string(), response.model.clone()))
                .collect(),
            error_model: Some(description.service.error_model.clone()),
        };
        surface.operations.insert(
            format!("{} {}", operation.method.to_uppercase(), operation.path),
            described,
        );
    }

    for described in description.enums.iter().filter(|item| has(&item.since)) {
        let values: BTreeSet<String> = described
            .values
            .iter()
            .filter(|value| has(value.since.as_deref().unwrap_or(&described.since)))
            .map(|value| value.value.clone())
            .collect();
        surface
            .enums
            .insert(described.name.clone(), Enum { values, open: true });
    }

    for described in description.models.iter().filter(|item| has(&item.since)) {
        let fields = described
            .fields
            .iter()
            .filter(|field| has(field.since.as_deref().unwrap_or(&described.since)))
            .map(|field| {
                let shape = Field {
                    ty: field.ty.replace(' ', ""),
                    required: field.required,
                    read_only: field.read_only,
                    minimum: field.minimum,
                    maximum: field.maximum,
                    min_length: field.min_length,
                    max_length: field.max_length,
                    default: field.default,
                };
                (field.name.clone(), shape)
            })
            .collect();
        surface.models.insert(
            described.name.clone(),
            Model {
                fields,
                additional_properties: described.additional_properties,
            },
        );
    }
    Ok(surface)
}

/// Whether an item introduced in `since` exists in `version` (whose stable `baseline`, for
/// a preview, is given).
pub(crate) fn supports(version: &str, baseline: Option<&str>, since: &str) -> bool {
    if since.ends_with("-preview") {
        return version == since;
    }
    let effective = baseline.unwrap_or(version);
    effective.get(..10).unwrap_or(effective) >= since.get(..10).unwrap_or(since)
}
