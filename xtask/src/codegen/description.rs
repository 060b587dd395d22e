//! The API description format: serde structs for `api/identity.toml` and the checks that run
//! before any code is emitted.
//!
//! The structs mirror the TOML one to one (unknown keys are errors, so a typo never passes
//! silently). [`Description::parse`] reads the file and runs the rules in `validate.rs`, so
//! everything the emitter relies on — resolvable type names, known API versions, matching
//! path parameters, doc text on every item — holds by the time it returns.

use std::collections::BTreeMap;

use serde::Deserialize;

/// The whole description file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Description {
    /// Facts about the service as a whole.
    pub(crate) service: Service,
    /// Every API version, stable ones oldest first.
    pub(crate) api_versions: Vec<ApiVersion>,
    /// The REST operations.
    #[serde(default)]
    pub(crate) operations: Vec<Operation>,
    /// Open string enums.
    #[serde(default)]
    pub(crate) enums: Vec<Enum>,
    /// JSON object models.
    #[serde(default)]
    pub(crate) models: Vec<Model>,
}

/// The `[service]` table.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Service {
    /// Human name of the service.
    pub(crate) title: String,
    /// What the service does.
    pub(crate) doc: String,
    /// Name of the query parameter carrying the API version.
    pub(crate) api_version_parameter: String,
    /// The version clients use unless told otherwise.
    pub(crate) default_api_version: String,
    /// Media type of request and response bodies.
    pub(crate) content_type: String,
    /// Model of the body of every failed call.
    pub(crate) error_model: String,
    /// OAuth scope for Entra ID bearer tokens, when the service accepts them.
    pub(crate) bearer_scope: Option<String>,
}

/// Whether an API version is generally available.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum VersionStatus {
    /// Generally available.
    Stable,
    /// Preview; may change or disappear.
    Preview,
}

/// One `[[api_versions]]` entry.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ApiVersion {
    /// The version string sent in the query, e.g. `2023-10-01`.
    pub(crate) version: String,
    /// Stable or preview.
    pub(crate) status: VersionStatus,
    /// False for versions known to exist but not described.
    #[serde(default = "yes")]
    pub(crate) modelled: bool,
    /// For a preview version: the stable version whose whole surface it also has. Items
    /// introduced by a stable version up to this one exist in the preview too.
    pub(crate) baseline: Option<String>,
    /// What the version added or changed.
    pub(crate) doc: String,
}

fn yes() -> bool {
    true
}

/// One `[[operations]]` entry.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Operation {
    /// Our snake_case name of the operation.
    pub(crate) name: String,
    /// What the operation does.
    pub(crate) doc: String,
    /// HTTP method in upper case.
    pub(crate) method: String,
    /// Path template relative to the endpoint, with `{param}` placeholders.
    pub(crate) path: String,
    /// First API version that has the operation.
    pub(crate) since: String,
    /// Whether the operation exists only in a preview version (then `since` names it);
    /// generated behind the `preview` feature.
    #[serde(default)]
    pub(crate) preview: bool,
    /// The placeholders of `path`, in order.
    #[serde(default)]
    pub(crate) path_params: Vec<PathParam>,
    /// The JSON request body, if the operation takes one.
    pub(crate) request: Option<RequestBody>,
    /// Success responses.
    pub(crate) responses: Vec<Response>,
    /// Operation id used by each upstream document, keyed by API version.
    #[serde(default)]
    pub(crate) upstream_ids: BTreeMap<String, String>,
}

/// A path placeholder.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PathParam {
    /// Name as written in the path template.
    pub(crate) name: String,
    /// What the value is.
    pub(crate) doc: String,
}

/// A request body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RequestBody {
    /// Model of the body.
    pub(crate) model: String,
    /// Whether the body must be sent.
    pub(crate) required: bool,
}

/// A success response.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Response {
    /// HTTP status code (2xx).
    pub(crate) status: u16,
    /// Model of the body, if there is one.
    pub(crate) model: Option<String>,
    /// When this status is returned, if the operation has several.
    pub(crate) doc: Option<String>,
}

/// One `[[enums]]` entry; every enum is open.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Enum {
    /// Rust type name.
    pub(crate) name: String,
    /// What the enum means.
    pub(crate) doc: String,
    /// First API version that has the enum.
    pub(crate) since: String,
    /// The known values.
    pub(crate) values: Vec<EnumValue>,
}

/// One known value of an enum.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct EnumValue {
    /// The wire string.
    pub(crate) value: String,
    /// Rust variant name.
    pub(crate) name: String,
    /// What the value means.
    pub(crate) doc: String,
    /// First API version that accepts the value.
    pub(crate) since: String,
}

/// One `[[models]]` entry.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Model {
    /// Rust type name.
    pub(crate) name: String,
    /// What the model is.
    pub(crate) doc: String,
    /// First API version that has the model.
    pub(crate) since: String,
    /// Whether the service accepts members beyond the listed fields.
    #[serde(default)]
    pub(crate) additional_properties: bool,
    /// The members.
    #[serde(default)]
    pub(crate) fields: Vec<Field>,
}

/// One member of a model.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Field {
    /// JSON member name.
    pub(crate) name: String,
    /// Rust field name, when not the snake_case form of `name`.
    pub(crate) rust_name: Option<String>,
    /// Other member names accepted when reading.
    #[serde(default)]
    pub(crate) aliases: Vec<String>,
    /// Type expression: `string`, `int32`, `int64`, `boolean`, `datetime`, `list<T>` or a
    /// model or enum name.
    #[serde(rename = "type")]
    pub(crate) ty: String,
    /// Whether the member is always present.
    #[serde(default)]
    pub(crate) required: bool,
    /// Whether the value is a credential that must never be printed.
    #[serde(default)]
    pub(crate) secret: bool,
    /// Whether only the service sets the member.
    #[serde(default)]
    pub(crate) read_only: bool,
    /// What the member means.
    pub(crate) doc: String,
    /// First API version that has the member; the model's when absent.
    pub(crate) since: Option<String>,
    /// Whether the member exists only in a preview version (then `since` names it);
    /// generated behind the `preview` feature.
    #[serde(default)]
    pub(crate) preview: bool,
    /// Fewest characters a string member may have.
    pub(crate) min_length: Option<i64>,
    /// Most characters a string member may have.
    pub(crate) max_length: Option<i64>,
    /// Smallest accepted integer value.
    pub(crate) minimum: Option<i64>,
    /// Largest accepted integer value.
    pub(crate) maximum: Option<i64>,
    /// Integer value the service assumes when the member is absent.
    pub(crate) default: Option<i64>,
    /// Prefix of the generated limit constants; the field's name in SCREAMING_SNAKE_CASE
    /// when absent.
    pub(crate) constant: Option<String>,
}

/// A parsed type expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TypeRef {
    /// JSON string.
    String,
    /// 32-bit integer.
    Int32,
    /// 64-bit integer.
    Int64,
    /// JSON boolean.
    Boolean,
    /// RFC 3339 timestamp.
    DateTime,
    /// JSON array.
    List(Box<TypeRef>),
    /// A model or enum of the description.
    Named(String),
}

impl TypeRef {
    /// Parses a type expression such as `list<CommunicationIdentityTokenScope>`.
    pub(crate) fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        if let Some(inner) = text
            .strip_prefix("list<")
            .and_then(|rest| rest.strip_suffix('>'))
        {
            return Ok(Self::List(Box::new(Self::parse(inner)?)));
        }
        Ok(match text {
            "string" => Self::String,
            "int32" => Self::Int32,
            "int64" => Self::Int64,
            "boolean" => Self::Boolean,
            "datetime" => Self::DateTime,
            name if is_type_name(name) => Self::Named(name.to_owned()),
            other => return Err(format!("`{other}` is not a type expression")),
        })
    }
}

impl Field {
    /// The parsed type; valid after [`Description::parse`].
    pub(crate) fn type_ref(&self) -> TypeRef {
        TypeRef::parse(&self.ty).unwrap_or(TypeRef::String)
    }

    /// The Rust field name.
    pub(crate) fn rust_name(&self) -> String {
        self.rust_name
            .clone()
            .unwrap_or_else(|| snake_case(&self.name))
    }

    /// The prefix of the limit constants of this field.
    pub(crate) fn constant_prefix(&self) -> String {
        self.constant
            .clone()
            .unwrap_or_else(|| self.rust_name().to_uppercase())
    }

    /// Whether the field has a minimum, maximum or default.
    pub(crate) fn has_limits(&self) -> bool {
        self.minimum.is_some() || self.maximum.is_some() || self.default.is_some()
    }

    /// Whether the field has a minimum or maximum length.
    pub(crate) fn has_length_limits(&self) -> bool {
        self.min_length.is_some() || self.max_length.is_some()
    }
}

impl Description {
    /// Reads the TOML text and validates it.
    ///
    /// # Errors
    ///
    /// Returns every problem found, one per line, prefixed with the item it concerns.
    pub(crate) fn parse(text: &str) -> Result<Self, String> {
        let description: Self = toml::from_str(text).map_err(|error| error.to_string())?;
        let problems = super::validate::problems(&description);
        if problems.is_empty() {
            Ok(description)
        } else {
            Err(problems.join("\n"))
        }
    }

    /// The modelled API versions, in file order.
    pub(crate) fn modelled_versions(&self) -> impl Iterator<Item = &ApiVersion> {
        self.api_versions.iter().filter(|version| version.modelled)
    }

    /// Whether `version` is listed as a preview version.
    pub(crate) fn is_preview_version(&self, version: &str) -> bool {
        self.api_versions
            .iter()
            .any(|listed| listed.version == version && listed.status == VersionStatus::Preview)
    }
}

/// `createTokenWithScopes` → `create_token_with_scopes`.
pub(crate) fn snake_case(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    for (index, character) in name.chars().enumerate() {
        if character.is_ascii_uppercase() {
            if index > 0 {
                out.push('_');
            }
            out.push(character.to_ascii_lowercase());
        } else {
            out.push(character);
        }
    }
    out
}

/// What serde's `rename_all = "camelCase"` makes of a snake_case field name.
pub(crate) fn serde_camel_case(snake: &str) -> String {
    let mut out = String::with_capacity(snake.len());
    let mut upper_next = false;
    for character in snake.chars() {
        if character == '_' {
            upper_next = true;
        } else if upper_next {
            out.push(character.to_ascii_uppercase());
            upper_next = false;
        } else {
            out.push(character);
        }
    }
    out
}

/// The `{name}` placeholders of a path template, in order.
pub(crate) fn placeholders(path: &str) -> Vec<&str> {
    path.split('{')
        .skip(1)
        .filter_map(|rest| rest.split_once('}').map(|(name, _)| name))
        .collect()
}

pub(crate) fn is_type_name(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_uppercase())
        && name.chars().all(|c| c.is_ascii_alphanumeric())
}

pub(crate) fn is_snake_case(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

pub(crate) fn is_version_string(version: &str) -> bool {
    let date = version.strip_suffix("-preview").unwrap_or(version);
    let bytes = date.as_bytes();
    bytes.len() == 10
        && bytes.iter().enumerate().all(|(index, byte)| match index {
            4 | 7 => *byte == b'-',
            _ => byte.is_ascii_digit(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_expressions_parse() {
        assert_eq!(TypeRef::parse("int32"), Ok(TypeRef::Int32));
        assert_eq!(
            TypeRef::parse("list<Scope>"),
            Ok(TypeRef::List(Box::new(TypeRef::Named("Scope".into()))))
        );
        assert!(TypeRef::parse("list<").is_err());
        assert!(TypeRef::parse("float").is_err());
    }

    #[test]
    fn names_convert_both_ways() {
        assert_eq!(
            snake_case("createTokenWithScopes"),
            "create_token_with_scopes"
        );
        assert_eq!(serde_camel_case("inner_error"), "innerError");
        assert_eq!(serde_camel_case(&snake_case("appId")), "appId");
    }

    #[test]
    fn placeholders_are_found_in_order() {
        assert_eq!(
            placeholders("/tenants/{tenantId}/assignments/{objectId}"),
            ["tenantId", "objectId"]
        );
        assert!(placeholders("/identities").is_empty());
    }

    #[test]
    fn unknown_keys_are_rejected() {
        let error = Description::parse("[service]\ntitel = \"x\"\n")
            .err()
            .unwrap_or_default();
        assert!(error.contains("titel"), "{error}");
    }
}
