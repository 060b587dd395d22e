//! The `spec-diff` task: compares an upstream OpenAPI (Swagger 2.0) document with the
//! project's API description and reports every difference.
//!
//! `cargo xtask spec-diff PATH` reads the document at `PATH` (`spec_diff/swagger.rs`, which
//! resolves `$ref`s inside it and into sibling `common.json` files), reads
//! `api/identity.toml` as it stands at the document's `info.version`
//! (`spec_diff/description.rs`), and brings both to one neutral [`Surface`]: operations by
//! method and path with their parameters, bodies and responses; models with their fields,
//! types, required and read-only flags and bounds; enums with their values and openness.
//! `spec_diff/compare.rs` lists every difference as one line, upstream first. The lines
//! that an entry of `api/spec-diff-allow.toml` explains (`spec_diff/allow.rs`) are set
//! aside with their reason; whatever remains is printed and fails the task. The upstream
//! documents stay outside the repository: this task only reads them.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use crate::TaskResult;

mod allow;
mod compare;
mod description;
mod swagger;
#[cfg(test)]
mod tests;

/// The API description, relative to the workspace root.
const DESCRIPTION: &str = "api/identity.toml";

/// The allow-list, relative to the workspace root.
const ALLOW_LIST: &str = "api/spec-diff-allow.toml";

/// Arguments of the `spec-diff` task.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The upstream Swagger 2.0 document, e.g. `.../2026-09-23/CommunicationIdentity.json`.
    path: PathBuf,
    /// The allow-list to apply instead of `api/spec-diff-allow.toml`.
    #[arg(long)]
    allow: Option<PathBuf>,
    /// The API description to compare instead of `api/identity.toml`.
    #[arg(long)]
    description: Option<PathBuf>,
    /// Print the reason under each explained difference.
    #[arg(long, short)]
    verbose: bool,
}

/// One side of the comparison, in terms both sides share.
#[derive(Debug, Default)]
pub(crate) struct Surface {
    /// Media types of request and response bodies (`consumes` and `produces`).
    pub(crate) media_types: BTreeSet<String>,
    /// Operations keyed by `METHOD /path`.
    pub(crate) operations: BTreeMap<String, Operation>,
    /// Object models by name.
    pub(crate) models: BTreeMap<String, Model>,
    /// String enums by name.
    pub(crate) enums: BTreeMap<String, Enum>,
}

/// One REST operation.
#[derive(Debug, Default)]
pub(crate) struct Operation {
    /// The upstream operation id (for the description: the one it records for the version).
    pub(crate) id: Option<String>,
    /// Path, query and header parameters keyed by `<location> <name>`.
    pub(crate) params: BTreeMap<String, Param>,
    /// The JSON body, if any.
    pub(crate) body: Option<Body>,
    /// Success statuses and the model of each.
    pub(crate) responses: BTreeMap<String, Option<String>>,
    /// The model of error responses.
    pub(crate) error_model: Option<String>,
}

/// A non-body parameter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Param {
    /// Whether the parameter must be sent.
    pub(crate) required: bool,
    /// Its type.
    pub(crate) ty: String,
}

/// A request body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Body {
    /// Its model (or type).
    pub(crate) model: String,
    /// Whether it must be sent.
    pub(crate) required: bool,
}

/// A JSON object model.
#[derive(Debug, Default)]
pub(crate) struct Model {
    /// Members by JSON name.
    pub(crate) fields: BTreeMap<String, Field>,
    /// Whether members beyond `fields` are accepted.
    pub(crate) additional_properties: bool,
}

/// One member of a model.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Field {
    /// Type in the description's notation: `string`, `int32`, `datetime`, `list<T>`, a name.
    pub(crate) ty: String,
    /// Always present.
    pub(crate) required: bool,
    /// Set by the service only.
    pub(crate) read_only: bool,
    /// Smallest integer value.
    pub(crate) minimum: Option<i64>,
    /// Largest integer value.
    pub(crate) maximum: Option<i64>,
    /// Fewest characters.
    pub(crate) min_length: Option<i64>,
    /// Most characters.
    pub(crate) max_length: Option<i64>,
    /// Integer default.
    pub(crate) default: Option<i64>,
}

/// A string enum.
#[derive(Debug, Default)]
pub(crate) struct Enum {
    /// The wire values.
    pub(crate) values: BTreeSet<String>,
    /// Whether unknown values are allowed.
    pub(crate) open: bool,
}

/// Runs the task.
///
/// # Errors
///
/// Fails when a file cannot be read or parsed, when the allow-list is invalid, or when a
/// difference remains that no allow-list entry explains.
pub(crate) fn run(args: Args) -> TaskResult {
    let root = crate::workspace_root();
    let upstream = swagger::load(&args.path)?;
    let description_path = args.description.unwrap_or_else(|| root.join(DESCRIPTION));
    let description_text = std::fs::read_to_string(&description_path)
        .map_err(|error| format!("cannot read {}: {error}", description_path.display()))?;
    let ours = description::surface(&description_text, &upstream.version)?;
    let allow_path = args.allow.unwrap_or_else(|| root.join(ALLOW_LIST));
    let allow_text = std::fs::read_to_string(&allow_path)
        .map_err(|error| format!("cannot read {}: {error}", allow_path.display()))?;
    let allow_list = allow::AllowList::parse(&allow_text)
        .map_err(|error| format!("{} is invalid: {error}", allow_path.display()))?;

    let differences = compare::differences(&upstream.surface, &ours);
    let outcome = allow_list.filter(&upstream.version, &differences);

    println!(
        "spec-diff {} (api-version {}) vs {}: {} differences, {} explained by {}",
        args.path.display(),
        upstream.version,
        description_path.display(),
        differences.len(),
        outcome.explained.len(),
        allow_path.display()
    );
    for (line, reason) in &outcome.explained {
        println!("explained: {line}");
        if args.verbose {
            println!("    because {reason}");
        }
    }
    for index in &outcome.unused {
        println!(
            "  note: allow-list entry {} matched nothing for this version",
            index + 1
        );
    }
    if outcome.unexplained.is_empty() {
        println!("no unexplained differences");
        return Ok(());
    }
    println!("unexplained differences:");
    for line in &outcome.unexplained {
        println!("{line}");
    }
    Err(format!(
        "{} unexplained differences between {} and {}; fix the description or add an entry \
         with a reason to {ALLOW_LIST}",
        outcome.unexplained.len(),
        args.path.display(),
        description_path.display()
    )
    .into())
}
