//! Lists the differences between the upstream surface and the description's, one line
//! each, upstream value first (`model X field y: type string vs int32`).
//!
//! Lines are stable text so that allow-list patterns can match them: they name the item
//! (`operation POST /identities`, `model X`, `model X field y`, `enum X`) and then what
//! differs; `service media type X` lines compare `consumes`/`produces` with the
//! description's content type. Items only one side has get one line (`only upstream` / `only in
//! api/identity.toml`) and their details are not compared further.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Display;

use super::{Field, Model, Operation, Surface};

/// Every difference between `upstream` and `ours`, sorted by item.
pub(crate) fn differences(upstream: &Surface, ours: &Surface) -> Vec<String> {
    let mut out = Vec::new();
    for media_type in upstream.media_types.difference(&ours.media_types) {
        out.push(format!("service media type {media_type}: only upstream"));
    }
    for media_type in ours.media_types.difference(&upstream.media_types) {
        out.push(format!(
            "service media type {media_type}: only in api/identity.toml"
        ));
    }
    each(
        &upstream.operations,
        &ours.operations,
        |key, theirs, mine| {
            let item = format!("operation {key}");
            match (theirs, mine) {
                (Some(theirs), None) => out.push(format!(
                    "{item}: only upstream ({})",
                    theirs.id.as_deref().unwrap_or("no operationId")
                )),
                (None, Some(_)) => out.push(format!("{item}: only in api/identity.toml")),
                (Some(theirs), Some(mine)) => operation(&item, theirs, mine, &mut out),
                (None, None) => {}
            }
        },
    );
    each(&upstream.models, &ours.models, |name, theirs, mine| {
        let item = format!("model {name}");
        match (theirs, mine) {
            (Some(_), None) => match ours.enums.contains_key(name) {
                true => out.push(format!(
                    "{item}: an object upstream, an enum in api/identity.toml"
                )),
                false => out.push(format!("{item}: only upstream")),
            },
            (None, Some(_)) => {
                if !upstream.enums.contains_key(name) {
                    out.push(format!("{item}: only in api/identity.toml"));
                }
            }
            (Some(theirs), Some(mine)) => model(&item, theirs, mine, &mut out),
            (None, None) => {}
        }
    });
    each(&upstream.enums, &ours.enums, |name, theirs, mine| {
        let item = format!("enum {name}");
        match (theirs, mine) {
            (Some(_), None) => match ours.models.contains_key(name) {
                true => out.push(format!(
                    "{item}: an enum upstream, an object in api/identity.toml"
                )),
                false => out.push(format!("{item}: only upstream")),
            },
            (None, Some(_)) => {
                if !upstream.models.contains_key(name) {
                    out.push(format!("{item}: only in api/identity.toml"));
                }
            }
            (Some(theirs), Some(mine)) => {
                for value in theirs.values.difference(&mine.values) {
                    out.push(format!("{item}: value \"{value}\" only upstream"));
                }
                for value in mine.values.difference(&theirs.values) {
                    out.push(format!(
                        "{item}: value \"{value}\" only in api/identity.toml"
                    ));
                }
                if theirs.open != mine.open {
                    out.push(format!(
                        "{item}: {} vs {}",
                        openness(theirs.open),
                        openness(mine.open)
                    ));
                }
            }
            (None, None) => {}
        }
    });
    out
}

fn openness(open: bool) -> &'static str {
    if open { "open" } else { "closed" }
}

/// Calls `visit` for every key of either map, in order.
fn each<'a, T>(
    theirs: &'a BTreeMap<String, T>,
    mine: &'a BTreeMap<String, T>,
    mut visit: impl FnMut(&str, Option<&'a T>, Option<&'a T>),
) {
    let keys: BTreeSet<&String> = theirs.keys().chain(mine.keys()).collect();
    for key in keys {
        visit(key, theirs.get(key), mine.get(key));
    }
}

fn differ<T: PartialEq + Display>(
    out: &mut Vec<String>,
    item: &str,
    what: &str,
    theirs: &Option<T>,
    mine: &Option<T>,
) {
    if theirs != mine {
        out.push(format!(
            "{item}: {what} {} vs {}",
            shown(theirs.as_ref()),
            shown(mine.as_ref())
        ));
    }
}

fn shown<T: Display>(value: Option<&T>) -> String {
    value.map_or_else(|| "none".to_owned(), ToString::to_string)
}

fn operation(item: &str, theirs: &Operation, mine: &Operation, out: &mut Vec<String>) {
    if mine.id.is_some() {
        differ(out, item, "operationId", &theirs.id, &mine.id);
    } else if let Some(id) = &theirs.id {
        out.push(format!(
            "{item}: operationId {id} not recorded in upstream_ids"
        ));
    }

    each(&theirs.params, &mine.params, |key, upstream, ours| {
        let what = format!("parameter {key}");
        match (upstream, ours) {
            (Some(_), None) => out.push(format!("{item}: {what} only upstream")),
            (None, Some(_)) => out.push(format!("{item}: {what} only in api/identity.toml")),
            (Some(upstream), Some(ours)) => {
                differ(
                    out,
                    item,
                    &format!("{what} required"),
                    &Some(upstream.required),
                    &Some(ours.required),
                );
                differ(
                    out,
                    item,
                    &format!("{what} type"),
                    &Some(&upstream.ty),
                    &Some(&ours.ty),
                );
            }
            (None, None) => {}
        }
    });

    match (&theirs.body, &mine.body) {
        (Some(upstream), None) => {
            out.push(format!("{item}: body {} only upstream", upstream.model));
        }
        (None, Some(ours)) => {
            out.push(format!(
                "{item}: body {} only in api/identity.toml",
                ours.model
            ));
        }
        (Some(upstream), Some(ours)) => {
            differ(
                out,
                item,
                "body model",
                &Some(&upstream.model),
                &Some(&ours.model),
            );
            differ(
                out,
                item,
                "body required",
                &Some(upstream.required),
                &Some(ours.required),
            );
        }
        (None, None) => {}
    }

    each(
        &theirs.responses,
        &mine.responses,
        |status, upstream, ours| {
            let what = format!("response {status}");
            match (upstream, ours) {
                (Some(_), None) => out.push(format!("{item}: {what} only upstream")),
                (None, Some(_)) => out.push(format!("{item}: {what} only in api/identity.toml")),
                (Some(upstream), Some(ours)) => {
                    differ(out, item, &format!("{what} model"), upstream, ours);
                }
                (None, None) => {}
            }
        },
    );
    differ(
        out,
        item,
        "error model",
        &theirs.error_model,
        &mine.error_model,
    );
}

fn model(item: &str, theirs: &Model, mine: &Model, out: &mut Vec<String>) {
    differ(
        out,
        item,
        "additionalProperties",
        &Some(theirs.additional_properties),
        &Some(mine.additional_properties),
    );
    each(&theirs.fields, &mine.fields, |name, upstream, ours| {
        let item = format!("{item} field {name}");
        match (upstream, ours) {
            (Some(_), None) => out.push(format!("{item}: only upstream")),
            (None, Some(_)) => out.push(format!("{item}: only in api/identity.toml")),
            (Some(upstream), Some(ours)) => field(&item, upstream, ours, out),
            (None, None) => {}
        }
    });
}

fn field(item: &str, theirs: &Field, mine: &Field, out: &mut Vec<String>) {
    differ(out, item, "type", &Some(&theirs.ty), &Some(&mine.ty));
    differ(
        out,
        item,
        "required",
        &Some(theirs.required),
        &Some(mine.required),
    );
    differ(
        out,
        item,
        "readOnly",
        &Some(theirs.read_only),
        &Some(mine.read_only),
    );
    differ(out, item, "minimum", &theirs.minimum, &mine.minimum);
    differ(out, item, "maximum", &theirs.maximum, &mine.maximum);
    differ(out, item, "minLength", &theirs.min_length, &mine.min_length);
    differ(out, item, "maxLength", &theirs.max_length, &mine.max_length);
    differ(out, item, "default", &theirs.default, &mine.default);
}
