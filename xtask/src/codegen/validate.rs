//! The rules a description must follow before code is emitted from it.
//!
//! `description.rs` only checks the shape of the TOML; this module checks meaning: every
//! `since` names a modelled API version, every type and model name resolves, path
//! parameters match their template, limits are ordered and fit their type, and every item
//! has doc text (the generated crate denies missing docs). All problems are collected, so one
//! run reports everything that needs fixing.

use std::collections::{BTreeMap, BTreeSet};

use super::description::{
    Description, Enum, Field, Model, Operation, TypeRef, VersionStatus, is_snake_case,
    is_type_name, is_version_string, placeholders,
};

/// Every rule violation in `description`, one message per problem.
pub(crate) fn problems(description: &Description) -> Vec<String> {
    let mut checker = Checker::new(description);
    checker.versions();
    checker.types();
    for enumeration in &description.enums {
        checker.enumeration(enumeration);
    }
    let mut limits = BTreeMap::new();
    for model in &description.models {
        checker.model(model, &mut limits);
    }
    let mut names = BTreeSet::new();
    for operation in &description.operations {
        checker.operation(operation, &mut names);
    }
    checker.problems
}

/// Limits of a field, compared between fields that share a constant prefix.
#[derive(Debug, PartialEq, Eq)]
struct Limits {
    minimum: Option<i64>,
    maximum: Option<i64>,
    default: Option<i64>,
    min_length: Option<i64>,
    max_length: Option<i64>,
    ty: TypeRef,
}

/// The lookups every rule needs, plus the problems found so far.
struct Checker<'a> {
    description: &'a Description,
    modelled: BTreeSet<&'a str>,
    type_names: BTreeSet<&'a str>,
    model_names: BTreeSet<&'a str>,
    problems: Vec<String>,
}

impl<'a> Checker<'a> {
    fn new(description: &'a Description) -> Self {
        let modelled = description
            .modelled_versions()
            .map(|version| version.version.as_str())
            .collect();
        let model_names = description.models.iter().map(|m| m.name.as_str()).collect();
        let type_names = description
            .enums
            .iter()
            .map(|e| e.name.as_str())
            .chain(description.models.iter().map(|m| m.name.as_str()))
            .collect();
        Self {
            description,
            modelled,
            type_names,
            model_names,
            problems: Vec::new(),
        }
    }

    fn report(&mut self, item: &str, message: impl Into<String>) {
        self.problems.push(format!("{item}: {}", message.into()));
    }

    fn require_doc(&mut self, item: &str, doc: &str) {
        if doc.trim().is_empty() {
            self.report(item, "needs doc text");
        }
    }

    fn require_since(&mut self, item: &str, since: &str) {
        if !self.modelled.contains(since) {
            self.report(item, format!("since {since} is not a modelled API version"));
        }
    }

    /// Checks that `preview` is set exactly when `since` names a preview version.
    fn require_preview_flag(&mut self, item: &str, since: &str, preview: bool) {
        match (self.description.is_preview_version(since), preview) {
            (true, false) => self.report(
                item,
                format!("since {since} is a preview version, so it needs preview = true"),
            ),
            (false, true) => self.report(
                item,
                format!("preview = true needs since to name a preview version, not {since}"),
            ),
            _ => {}
        }
    }

    /// Refuses a preview `since` on items the generator cannot put behind the feature.
    fn refuse_preview(&mut self, item: &str, since: &str) {
        if self.description.is_preview_version(since) {
            self.report(
                item,
                "only fields and operations can be preview-only; introduce the item in a \
                 stable version",
            );
        }
    }

    fn versions(&mut self) {
        let description = self.description;
        let mut seen = BTreeSet::new();
        let mut previous_stable: Option<&str> = None;
        for version in &description.api_versions {
            let item = format!("api version {}", version.version);
            if !is_version_string(&version.version) {
                self.report(&item, "must look like YYYY-MM-DD or YYYY-MM-DD-preview");
            }
            let is_preview_string = version.version.ends_with("-preview");
            if is_preview_string != (version.status == VersionStatus::Preview) {
                self.report(
                    &item,
                    "status preview goes with a `-preview` version string",
                );
            }
            match (&version.baseline, version.status) {
                (Some(baseline), VersionStatus::Preview) => {
                    let stable = description.modelled_versions().any(|listed| {
                        &listed.version == baseline && listed.status == VersionStatus::Stable
                    });
                    if !stable {
                        let message =
                            format!("baseline {baseline} is not a modelled stable version");
                        self.report(&item, message);
                    }
                }
                (None, VersionStatus::Preview) if version.modelled => {
                    self.report(&item, "a modelled preview version needs a baseline");
                }
                (Some(_), VersionStatus::Stable) => {
                    self.report(&item, "only preview versions have a baseline");
                }
                _ => {}
            }
            if !seen.insert(version.version.as_str()) {
                self.report(&item, "listed twice");
            }
            self.require_doc(&item, &version.doc);
            if version.modelled && version.status == VersionStatus::Stable {
                if previous_stable.is_some_and(|previous| previous >= version.version.as_str()) {
                    self.report(&item, "stable versions must be listed oldest first");
                }
                previous_stable = Some(&version.version);
            }
        }

        let service = &description.service;
        let default_is_stable = description.modelled_versions().any(|version| {
            version.version == service.default_api_version
                && version.status == VersionStatus::Stable
        });
        if !default_is_stable {
            let message = format!(
                "default_api_version {} is not a modelled stable version",
                service.default_api_version
            );
            self.report("service", message);
        }
    }

    fn types(&mut self) {
        let description = self.description;
        let service = &description.service;
        if !self.model_names.contains(service.error_model.as_str()) {
            let message = format!("error_model {} is not a model", service.error_model);
            self.report("service", message);
        }
        self.require_doc("service title", &service.title);
        self.require_doc("service", &service.doc);

        let mut seen = BTreeSet::new();
        let names = description.enums.iter().map(|e| &e.name);
        for name in names.chain(description.models.iter().map(|m| &m.name)) {
            let item = format!("type {name}");
            if !seen.insert(name.as_str()) {
                self.report(&item, "defined twice");
            }
            if !is_type_name(name) {
                self.report(&item, "must be an UpperCamelCase identifier");
            }
        }
    }

    fn enumeration(&mut self, enumeration: &Enum) {
        let item = format!("enum {}", enumeration.name);
        self.require_since(&item, &enumeration.since);
        self.refuse_preview(&item, &enumeration.since);
        self.require_doc(&item, &enumeration.doc);
        if enumeration.values.is_empty() {
            self.report(&item, "needs at least one value");
        }

        let mut wire = BTreeSet::new();
        let mut names = BTreeSet::new();
        for value in &enumeration.values {
            let item = format!("enum {} value {:?}", enumeration.name, value.value);
            self.require_since(&item, &value.since);
            self.refuse_preview(&item, &value.since);
            self.require_doc(&item, &value.doc);
            if value.since < enumeration.since {
                self.report(&item, "cannot be older than its enum");
            }
            if !wire.insert(value.value.as_str()) {
                self.report(&item, "listed twice");
            }
            // `Other` is the generated catch-all variant.
            if !names.insert(value.name.as_str()) || value.name == "Other" {
                self.report(&item, format!("variant name {} is taken", value.name));
            }
            if !is_type_name(&value.name) {
                self.report(&item, "variant name must be UpperCamelCase");
            }
        }
    }

    fn model(&mut self, model: &Model, limits: &mut BTreeMap<String, Limits>) {
        let item = format!("model {}", model.name);
        self.require_since(&item, &model.since);
        self.refuse_preview(&item, &model.since);
        self.require_doc(&item, &model.doc);

        let mut wire = BTreeSet::new();
        let mut rust = BTreeSet::new();
        for field in &model.fields {
            let item = format!("model {} field {}", model.name, field.name);
            self.require_doc(&item, &field.doc);
            if let Some(since) = &field.since {
                self.require_since(&item, since);
                if since < &model.since {
                    self.report(&item, "cannot be older than its model");
                }
            }
            let since = field.since.as_deref().unwrap_or(&model.since);
            self.require_preview_flag(&item, since, field.preview);
            if field.preview && field.required {
                self.report(&item, "a preview-only member must be optional");
            }
            for name in std::iter::once(&field.name).chain(&field.aliases) {
                if !wire.insert(name.as_str()) {
                    self.report(&item, format!("member name {name} is used twice"));
                }
            }
            let rust_name = field.rust_name();
            if syn::parse_str::<syn::Ident>(&rust_name).is_err() || !is_snake_case(&rust_name) {
                let message = format!("`{rust_name}` is not a snake_case Rust name; set rust_name");
                self.report(&item, message);
            }
            if !rust.insert(rust_name.clone()) {
                self.report(&item, format!("Rust name {rust_name} is used twice"));
            }
            match TypeRef::parse(&field.ty) {
                Ok(ty) => self.field_type(&item, field, ty, limits),
                Err(message) => self.report(&item, message),
            }
        }
    }

    fn field_type(
        &mut self,
        item: &str,
        field: &Field,
        ty: TypeRef,
        limits: &mut BTreeMap<String, Limits>,
    ) {
        let mut leaf = &ty;
        while let TypeRef::List(inner) = leaf {
            if **inner == TypeRef::DateTime {
                self.report(item, "lists of timestamps are not supported");
            }
            leaf = inner;
        }
        if let TypeRef::Named(name) = leaf
            && !self.type_names.contains(name.as_str())
        {
            self.report(item, format!("unknown type {name}"));
        }
        if field.secret && ty != TypeRef::String {
            self.report(item, "only string fields can be secret");
        }
        if !field.has_limits() && !field.has_length_limits() {
            return;
        }

        if field.has_limits() && !matches!(ty, TypeRef::Int32 | TypeRef::Int64) {
            self.report(item, "minimum, maximum and default need an integer type");
        }
        if field.has_length_limits() {
            if ty != TypeRef::String {
                self.report(item, "min_length and max_length need a string type");
            }
            if field.min_length.is_some_and(|length| length < 0)
                || field.max_length.is_some_and(|length| length < 1)
            {
                self.report(item, "lengths must be at least 0 (minimum) and 1 (maximum)");
            }
            if let (Some(low), Some(high)) = (field.min_length, field.max_length)
                && low > high
            {
                self.report(item, "needs min_length <= max_length");
            }
        }
        let bounds = [field.minimum, field.maximum, field.default];
        if ty == TypeRef::Int32 {
            for bound in bounds.into_iter().flatten() {
                if i32::try_from(bound).is_err() {
                    self.report(item, format!("{bound} does not fit in int32"));
                }
            }
        }
        let ordered = |low: Option<i64>, high: Option<i64>| match (low, high) {
            (Some(low), Some(high)) => low <= high,
            _ => true,
        };
        if !ordered(field.minimum, field.maximum)
            || !ordered(field.minimum, field.default)
            || !ordered(field.default, field.maximum)
        {
            self.report(item, "needs minimum <= default <= maximum");
        }

        // Fields sharing a prefix share constants, so their limits must agree.
        let prefix = field.constant_prefix();
        let entry = Limits {
            minimum: field.minimum,
            maximum: field.maximum,
            default: field.default,
            min_length: field.min_length,
            max_length: field.max_length,
            ty,
        };
        if limits
            .get(&prefix)
            .is_some_and(|existing| existing != &entry)
        {
            let message = format!(
                "limits differ from another field with the constant prefix {prefix}; set `constant`"
            );
            self.report(item, message);
        }
        limits.insert(prefix, entry);
    }

    fn operation(&mut self, operation: &'a Operation, names: &mut BTreeSet<&'a str>) {
        let item = format!("operation {}", operation.name);
        self.require_since(&item, &operation.since);
        self.require_preview_flag(&item, &operation.since, operation.preview);
        self.require_doc(&item, &operation.doc);
        if !names.insert(operation.name.as_str()) {
            self.report(&item, "defined twice");
        }
        if !is_snake_case(&operation.name) {
            self.report(&item, "name must be snake_case");
        }
        const METHODS: [&str; 6] = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"];
        if !METHODS.contains(&operation.method.as_str()) {
            self.report(&item, format!("unknown method {}", operation.method));
        }

        if !operation.path.starts_with('/') {
            self.report(&item, "path must start with /");
        }
        let in_path = placeholders(&operation.path);
        let declared: Vec<&str> = operation
            .path_params
            .iter()
            .map(|p| p.name.as_str())
            .collect();
        if in_path != declared {
            let message =
                format!("path_params {declared:?} do not match the path placeholders {in_path:?}");
            self.report(&item, message);
        }
        for param in &operation.path_params {
            self.require_doc(&format!("{item} path parameter {}", param.name), &param.doc);
        }

        if let Some(request) = &operation.request
            && !self.model_names.contains(request.model.as_str())
        {
            self.report(
                &item,
                format!("request model {} is not a model", request.model),
            );
        }
        self.responses(&item, operation);
        for version in operation.upstream_ids.keys() {
            if !self.modelled.contains(version.as_str()) {
                self.report(&item, format!("upstream id for unknown version {version}"));
            }
        }
    }

    fn responses(&mut self, item: &str, operation: &Operation) {
        if operation.responses.is_empty() {
            self.report(item, "needs at least one success response");
        }
        let models: BTreeSet<Option<&str>> = operation
            .responses
            .iter()
            .map(|r| r.model.as_deref())
            .collect();
        if models.len() > 1 {
            self.report(item, "all success responses must share one model");
        }
        let mut statuses = BTreeSet::new();
        for response in &operation.responses {
            if !(200..300).contains(&response.status) || !statuses.insert(response.status) {
                let message = format!("status {} must be a distinct 2xx code", response.status);
                self.report(item, message);
            }
            if let Some(model) = &response.model
                && !self.model_names.contains(model.as_str())
            {
                self.report(item, format!("response model {model} is not a model"));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A minimal valid description with `extra` appended.
    fn description(extra: &str) -> String {
        format!(
            r#"
            [service]
            title = "t"
            doc = "d"
            api_version_parameter = "api-version"
            default_api_version = "2021-03-07"
            content_type = "application/json"
            error_model = "Thing"

            [[api_versions]]
            version = "2021-03-07"
            status = "stable"
            doc = "v"

            [[models]]
            name = "Thing"
            doc = "d"
            since = "2021-03-07"
            {extra}
            "#
        )
    }

    fn problems_of(text: &str) -> String {
        Description::parse(text).err().unwrap_or_default()
    }

    #[test]
    fn minimal_description_is_valid() {
        assert_eq!(problems_of(&description("")), "");
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let text = description(
            r#"
            [[models.fields]]
            name = "count"
            type = "string"
            minimum = 1
            doc = "d"

            [[models.fields]]
            name = "when"
            type = "Missing"
            doc = ""
            since = "2020-01-01"

            [[operations]]
            name = "get_thing"
            doc = "d"
            method = "FETCH"
            path = "/things/{id}"
            since = "2021-03-07"
            responses = [{ status = 404, model = "Thing" }]
            "#,
        );
        let problems = problems_of(&text);
        for expected in [
            "need an integer type",
            "unknown type Missing",
            "field when: needs doc text",
            "since 2020-01-01 is not a modelled API version",
            "unknown method FETCH",
            "do not match the path placeholders",
            "status 404 must be a distinct 2xx code",
        ] {
            assert!(
                problems.contains(expected),
                "missing {expected:?} in:\n{problems}"
            );
        }
    }

    #[test]
    fn conflicting_limits_on_a_shared_constant_are_rejected() {
        let text = description(
            r#"
            [[models.fields]]
            name = "size"
            type = "int32"
            minimum = 1
            doc = "d"

            [[models]]
            name = "Other"
            doc = "d"
            since = "2021-03-07"

            [[models.fields]]
            name = "size"
            type = "int32"
            minimum = 2
            doc = "d"
            "#,
        );
        assert!(problems_of(&text).contains("constant prefix SIZE"));
    }

    #[test]
    fn preview_items_need_the_flag_a_baseline_and_to_be_optional() {
        let preview_version = r#"
            [[api_versions]]
            version = "2021-05-05-preview"
            status = "preview"
            doc = "p"
            "#;
        let text = description(
            r#"
            [[models.fields]]
            name = "flagless"
            type = "string"
            doc = "d"
            since = "2021-05-05-preview"

            [[models.fields]]
            name = "required"
            type = "string"
            required = true
            preview = true
            doc = "d"
            since = "2021-05-05-preview"

            [[models.fields]]
            name = "stableFlagged"
            type = "string"
            preview = true
            min_length = 3
            max_length = 2
            doc = "d"
            "#,
        )
        .replacen("[[models]]", &format!("{preview_version}\n[[models]]"), 1);
        let problems = problems_of(&text);
        for expected in [
            "a modelled preview version needs a baseline",
            "field flagless: since 2021-05-05-preview is a preview version, so it needs preview = true",
            "field required: a preview-only member must be optional",
            "field stableFlagged: preview = true needs since to name a preview version",
            "needs min_length <= max_length",
        ] {
            assert!(
                problems.contains(expected),
                "missing {expected:?} in:\n{problems}"
            );
        }
    }

    #[test]
    fn length_limits_need_a_string() {
        let text = description(
            r#"
            [[models.fields]]
            name = "count"
            type = "int32"
            max_length = 5
            doc = "d"
            "#,
        );
        assert!(problems_of(&text).contains("min_length and max_length need a string type"));
    }

    #[test]
    fn unknown_default_version_is_rejected() {
        let text = description("").replace(
            r#"default_api_version = "2021-03-07""#,
            r#"default_api_version = "2030-01-01""#,
        );
        assert!(problems_of(&text).contains("default_api_version 2030-01-01"));
    }
}
