//! What `acs-identity` prints: a [`Record`] of named fields, rendered as one JSON object or
//! as a two-column table, and the [`Redactor`] that every line passes through before it
//! reaches stdout or stderr.
//!
//! Field names are part of the tool's interface (scripts read them), so they are fixed
//! camelCase names and appear in the order the command adds them. Access tokens enter a
//! record only through [`Record::token`], which hides them unless the user asked for them.
//! The redactor is a second line of defence for the secrets the user *gave* the tool (the
//! access key, the connection string, Entra tokens): whatever text an error carries, those
//! never appear in it.

use std::fmt::Write as _;

use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::args::OutputFormat;

/// The fields of one result, in print order.
#[derive(Debug, Default)]
pub(crate) struct Record {
    fields: Vec<(&'static str, Value)>,
}

impl Record {
    /// Adds a field.
    pub(crate) fn field(mut self, name: &'static str, value: impl Into<Value>) -> Self {
        self.fields.push((name, value.into()));
        self
    }

    /// Adds `token`: the token itself with `show`, otherwise `<hidden: N chars>`.
    pub(crate) fn token(self, token: &str, show: bool) -> Self {
        let value = if show {
            token.to_owned()
        } else {
            format!("<hidden: {} chars>", token.chars().count())
        };
        self.field("token", value)
    }

    /// Adds `expiresOn` as RFC 3339.
    pub(crate) fn expires_on(self, expires_on: OffsetDateTime) -> Self {
        // Formatting an in-range OffsetDateTime as RFC 3339 fails only for years outside
        // 0..=9999 or sub-minute offsets; fall back to time's own display then.
        let text = expires_on
            .format(&Rfc3339)
            .unwrap_or_else(|_| expires_on.to_string());
        self.field("expiresOn", text)
    }

    /// The record in `format`, ending with a newline.
    pub(crate) fn render(&self, format: OutputFormat) -> String {
        match format {
            OutputFormat::Json => {
                // serde_json keeps keys sorted without `preserve_order`; write the
                // object by hand so the order is the record's.
                let mut text = String::from("{");
                for (index, (name, value)) in self.fields.iter().enumerate() {
                    if index > 0 {
                        text.push(',');
                    }
                    let _ = write!(text, "{}:{}", Value::from(*name), value);
                }
                text.push_str("}\n");
                text
            }
            OutputFormat::Table => {
                let width = self
                    .fields
                    .iter()
                    .map(|(name, _)| name.len())
                    .max()
                    .unwrap_or(0)
                    .max("FIELD".len());
                let mut text = format!("{:width$}  VALUE\n", "FIELD");
                for (name, value) in &self.fields {
                    let _ = writeln!(text, "{name:width$}  {}", table_cell(value));
                }
                text
            }
        }
    }
}

fn table_cell(value: &Value) -> String {
    match value {
        Value::Null => "-".to_owned(),
        Value::String(text) => text.clone(),
        Value::Array(items) if items.is_empty() => "-".to_owned(),
        Value::Array(items) => items.iter().map(table_cell).collect::<Vec<_>>().join(", "),
        other => other.to_string(),
    }
}

/// Replaces the secrets the user handed the tool with `***` in any text.
#[derive(Debug, Default)]
pub(crate) struct Redactor {
    secrets: Vec<String>,
}

impl Redactor {
    /// A redactor for the secrets found in the command line and the environment: every
    /// connection string's access key (and the connection string itself) and the values
    /// of the token flags.
    pub(crate) fn from_invocation(args: &[String], environment: &[(String, String)]) -> Self {
        let mut redactor = Self::default();
        let mut previous_is_secret_flag = false;
        for arg in args {
            if previous_is_secret_flag {
                redactor.add(arg);
            }
            previous_is_secret_flag = SECRET_FLAGS.contains(&arg.as_str());
            if let Some((flag, value)) = arg.split_once('=')
                && SECRET_FLAGS.contains(&flag)
            {
                redactor.add(value);
            }
            redactor.add_access_keys(arg);
        }
        for (name, value) in environment {
            if SECRET_ENV.contains(&name.as_str()) {
                redactor.add(value);
                redactor.add_access_keys(value);
            }
        }
        // Longest first, so a connection string is replaced whole rather than around its key.
        redactor
            .secrets
            .sort_by_key(|secret| std::cmp::Reverse(secret.len()));
        redactor
    }

    fn add(&mut self, secret: &str) {
        let secret = secret.trim();
        // Very short values would blank out ordinary words; they are no real keys anyway.
        if secret.len() >= 4 && !self.secrets.iter().any(|known| known == secret) {
            self.secrets.push(secret.to_owned());
        }
    }

    /// Adds the value of every `accesskey=` setting in `text`.
    fn add_access_keys(&mut self, text: &str) {
        for segment in text.split(';') {
            if let Some((name, value)) = segment.split_once('=')
                && name.trim().to_ascii_lowercase().ends_with("accesskey")
            {
                self.add(value);
            }
        }
    }

    /// `text` with every known secret replaced by `***`.
    pub(crate) fn redact(&self, text: &str) -> String {
        let mut text = text.to_owned();
        for secret in &self.secrets {
            if text.contains(secret.as_str()) {
                text = text.replace(secret.as_str(), "***");
            }
        }
        text
    }
}

/// Flags whose value is a secret.
const SECRET_FLAGS: [&str; 3] = ["--connection-string", "--aad-token", "--entra-token"];

/// Environment variables whose value is a secret.
const SECRET_ENV: [&str; 3] = [
    crate::args::CONNECTION_STRING_ENV,
    "ACS_TEAMS_USER_AAD_TOKEN",
    "ACS_TEAMS_EXTENSION_ENTRA_TOKEN",
];

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Record {
        Record::default()
            .field("user", "8:acs:x")
            .token("abcdefgh", false)
            .field("clientIds", vec!["a".to_owned(), "b".to_owned()])
            .field("created", true)
    }

    #[test]
    fn json_keeps_the_field_order_and_hides_the_token() {
        assert_eq!(
            sample().render(OutputFormat::Json),
            "{\"user\":\"8:acs:x\",\"token\":\"<hidden: 8 chars>\",\"clientIds\":[\"a\",\"b\"],\"created\":true}\n"
        );
    }

    #[test]
    fn tables_align_the_values() {
        let text = sample().render(OutputFormat::Table);
        assert_eq!(
            text,
            "FIELD      VALUE\nuser       8:acs:x\ntoken      <hidden: 8 chars>\nclientIds  a, b\ncreated    true\n"
        );
    }

    #[test]
    fn shown_tokens_are_verbatim() {
        let text = Record::default()
            .token("abc.def", true)
            .render(OutputFormat::Json);
        assert_eq!(text, "{\"token\":\"abc.def\"}\n");
    }

    #[test]
    fn the_redactor_finds_keys_in_flags_and_the_environment() {
        let args = [
            "acs-identity".to_owned(),
            "--connection-string".to_owned(),
            "endpoint=http://h/;AccessKey=c2VjcmV0a2V5".to_owned(),
            "--aad-token=eyJhbGciOi.payload".to_owned(),
        ];
        let environment = [(
            crate::args::CONNECTION_STRING_ENV.to_owned(),
            "endpoint=http://e/;accesskey=ZW52a2V5a2V5".to_owned(),
        )];
        let redactor = Redactor::from_invocation(&args, &environment);
        let text = redactor.redact(
            "c2VjcmV0a2V5 / ZW52a2V5a2V5 / eyJhbGciOi.payload / endpoint=http://e/;accesskey=ZW52a2V5a2V5",
        );
        assert_eq!(text, "*** / *** / *** / ***");
    }
}
