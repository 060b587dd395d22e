//! The state file: what an emulator writes so that a restart loses nothing.
//!
//! With [`EmulatorBuilder::state_file`](crate::EmulatorBuilder::state_file) (or `--state`)
//! the emulator loads the file at start and rewrites it after every change of state. The
//! file is JSON and holds the identities (with their custom ids, revocation marks and the
//! time of their last token), the Teams Extension assignments, the next token number, and
//! the secrets that make earlier answers still hold after a restart: the resource id (user
//! ids embed it), the access key (clients keep signing with it), and the secrets that sign
//! access tokens and test Entra tokens (so tokens issued before the restart still verify).
//! Because of those secrets the file is created readable by its owner only (on Unix).
//!
//! Writes are atomic: the new content goes to a temporary file in the same directory,
//! which is flushed to disk and then renamed over the old one, so a reader (or a crash)
//! sees the old file or the new one, never half of one. [`State`](crate::state) calls
//! [`save`] with its lock held, so writes happen in the order of the changes.

use std::fs;
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::error::Error;
use crate::random;
use crate::state::{State, Store};

/// The `format` written, and the only one read.
const FORMAT: u32 = 1;

/// The whole state file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct StateFile {
    /// Always [`FORMAT`].
    pub(crate) format: u32,
    pub(crate) resource_id: String,
    /// The base64 access key, as configured.
    pub(crate) access_key: String,
    /// base64 of the access-token signing secret.
    pub(crate) token_signing_key: String,
    /// base64 of the test Entra token signing secret.
    pub(crate) entra_signing_key: String,
    /// The issue-order number of the next token.
    pub(crate) next_sequence: u64,
    #[serde(default)]
    pub(crate) identities: Vec<StoredIdentity>,
    #[serde(default)]
    pub(crate) assignments: Vec<StoredAssignment>,
}

/// One identity in the state file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct StoredIdentity {
    pub(crate) id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) custom_id: Option<String>,
    /// Tokens with a lower issue-order number are revoked.
    #[serde(default)]
    pub(crate) revoked_below: u64,
    /// Unix seconds of the last token issued.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) last_token_issued_at: Option<i64>,
}

/// One Teams Extension assignment in the state file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct StoredAssignment {
    pub(crate) tenant_id: String,
    pub(crate) object_id: String,
    pub(crate) principal_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) client_ids: Option<Vec<String>>,
}

/// The error of a state file that cannot be used, naming the file.
fn problem(path: &Path, problem: impl Into<String>) -> Error {
    Error::StateFile {
        path: path.to_path_buf(),
        problem: problem.into(),
    }
}

/// Reads the state file; `Ok(None)` when it does not exist yet.
///
/// # Errors
///
/// [`Error::StateFile`] when the file cannot be read or is not a state file of this
/// format. The message gives the line and column of a syntax error, never the content
/// (which holds secrets).
pub(crate) fn load(path: &Path) -> Result<Option<StateFile>, Error> {
    let bytes = match fs::read(path) {
        Ok(bytes) => bytes,
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(error) => return Err(problem(path, format!("cannot be read: {error}"))),
    };
    let file: StateFile = serde_json::from_slice(&bytes).map_err(|error| {
        problem(
            path,
            format!(
                "is not a valid state file ({:?} error at line {}, column {})",
                error.classify(),
                error.line(),
                error.column()
            ),
        )
    })?;
    if file.format != FORMAT {
        return Err(problem(
            path,
            format!(
                "has format {}; this emulator reads format {FORMAT}",
                file.format
            ),
        ));
    }
    Ok(Some(file))
}

/// The settings and secrets to start with: those configured, else those of the state file,
/// else fresh random ones.
pub(crate) struct Restored {
    path: Option<PathBuf>,
    file: Option<StateFile>,
    /// The configured access key, else the file's.
    pub(crate) access_key: Option<String>,
    /// The configured resource id, else the file's.
    pub(crate) resource_id: Option<String>,
    /// The access-token signing secret.
    pub(crate) token_key: Zeroizing<Vec<u8>>,
    /// The test Entra token signing secret.
    pub(crate) entra_key: Zeroizing<Vec<u8>>,
}

/// Loads the state file at `path` (when given) and settles the start settings. A
/// configured access key wins over the file's (and is saved); a configured resource id
/// must equal the file's, since the stored user ids embed it.
///
/// # Errors
///
/// As [`load`], and [`Error::StateFile`] for a resource id other than the file's or
/// signing secrets that are not base64.
pub(crate) fn restore(
    path: Option<&Path>,
    access_key: Option<String>,
    resource_id: Option<String>,
) -> Result<Restored, Error> {
    let file = path.map(load).transpose()?.flatten();
    let fresh = || Zeroizing::new(random::bytes(32));
    let Some((path, file)) = path.zip(file) else {
        return Ok(Restored {
            path: path.map(Path::to_path_buf),
            file: None,
            access_key,
            resource_id,
            token_key: fresh(),
            entra_key: fresh(),
        });
    };

    if let Some(given) = &resource_id
        && !given.eq_ignore_ascii_case(&file.resource_id)
    {
        return Err(problem(
            path,
            format!(
                "was written for resource id '{}', not the configured '{}'",
                file.resource_id, given
            ),
        ));
    }
    let secret = |text: &str, what: &str| {
        STANDARD
            .decode(text)
            .map(Zeroizing::new)
            .map_err(|_| problem(path, format!("has a {what} that is not base64")))
    };
    Ok(Restored {
        path: Some(path.to_path_buf()),
        access_key: access_key.or_else(|| Some(file.access_key.clone())),
        resource_id: Some(file.resource_id.clone()),
        token_key: secret(&file.token_signing_key, "token signing key")?,
        entra_key: secret(&file.entra_signing_key, "Entra signing key")?,
        file: Some(file),
    })
}

impl Restored {
    /// The emulator's state: loaded from and saved to the state file when there is one
    /// (written once now, so a bad path fails the start), in memory otherwise.
    ///
    /// # Errors
    ///
    /// [`Error::StateFile`] when the file cannot be written.
    pub(crate) fn into_state(self, access_key: &str, resource_id: &str) -> Result<State, Error> {
        let Some(path) = self.path else {
            return Ok(State::default());
        };
        let stored = self.file.unwrap_or_else(|| StateFile {
            format: FORMAT,
            resource_id: String::new(),
            access_key: String::new(),
            token_signing_key: String::new(),
            entra_signing_key: String::new(),
            next_sequence: 0,
            identities: Vec::new(),
            assignments: Vec::new(),
        });
        let header = StateFile {
            format: FORMAT,
            resource_id: resource_id.to_owned(),
            access_key: access_key.to_owned(),
            token_signing_key: STANDARD.encode(self.token_key.as_slice()),
            entra_signing_key: STANDARD.encode(self.entra_key.as_slice()),
            ..stored
        };
        let state = State::persistent(Store {
            path: path.clone(),
            header,
        });
        state
            .save_now()
            .map_err(|error| problem(&path, format!("cannot be written: {error}")))?;
        Ok(state)
    }
}

/// Writes `file` to `path` atomically (temporary file in the same directory, flushed, then
/// renamed over `path`).
///
/// # Errors
///
/// The I/O error of creating, writing, flushing or renaming the temporary file (which is
/// removed again on failure).
pub(crate) fn save(path: &Path, file: &StateFile) -> io::Result<()> {
    let body = serde_json::to_vec_pretty(file).map_err(io::Error::other)?;
    let temporary = temporary_path(path);

    let written = write_new(&temporary, &body).and_then(|()| fs::rename(&temporary, path));
    if written.is_err() {
        // Best effort: the temporary file is of no use to anyone.
        let _ = fs::remove_file(&temporary);
    }
    written
}

/// `<dir>/.<name>.<random>.tmp`, next to `path` so the rename stays on one file system
/// (random, so that two emulators sharing a directory never share a temporary file).
fn temporary_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_else(|| "state".to_owned());
    path.with_file_name(format!(".{name}.{}.tmp", uuid::Uuid::new_v4().simple()))
}

fn write_new(path: &Path, body: &[u8]) -> io::Result<()> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let mut out = options.open(path)?;
    out.write_all(body)?;
    out.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> StateFile {
        StateFile {
            format: FORMAT,
            resource_id: "r".into(),
            access_key: "a2V5".into(),
            token_signing_key: "dA==".into(),
            entra_signing_key: "ZQ==".into(),
            next_sequence: 3,
            identities: vec![StoredIdentity {
                id: "8:acs:r_u".into(),
                custom_id: Some("alice@contoso.com".into()),
                revoked_below: 1,
                last_token_issued_at: Some(1_700_000_000),
            }],
            assignments: vec![StoredAssignment {
                tenant_id: "t".into(),
                object_id: "o".into(),
                principal_type: "user".into(),
                client_ids: None,
            }],
        }
    }

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "acs-emulator-persist-{}-{}",
            std::process::id(),
            uuid::Uuid::new_v4()
        ));
        fs::create_dir_all(&dir).unwrap();
        dir.join(name)
    }

    #[test]
    fn saved_files_load_back_and_leave_no_temporary_file() {
        let path = scratch("state.json");
        assert_eq!(load(&path).unwrap(), None);

        save(&path, &sample()).unwrap();
        assert_eq!(load(&path).unwrap(), Some(sample()));
        let entries = fs::read_dir(path.parent().unwrap()).unwrap().count();
        assert_eq!(entries, 1);
        fs::remove_dir_all(path.parent().unwrap()).unwrap();
    }

    #[test]
    fn corrupt_files_name_the_file_but_not_the_content() {
        let path = scratch("broken.json");
        fs::write(&path, br#"{"format":1,"accessKey":"c2VjcmV0"#).unwrap();

        let error = load(&path).unwrap_err().to_string();
        assert!(error.contains("broken.json"), "{error}");
        assert!(!error.contains("c2VjcmV0"), "{error}");

        fs::write(&path, br#"{"format":2}"#).unwrap();
        assert!(load(&path).is_err());
        fs::remove_dir_all(path.parent().unwrap()).unwrap();
    }
}
