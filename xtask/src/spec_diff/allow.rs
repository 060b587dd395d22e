//! The allow-list: differences the project knows about and keeps on purpose.
//!
//! `api/spec-diff-allow.toml` holds `[[allow]]` entries. `match` is a pattern for a whole
//! difference line, where `*` stands for any run of characters (and nothing else is
//! special); `reason` says why the difference is fine and is required; `versions`
//! (optional) limits the entry to documents of those `info.version`s. Unknown keys are
//! errors, so a misspelt `reason` cannot pass as an entry without one.

use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    allow: Vec<Entry>,
}

/// One explained difference (or family of them).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Entry {
    /// Pattern for the whole line; `*` matches any characters.
    #[serde(rename = "match")]
    pub(crate) pattern: String,
    /// Why the difference is acceptable.
    pub(crate) reason: String,
    /// The document versions the entry applies to; all when absent.
    pub(crate) versions: Option<Vec<String>>,
}

/// The parsed allow-list.
#[derive(Debug)]
pub(crate) struct AllowList {
    entries: Vec<Entry>,
}

/// What the allow-list made of a list of differences.
#[derive(Debug, Default)]
pub(crate) struct Outcome {
    /// Lines an entry explains, with the entry's reason.
    pub(crate) explained: Vec<(String, String)>,
    /// Lines nothing explains.
    pub(crate) unexplained: Vec<String>,
    /// Indexes of entries that apply to the version but matched no line.
    pub(crate) unused: Vec<usize>,
}

impl AllowList {
    /// Parses the allow-list text.
    ///
    /// # Errors
    ///
    /// Invalid TOML, unknown keys, or an entry without a non-blank `match` and `reason`.
    pub(crate) fn parse(text: &str) -> Result<Self, String> {
        let file: File = toml::from_str(text).map_err(|error| error.to_string())?;
        for (index, entry) in file.allow.iter().enumerate() {
            if entry.pattern.trim().is_empty() {
                return Err(format!("entry {} has an empty `match`", index + 1));
            }
            if entry.reason.trim().is_empty() {
                return Err(format!(
                    "entry {} (`{}`) has an empty `reason`",
                    index + 1,
                    entry.pattern
                ));
            }
        }
        Ok(Self {
            entries: file.allow,
        })
    }

    /// Sorts `lines` of a document at `version` into explained and unexplained.
    pub(crate) fn filter(&self, version: &str, lines: &[String]) -> Outcome {
        let applies: Vec<(usize, &Entry)> = self
            .entries
            .iter()
            .enumerate()
            .filter(|(_, entry)| {
                entry
                    .versions
                    .as_ref()
                    .is_none_or(|versions| versions.iter().any(|listed| listed == version))
            })
            .collect();
        let mut used = vec![false; self.entries.len()];
        let mut outcome = Outcome::default();
        for line in lines {
            match applies
                .iter()
                .find(|(_, entry)| glob_matches(&entry.pattern, line))
            {
                Some((index, entry)) => {
                    used[*index] = true;
                    outcome
                        .explained
                        .push((line.clone(), one_line(&entry.reason)));
                }
                None => outcome.unexplained.push(line.clone()),
            }
        }
        outcome.unused = applies
            .iter()
            .map(|(index, _)| *index)
            .filter(|index| !used[*index])
            .collect();
        outcome
    }
}

/// `text` with every run of whitespace (line breaks included) made one space.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Whether `text` matches `pattern` as a whole, `*` matching any run of characters.
pub(crate) fn glob_matches(pattern: &str, text: &str) -> bool {
    let mut parts = pattern.split('*');
    let first = parts.next().unwrap_or_default();
    let Some(mut rest) = text.strip_prefix(first) else {
        return false;
    };
    let parts: Vec<&str> = parts.collect();
    let Some((last, middle)) = parts.split_last() else {
        // No `*`: the pattern is the whole line.
        return rest.is_empty();
    };
    for part in middle {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}
