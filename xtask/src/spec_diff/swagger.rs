//! Reads a Swagger 2.0 document into a [`Surface`], following `$ref`s.
//!
//! References inside the document (`#/definitions/X`, `#/parameters/X`) resolve against it.
//! References into other files are taken relative to the document; when that file does not
//! exist, a path ending in `<version>/common.json` is looked up as `common/<version>/...`
//! in the document's folder or any folder above it, which is how the reference copies are
//! laid out (the originals keep the upstream repository's `../../../Common/stable/...`).
//! Definitions reached in another file join the document's own, under their names.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::{Body, Enum, Field, Model, Operation, Param, Surface};

/// The methods Swagger 2.0 allows on a path.
const METHODS: [&str; 7] = ["get", "put", "post", "delete", "options", "head", "patch"];

/// A loaded upstream document.
#[derive(Debug)]
pub(crate) struct Upstream {
    /// `info.version`.
    pub(crate) version: String,
    /// What it describes.
    pub(crate) surface: Surface,
}

/// Reads the document at `path` and every file it refers to.
///
/// # Errors
///
/// A file that cannot be read or parsed, a `$ref` that cannot be resolved, or a document
/// without `info.version`.
pub(crate) fn load(path: &Path) -> Result<Upstream, String> {
    let mut files = Files::default();
    let main = path.to_path_buf();
    files.get(&main)?;
    from_files(files, &main)
}

/// Builds the surface of the document `main`, already present in `files`.
pub(crate) fn from_files(mut files: Files, main: &Path) -> Result<Upstream, String> {
    let document = files.get(main)?.clone();
    let version = document
        .pointer("/info/version")
        .and_then(Value::as_str)
        .ok_or_else(|| format!("{} has no info.version", main.display()))?
        .to_owned();

    let mut reader = Reader {
        files,
        pending: Vec::new(),
        seen: BTreeSet::new(),
        surface: Surface::default(),
    };
    if let Some(definitions) = document.get("definitions").and_then(Value::as_object) {
        for name in definitions.keys() {
            reader.pending.push((main.to_path_buf(), name.clone()));
        }
    }
    reader.media_types(&document);
    if let Some(paths) = document.get("paths").and_then(Value::as_object) {
        for (path, item) in paths {
            for method in METHODS {
                if let Some(operation) = item.get(method) {
                    reader.media_types(operation);
                    let key = format!("{} {path}", method.to_uppercase());
                    let operation = reader.operation(main, item, operation)?;
                    reader.surface.operations.insert(key, operation);
                }
            }
        }
    }
    while let Some((file, name)) = reader.pending.pop() {
        reader.definition(&file, &name)?;
    }
    Ok(Upstream {
        version,
        surface: reader.surface,
    })
}

/// Parsed JSON files by path.
#[derive(Debug, Default)]
pub(crate) struct Files {
    parsed: HashMap<PathBuf, Value>,
}

impl Files {
    /// Adds a document that is not on disk (for tests).
    #[cfg(test)]
    pub(crate) fn insert(&mut self, path: impl Into<PathBuf>, document: Value) {
        self.parsed.insert(path.into(), document);
    }

    fn get(&mut self, path: &Path) -> Result<&Value, String> {
        if !self.parsed.contains_key(path) {
            let text = std::fs::read_to_string(path)
                .map_err(|error| format!("cannot read {}: {error}", path.display()))?;
            let value: Value = serde_json::from_str(&text)
                .map_err(|error| format!("{} is not JSON: {error}", path.display()))?;
            self.parsed.insert(path.to_path_buf(), value);
        }
        self.parsed
            .get(path)
            .ok_or_else(|| format!("cannot load {}", path.display()))
    }

    fn known(&self, path: &Path) -> bool {
        self.parsed.contains_key(path) || path.is_file()
    }

    /// The file a reference's file part names, seen from `from`.
    fn locate(&self, from: &Path, file: &str) -> Result<PathBuf, String> {
        let dir = from.parent().unwrap_or(Path::new(""));
        let direct = normalize(&dir.join(file));
        if self.known(&direct) {
            return Ok(direct);
        }

        // `.../<version>/<name>` → `common/<version>/<name>` in this folder or one above.
        let parts: Vec<&str> = file.split('/').filter(|part| !part.is_empty()).collect();
        if let [.., version, name] = parts.as_slice() {
            let mut folder = Some(dir);
            while let Some(current) = folder {
                let candidate = normalize(&current.join("common").join(version).join(name));
                if self.known(&candidate) {
                    return Ok(candidate);
                }
                folder = current.parent();
            }
        }
        Err(format!(
            "cannot resolve `{file}` referenced from {}",
            from.display()
        ))
    }
}

/// Removes `.` and `..` parts without touching the file system.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    out
}

struct Reader {
    files: Files,
    /// Definitions still to read: (file, name).
    pending: Vec<(PathBuf, String)>,
    seen: BTreeSet<String>,
    surface: Surface,
}

impl Reader {
    /// Adds the `consumes` and `produces` media types of a document or operation.
    fn media_types(&mut self, holder: &Value) {
        for key in ["consumes", "produces"] {
            let listed = holder
                .get(key)
                .and_then(Value::as_array)
                .into_iter()
                .flatten();
            for media_type in listed.filter_map(Value::as_str) {
                self.surface.media_types.insert(media_type.to_owned());
            }
        }
    }

    /// Follows a `$ref` from `from`: the file it lands in and the value it points at.
    fn resolve(&mut self, from: &Path, reference: &str) -> Result<(PathBuf, Value), String> {
        let (file, pointer) = reference.split_once('#').unwrap_or((reference, ""));
        let target = if file.is_empty() {
            from.to_path_buf()
        } else {
            self.files.locate(from, file)?
        };
        let document = self.files.get(&target)?;
        let value = if pointer.is_empty() {
            document.clone()
        } else {
            document.pointer(pointer).cloned().ok_or_else(|| {
                format!("`{reference}` (from {}) points at nothing", from.display())
            })?
        };
        Ok((target, value))
    }

    /// The type of a schema in the description's notation, queueing referenced definitions.
    fn schema_type(&mut self, from: &Path, schema: &Value) -> Result<String, String> {
        if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
            let (file, pointer) = reference.split_once('#').unwrap_or((reference, ""));
            let name = pointer.rsplit('/').next().unwrap_or_default().to_owned();
            if pointer.starts_with("/definitions/") {
                let target = if file.is_empty() {
                    from.to_path_buf()
                } else {
                    self.files.locate(from, file)?
                };
                self.pending.push((target, name.clone()));
            }
            return Ok(name);
        }
        let format = schema.get("format").and_then(Value::as_str);
        Ok(match schema.get("type").and_then(Value::as_str) {
            Some("string") if format == Some("date-time") => "datetime".to_owned(),
            Some("string") => "string".to_owned(),
            Some("integer") if format == Some("int64") => "int64".to_owned(),
            Some("integer") => "int32".to_owned(),
            Some("number") => format.unwrap_or("number").to_owned(),
            Some("boolean") => "boolean".to_owned(),
            Some("array") => {
                let items = schema.get("items").cloned().unwrap_or(Value::Null);
                format!("list<{}>", self.schema_type(from, &items)?)
            }
            Some("object") => "object".to_owned(),
            Some(other) => other.to_owned(),
            None => "any".to_owned(),
        })
    }

    fn operation(&mut self, from: &Path, item: &Value, raw: &Value) -> Result<Operation, String> {
        let mut operation = Operation {
            id: raw
                .get("operationId")
                .and_then(Value::as_str)
                .map(str::to_owned),
            ..Operation::default()
        };

        // Path-level parameters first; the operation's own override them.
        let shared = item.get("parameters").and_then(Value::as_array);
        let own = raw.get("parameters").and_then(Value::as_array);
        for parameter in shared.into_iter().chain(own).flatten() {
            let (file, parameter) = match parameter.get("$ref").and_then(Value::as_str) {
                Some(reference) => self.resolve(from, reference)?,
                None => (from.to_path_buf(), parameter.clone()),
            };
            let location = parameter.get("in").and_then(Value::as_str).unwrap_or("?");
            let name = parameter.get("name").and_then(Value::as_str).unwrap_or("?");
            let required = parameter
                .get("required")
                .and_then(Value::as_bool)
                .unwrap_or(false);
            if location == "body" {
                let schema = parameter.get("schema").cloned().unwrap_or(Value::Null);
                operation.body = Some(Body {
                    model: self.schema_type(&file, &schema)?,
                    required,
                });
            } else {
                let ty = self.schema_type(&file, &parameter)?;
                operation
                    .params
                    .insert(format!("{location} {name}"), Param { required, ty });
            }
        }

        if let Some(responses) = raw.get("responses").and_then(Value::as_object) {
            for (status, response) in responses {
                let (file, response) = match response.get("$ref").and_then(Value::as_str) {
                    Some(reference) => self.resolve(from, reference)?,
                    None => (from.to_path_buf(), response.clone()),
                };
                let model = match response.get("schema") {
                    Some(schema) => Some(self.schema_type(&file, schema)?),
                    None => None,
                };
                if status == "default" {
                    operation.error_model = model;
                } else {
                    operation.responses.insert(status.clone(), model);
                }
            }
        }
        Ok(operation)
    }

    /// Reads definition `name` of `file` into the surface, once per name.
    fn definition(&mut self, file: &Path, name: &str) -> Result<(), String> {
        if !self.seen.insert(name.to_owned()) {
            return Ok(());
        }
        let pointer = format!(
            "#/definitions/{}",
            name.replace('~', "~0").replace('/', "~1")
        );
        let (file, schema) = self.resolve(file, &pointer)?;

        if let Some(values) = schema.get("enum").and_then(Value::as_array) {
            let open = schema
                .pointer("/x-ms-enum/modelAsString")
                .and_then(Value::as_bool)
                .unwrap_or(false);
            let values = values
                .iter()
                .map(|value| match value {
                    Value::String(text) => text.clone(),
                    other => other.to_string(),
                })
                .collect();
            self.surface
                .enums
                .insert(name.to_owned(), Enum { values, open });
            return Ok(());
        }

        let required: BTreeSet<&str> = schema
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        let mut fields = BTreeMap::new();
        if let Some(properties) = schema.get("properties").and_then(Value::as_object) {
            for (member, property) in properties {
                let int = |key: &str| property.get(key).and_then(Value::as_i64);
                let field = Field {
                    ty: self.schema_type(&file, property)?,
                    required: required.contains(member.as_str()),
                    read_only: property
                        .get("readOnly")
                        .and_then(Value::as_bool)
                        .unwrap_or(false),
                    minimum: int("minimum"),
                    maximum: int("maximum"),
                    min_length: int("minLength"),
                    max_length: int("maxLength"),
                    default: int("default"),
                };
                fields.insert(member.clone(), field);
            }
        }
        let additional_properties = match schema.get("additionalProperties") {
            None | Some(Value::Bool(false)) => false,
            Some(_) => true,
        };
        self.surface.models.insert(
            name.to_owned(),
            Model {
                fields,
                additional_properties,
            },
        );
        Ok(())
    }
}
