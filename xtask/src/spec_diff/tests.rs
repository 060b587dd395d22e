//! The task end to end on small inline documents: a Swagger document and a description
//! that differ in known ways give exactly those lines, and the allow-list sorts them.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::json;

use super::allow::{AllowList, glob_matches};
use super::swagger::{Files, from_files};
use super::{compare, description};

const MAIN: &str = "/spec/2024-01-01/Service.json";

/// A document with one difference of every kind against [`DESCRIPTION`].
fn swagger() -> serde_json::Value {
    json!({
        "swagger": "2.0",
        "info": { "title": "T", "version": "2024-01-01" },
        "consumes": ["application/json"],
        "produces": ["application/json", "text/plain"],
        "paths": {
            "/widgets": {
                "post": {
                    "operationId": "Widgets_Create",
                    "parameters": [
                        { "$ref": "#/parameters/ApiVersion" },
                        { "name": "body", "in": "body", "required": true,
                          "schema": { "$ref": "#/definitions/WidgetRequest" } }
                    ],
                    "responses": {
                        "201": { "description": "made", "schema": { "$ref": "#/definitions/Widget" } },
                        "default": { "description": "failed",
                          "schema": { "$ref": "../../../Common/stable/2022-07-13/common.json#/definitions/ErrorResponse" } }
                    }
                }
            },
            "/widgets/{id}": {
                "get": {
                    "operationId": "Widgets_Get",
                    "parameters": [
                        { "name": "id", "in": "path", "required": true, "type": "string" },
                        { "$ref": "#/parameters/ApiVersion" }
                    ],
                    "responses": { "200": { "description": "ok", "schema": { "$ref": "#/definitions/Widget" } } }
                }
            }
        },
        "definitions": {
            "WidgetRequest": {
                "type": "object",
                "properties": {
                    "name": { "type": "string", "minLength": 1, "maxLength": 64 },
                    "size": { "type": "integer", "format": "int64", "minimum": 1 },
                    "kind": { "$ref": "#/definitions/WidgetKind" }
                },
                "required": ["name"]
            },
            "Widget": {
                "type": "object",
                "properties": {
                    "id": { "type": "string", "readOnly": true },
                    "createdAt": { "type": "string", "format": "date-time" },
                    "tags": { "type": "array", "items": { "type": "string" } }
                },
                "required": ["id"]
            },
            "WidgetKind": {
                "type": "string",
                "enum": ["round", "square", "oval"],
                "x-ms-enum": { "name": "WidgetKind", "modelAsString": false }
            }
        },
        "parameters": {
            "ApiVersion": { "name": "api-version", "in": "query", "required": true, "type": "string" }
        }
    })
}

fn common() -> serde_json::Value {
    json!({
        "swagger": "2.0",
        "info": { "title": "Common", "version": "2022-07-13" },
        "paths": {},
        "definitions": {
            "ErrorResponse": {
                "type": "object",
                "properties": { "error": { "$ref": "#/definitions/Error" } },
                "required": ["error"]
            },
            "Error": {
                "type": "object",
                "properties": { "code": { "type": "string" } },
                "required": ["code"]
            },
            "Unused": { "type": "object", "properties": {} }
        }
    })
}

const DESCRIPTION: &str = r#"
[service]
title = "Widgets"
doc = "Makes widgets."
api_version_parameter = "api-version"
default_api_version = "2024-01-01"
content_type = "application/json"
error_model = "ErrorResponse"

[[api_versions]]
version = "2023-01-01"
status = "stable"
doc = "First."

[[api_versions]]
version = "2024-01-01"
status = "stable"
doc = "Second."

[[api_versions]]
version = "2024-06-01-preview"
status = "preview"
baseline = "2024-01-01"
doc = "Preview."

[[operations]]
name = "create_widget"
doc = "Makes one."
method = "POST"
path = "/widgets"
since = "2023-01-01"
request = { model = "WidgetRequest", required = false }
responses = [{ status = 200, model = "Widget" }]
upstream_ids = { "2024-01-01" = "Widgets_Make" }

[[operations]]
name = "list_widgets"
doc = "Lists them."
method = "GET"
path = "/widgets"
since = "2023-01-01"
responses = [{ status = 200 }]

[[operations]]
name = "widget_preview"
doc = "Preview only."
method = "GET"
path = "/widgets/{id}"
since = "2024-06-01-preview"
preview = true
path_params = [{ name = "id", doc = "Id." }]
responses = [{ status = 200, model = "Widget" }]

[[enums]]
name = "WidgetKind"
doc = "Shapes."
since = "2023-01-01"

[[enums.values]]
value = "round"
name = "Round"
doc = "Round."
since = "2023-01-01"

[[enums.values]]
value = "square"
name = "Square"
doc = "Square."
since = "2023-01-01"

[[enums.values]]
value = "hexagonal"
name = "Hexagonal"
doc = "Newer than the document."
since = "2025-01-01"

[[models]]
name = "WidgetRequest"
doc = "Body."
since = "2023-01-01"

[[models.fields]]
name = "name"
type = "string"
required = true
doc = "Name."
min_length = 1
max_length = 32

[[models.fields]]
name = "size"
type = "int32"
doc = "Size."
minimum = 1

[[models.fields]]
name = "kind"
type = "WidgetKind"
doc = "Kind."

[[models]]
name = "Widget"
doc = "A widget."
since = "2023-01-01"

[[models.fields]]
name = "id"
type = "string"
required = true
read_only = true
doc = "Id."

[[models.fields]]
name = "createdAt"
type = "datetime"
required = true
doc = "When."

[[models.fields]]
name = "colour"
type = "string"
doc = "Not upstream."

[[models]]
name = "ErrorResponse"
doc = "Errors."
since = "2023-01-01"

[[models.fields]]
name = "error"
type = "Error"
required = true
doc = "The error."

[[models]]
name = "Error"
doc = "One error."
since = "2023-01-01"

[[models.fields]]
name = "code"
type = "string"
required = true
doc = "Code."
"#;

fn upstream() -> super::swagger::Upstream {
    let mut files = Files::default();
    files.insert(MAIN, swagger());
    files.insert("/spec/common/2022-07-13/common.json", common());
    from_files(files, std::path::Path::new(MAIN)).unwrap()
}

#[test]
fn every_kind_of_difference_is_one_line() {
    let upstream = upstream();
    assert_eq!(upstream.version, "2024-01-01");
    let ours = description::surface(DESCRIPTION, &upstream.version).unwrap();
    let lines = compare::differences(&upstream.surface, &ours);
    let expected = [
        "service media type text/plain: only upstream",
        "operation GET /widgets: only in api/identity.toml",
        "operation GET /widgets/{id}: only upstream (Widgets_Get)",
        "operation POST /widgets: operationId Widgets_Create vs Widgets_Make",
        "operation POST /widgets: body required true vs false",
        "operation POST /widgets: response 200 only in api/identity.toml",
        "operation POST /widgets: response 201 only upstream",
        "model Widget field colour: only in api/identity.toml",
        "model Widget field createdAt: required false vs true",
        "model Widget field tags: only upstream",
        "model WidgetRequest field name: maxLength 64 vs 32",
        "model WidgetRequest field size: type int64 vs int32",
        "enum WidgetKind: value \"oval\" only upstream",
        "enum WidgetKind: closed vs open",
    ];
    assert_eq!(lines, expected, "{lines:#?}");
}

#[test]
fn references_into_common_files_resolve_to_the_local_copy() {
    let upstream = upstream();
    let create = &upstream.surface.operations["POST /widgets"];
    assert_eq!(create.error_model.as_deref(), Some("ErrorResponse"));
    // Reached through the common file, including its own inner reference; the unreferenced
    // definition stays out.
    assert!(upstream.surface.models.contains_key("Error"));
    assert!(!upstream.surface.models.contains_key("Unused"));
    assert!(create.params["query api-version"].required);
}

#[test]
fn an_unresolvable_reference_is_an_error() {
    let mut files = Files::default();
    let mut document = swagger();
    document["definitions"]["Widget"]["properties"]["id"] =
        json!({ "$ref": "./missing.json#/definitions/Id" });
    files.insert(MAIN, document);
    files.insert("/spec/common/2022-07-13/common.json", common());
    let error = from_files(files, std::path::Path::new(MAIN)).unwrap_err();
    assert!(error.contains("missing.json"), "{error}");
}

#[test]
fn the_description_is_read_at_the_documents_version() {
    let stable = description::surface(DESCRIPTION, "2024-01-01").unwrap();
    assert!(!stable.operations.contains_key("GET /widgets/{id}"));
    assert!(!stable.enums["WidgetKind"].values.contains("hexagonal"));

    // The preview has its baseline's surface plus its own items.
    let preview = description::surface(DESCRIPTION, "2024-06-01-preview").unwrap();
    assert!(preview.operations.contains_key("GET /widgets/{id}"));
    assert!(preview.operations.contains_key("POST /widgets"));

    let older = description::surface(DESCRIPTION, "2023-01-01").unwrap();
    assert!(older.operations.contains_key("POST /widgets"));

    let unknown = description::surface(DESCRIPTION, "2099-01-01").unwrap_err();
    assert!(unknown.contains("not listed"), "{unknown}");
}

#[test]
fn the_allow_list_explains_matching_lines_for_its_versions() {
    let allow = AllowList::parse(
        r#"
[[allow]]
match = "model Widget field *: only *"
reason = "Widgets keep their own members."

[[allow]]
match = "enum WidgetKind: closed vs open"
reason = "Every enum of ours is open."
versions = ["2024-01-01"]

[[allow]]
match = "operation DELETE *"
reason = "Nothing deletes widgets."
"#,
    )
    .unwrap();
    let lines: Vec<String> = [
        "model Widget field colour: only in api/identity.toml",
        "model Widget field tags: only upstream",
        "enum WidgetKind: closed vs open",
        "model WidgetRequest field size: type int64 vs int32",
    ]
    .map(str::to_owned)
    .into();

    let outcome = allow.filter("2024-01-01", &lines);
    assert_eq!(outcome.explained.len(), 3);
    assert_eq!(outcome.explained[2].1, "Every enum of ours is open.");
    assert_eq!(
        outcome.unexplained,
        ["model WidgetRequest field size: type int64 vs int32"]
    );
    assert_eq!(outcome.unused, [2]);

    // For another version the scoped entry does not apply and is not reported unused.
    let other = allow.filter("2023-01-01", &lines);
    assert_eq!(other.unexplained.len(), 2);
    assert_eq!(other.unused, [2]);
}

#[test]
fn an_entry_needs_a_reason() {
    let missing = AllowList::parse("[[allow]]\nmatch = \"model X: only upstream\"\n").unwrap_err();
    assert!(missing.contains("reason"), "{missing}");

    let blank = AllowList::parse("[[allow]]\nmatch = \"model X*\"\nreason = \"  \"\n").unwrap_err();
    assert!(blank.contains("empty `reason`"), "{blank}");

    let misspelt =
        AllowList::parse("[[allow]]\nmatch = \"model X*\"\nreason = \"r\"\nreasno = \"\"\n")
            .unwrap_err();
    assert!(misspelt.contains("reasno"), "{misspelt}");

    assert!(AllowList::parse("").is_ok());
}

#[test]
fn patterns_match_whole_lines() {
    assert!(glob_matches(
        "model X: only upstream",
        "model X: only upstream"
    ));
    assert!(!glob_matches("model X", "model X: only upstream"));
    assert!(glob_matches("model X*", "model X: only upstream"));
    assert!(glob_matches("*only upstream", "model X: only upstream"));
    assert!(glob_matches(
        "operation * /a/*: only upstream (*)",
        "operation GET /a/b: only upstream (Op)"
    ));
    assert!(!glob_matches(
        "operation * /a/*: only upstream (*)",
        "operation GET /b: only upstream (Op)"
    ));
    assert!(!glob_matches("a*a", "a"));
    assert!(glob_matches("*", ""));
}

#[test]
fn the_task_fails_on_unexplained_differences_and_passes_once_they_are_explained() {
    let dir = std::env::temp_dir().join(format!("spec-diff-test-{}", std::process::id()));
    let spec_dir = dir.join("2024-01-01");
    let common_dir = dir.join("common").join("2022-07-13");
    std::fs::create_dir_all(&spec_dir).unwrap();
    std::fs::create_dir_all(&common_dir).unwrap();
    let document = spec_dir.join("Service.json");
    std::fs::write(&document, swagger().to_string()).unwrap();
    std::fs::write(common_dir.join("common.json"), common().to_string()).unwrap();
    let description = dir.join("identity.toml");
    std::fs::write(&description, DESCRIPTION).unwrap();

    let run = |allow: &str| {
        let allow_path = dir.join("allow.toml");
        std::fs::write(&allow_path, allow).unwrap();
        super::run(super::Args {
            path: document.clone(),
            allow: Some(allow_path),
            description: Some(description.clone()),
            verbose: true,
        })
    };
    let failed = run("").unwrap_err().to_string();
    assert!(failed.starts_with("14 unexplained differences"), "{failed}");
    assert!(run("[[allow]]\nmatch = \"*\"\nreason = \"test: everything\"\n").is_ok());
    assert!(run("[[allow]]\nmatch = \"*\"\n").is_err());

    std::fs::remove_dir_all(&dir).unwrap();
}
