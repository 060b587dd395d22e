//! What the emulator remembers: identities, custom ids, token revocations, Teams Extension
//! assignments and the request log.
//!
//! Each identity keeps a revocation mark: the issue-order number below which its tokens no
//! longer count. Revoking sets the mark to the next number, so every token issued so far
//! is invalid and every later one valid, even within the same second. Deleting removes the
//! identity (and frees its custom id), which invalidates all its tokens and makes later
//! calls on it answer 404. Each identity also remembers its preview `customId` and when
//! its last token was issued.
//!
//! Everything sits behind `std` mutexes that are locked only inside these methods, never
//! across an `.await`; a poisoned lock is recovered, since no update here can be left half
//! done. With a state file ([`crate::persist`]) every change is written out before the
//! lock is released, so the file follows the changes in order.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard, PoisonError};

use time::OffsetDateTime;
use tracing::warn;

use crate::persist::{self, StateFile, StoredAssignment, StoredIdentity};
use crate::recorded::RecordedRequest;

#[derive(Debug, Default)]
struct Registry {
    identities: HashMap<String, IdentityRecord>,
    /// Custom id → identity id.
    custom_ids: HashMap<String, String>,
    /// (tenant id, object id), both lower case → assignment.
    assignments: BTreeMap<(String, String), Assignment>,
    next_sequence: u64,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct IdentityRecord {
    /// Tokens with a lower issue-order number are revoked.
    revoked_below: u64,
    custom_id: Option<String>,
    last_token_issued_at: Option<OffsetDateTime>,
}

/// What `GET /identities/{id}` tells about an identity.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct IdentityDetail {
    pub(crate) custom_id: Option<String>,
    pub(crate) last_token_issued_at: Option<OffsetDateTime>,
}

/// A Teams Extension assignment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Assignment {
    pub(crate) principal_type: String,
    pub(crate) client_ids: Option<Vec<String>>,
}

/// Where and with which secrets the state is saved.
pub(crate) struct Store {
    pub(crate) path: PathBuf,
    /// The non-registry part of the file (secrets, resource id); its registry fields are
    /// replaced on each save.
    pub(crate) header: StateFile,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

/// The mutable state of one emulator.
#[derive(Debug, Default)]
pub(crate) struct State {
    registry: Mutex<Registry>,
    log: Mutex<RequestLog>,
    store: Option<Store>,
}

/// The request log: the newest requests, up to `limit` (`None`: all of them).
#[derive(Debug, Default)]
struct RequestLog {
    entries: VecDeque<RecordedRequest>,
    limit: Option<usize>,
}

impl RequestLog {
    fn trim(&mut self) {
        if let Some(limit) = self.limit {
            while self.entries.len() > limit {
                self.entries.pop_front();
            }
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The key of an assignment: GUIDs compare regardless of case.
fn assignment_key(tenant_id: &str, object_id: &str) -> (String, String) {
    (
        tenant_id.to_ascii_lowercase(),
        object_id.to_ascii_lowercase(),
    )
}

impl State {
    /// State saved to `store.path` after every change, starting from the identities and
    /// assignments in `store.header`.
    pub(crate) fn persistent(store: Store) -> Self {
        let registry = Registry::from_file(&store.header);
        Self {
            registry: Mutex::new(registry),
            log: Mutex::default(),
            store: Some(store),
        }
    }

    /// Writes the state file now (a no-op without one).
    ///
    /// # Errors
    ///
    /// The I/O error of writing it.
    pub(crate) fn save_now(&self) -> std::io::Result<()> {
        let registry = lock(&self.registry);
        match &self.store {
            Some(store) => persist::save(&store.path, &registry.to_file(&store.header)),
            None => Ok(()),
        }
    }

    /// Saves after a change; a failure is logged, since the change itself happened.
    fn changed(&self, registry: &Registry) {
        if let Some(store) = &self.store
            && let Err(error) = persist::save(&store.path, &registry.to_file(&store.header))
        {
            warn!(path = %store.path.display(), %error, "could not write the state file");
        }
    }

    /// Adds a new identity.
    pub(crate) fn create_identity(&self, id: String) {
        let mut registry = lock(&self.registry);
        registry.identities.insert(id, IdentityRecord::default());
        self.changed(&registry);
    }

    /// The identity mapped to `custom_id`, or a new one (id from `new_id`) mapped to it.
    pub(crate) fn identity_for_custom_id(
        &self,
        custom_id: &str,
        new_id: impl FnOnce() -> String,
    ) -> String {
        let mut registry = lock(&self.registry);
        if let Some(id) = registry.custom_ids.get(custom_id)
            && registry.identities.contains_key(id)
        {
            return id.clone();
        }
        let id = new_id();
        registry.identities.insert(
            id.clone(),
            IdentityRecord {
                custom_id: Some(custom_id.to_owned()),
                ..IdentityRecord::default()
            },
        );
        registry.custom_ids.insert(custom_id.to_owned(), id.clone());
        self.changed(&registry);
        id
    }

    /// Whether the identity exists (was created and not deleted).
    pub(crate) fn identity_exists(&self, id: &str) -> bool {
        lock(&self.registry).identities.contains_key(id)
    }

    /// The custom id and last token time of an existing identity.
    pub(crate) fn identity_detail(&self, id: &str) -> Option<IdentityDetail> {
        lock(&self.registry)
            .identities
            .get(id)
            .map(|record| IdentityDetail {
                custom_id: record.custom_id.clone(),
                last_token_issued_at: record.last_token_issued_at,
            })
    }

    /// The ids of all existing identities, sorted.
    pub(crate) fn identities(&self) -> Vec<String> {
        let mut ids: Vec<String> = lock(&self.registry).identities.keys().cloned().collect();
        ids.sort();
        ids
    }

    /// The issue-order number for a new token of `id` issued at `issued_at`, or `None` if
    /// the identity does not exist.
    pub(crate) fn next_token_for(&self, id: &str, issued_at: OffsetDateTime) -> Option<u64> {
        let mut registry = lock(&self.registry);
        let sequence = registry.next_sequence;
        let record = registry.identities.get_mut(id)?;
        record.last_token_issued_at = Some(issued_at);
        registry.next_sequence += 1;
        self.changed(&registry);
        Some(sequence)
    }

    /// The issue-order number for a token of `id`, creating the identity first if needed
    /// (Teams Extension users come into being with their first token).
    pub(crate) fn next_token_creating(&self, id: &str, issued_at: OffsetDateTime) -> u64 {
        let mut registry = lock(&self.registry);
        let sequence = registry.take_sequence();
        registry
            .identities
            .entry(id.to_owned())
            .or_default()
            .last_token_issued_at = Some(issued_at);
        self.changed(&registry);
        sequence
    }

    /// The issue-order number for a token that belongs to no identity (Teams users).
    pub(crate) fn next_token(&self) -> u64 {
        let mut registry = lock(&self.registry);
        let sequence = registry.take_sequence();
        self.changed(&registry);
        sequence
    }

    /// Revokes every token issued so far for `id`; `false` if it does not exist.
    pub(crate) fn revoke_tokens(&self, id: &str) -> bool {
        let mut registry = lock(&self.registry);
        let mark = registry.next_sequence;
        let Some(record) = registry.identities.get_mut(id) else {
            return false;
        };
        record.revoked_below = mark;
        self.changed(&registry);
        true
    }

    /// Removes `id` (and frees its custom id); `false` if it did not exist.
    pub(crate) fn delete_identity(&self, id: &str) -> bool {
        let mut registry = lock(&self.registry);
        let Some(record) = registry.identities.remove(id) else {
            return false;
        };
        if let Some(custom_id) = record.custom_id {
            registry.custom_ids.remove(&custom_id);
        }
        self.changed(&registry);
        true
    }

    /// Whether a token of `id` with issue-order number `sequence` is still in force.
    pub(crate) fn token_in_force(&self, id: &str, sequence: u64) -> bool {
        lock(&self.registry)
            .identities
            .get(id)
            .is_some_and(|record| sequence >= record.revoked_below)
    }

    /// The assignment of a tenant's object, if any.
    pub(crate) fn assignment(&self, tenant_id: &str, object_id: &str) -> Option<Assignment> {
        lock(&self.registry)
            .assignments
            .get(&assignment_key(tenant_id, object_id))
            .cloned()
    }

    /// Creates or replaces an assignment; `true` when it was created.
    pub(crate) fn put_assignment(
        &self,
        tenant_id: &str,
        object_id: &str,
        assignment: Assignment,
    ) -> bool {
        let mut registry = lock(&self.registry);
        let created = registry
            .assignments
            .insert(assignment_key(tenant_id, object_id), assignment)
            .is_none();
        self.changed(&registry);
        created
    }

    /// Removes an assignment; `false` if there was none.
    pub(crate) fn delete_assignment(&self, tenant_id: &str, object_id: &str) -> bool {
        let mut registry = lock(&self.registry);
        let removed = registry
            .assignments
            .remove(&assignment_key(tenant_id, object_id))
            .is_some();
        if removed {
            self.changed(&registry);
        }
        removed
    }

    /// Keeps only the newest `limit` requests in the log from now on (`None`: all).
    pub(crate) fn set_request_log_limit(&self, limit: Option<usize>) {
        let mut log = lock(&self.log);
        log.limit = limit;
        log.trim();
    }

    /// Appends to the request log, dropping the oldest entry beyond its limit.
    pub(crate) fn record(&self, request: RecordedRequest) {
        let mut log = lock(&self.log);
        if log.limit == Some(0) {
            return;
        }
        log.entries.push_back(request);
        log.trim();
    }

    /// A copy of the request log, oldest first.
    pub(crate) fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.log).entries.iter().cloned().collect()
    }

    /// Empties the request log.
    pub(crate) fn clear_requests(&self) {
        lock(&self.log).entries.clear();
    }
}

impl Registry {
    fn take_sequence(&mut self) -> u64 {
        let sequence = self.next_sequence;
        self.next_sequence += 1;
        sequence
    }

    fn from_file(file: &StateFile) -> Self {
        let mut registry = Registry {
            next_sequence: file.next_sequence,
            ..Registry::default()
        };
        for stored in &file.identities {
            let record = IdentityRecord {
                revoked_below: stored.revoked_below,
                custom_id: stored.custom_id.clone(),
                last_token_issued_at: stored
                    .last_token_issued_at
                    .and_then(|seconds| OffsetDateTime::from_unix_timestamp(seconds).ok()),
            };
            if let Some(custom_id) = &record.custom_id {
                registry
                    .custom_ids
                    .insert(custom_id.clone(), stored.id.clone());
            }
            registry.identities.insert(stored.id.clone(), record);
        }
        for stored in &file.assignments {
            registry.assignments.insert(
                assignment_key(&stored.tenant_id, &stored.object_id),
                Assignment {
                    principal_type: stored.principal_type.clone(),
                    client_ids: stored.client_ids.clone(),
                },
            );
        }
        registry
    }

    fn to_file(&self, header: &StateFile) -> StateFile {
        let mut identities: Vec<StoredIdentity> = self
            .identities
            .iter()
            .map(|(id, record)| StoredIdentity {
                id: id.clone(),
                custom_id: record.custom_id.clone(),
                revoked_below: record.revoked_below,
                last_token_issued_at: record.last_token_issued_at.map(|t| t.unix_timestamp()),
            })
            .collect();
        identities.sort_by(|a, b| a.id.cmp(&b.id));
        let assignments = self
            .assignments
            .iter()
            .map(|((tenant_id, object_id), assignment)| StoredAssignment {
                tenant_id: tenant_id.clone(),
                object_id: object_id.clone(),
                principal_type: assignment.principal_type.clone(),
                client_ids: assignment.client_ids.clone(),
            })
            .collect();
        StateFile {
            next_sequence: self.next_sequence,
            identities,
            assignments,
            ..header.clone()
        }
    }
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    const NOW: OffsetDateTime = datetime!(2026-01-01 12:00:00 UTC);

    #[test]
    fn revoking_invalidates_earlier_tokens_only() {
        let state = State::default();
        state.create_identity("a".into());
        let before = state.next_token_for("a", NOW).unwrap();

        assert!(state.revoke_tokens("a"));
        let after = state.next_token_for("a", NOW).unwrap();

        assert!(!state.token_in_force("a", before));
        assert!(state.token_in_force("a", after));
    }

    #[test]
    fn revoking_one_identity_leaves_others_alone() {
        let state = State::default();
        state.create_identity("a".into());
        state.create_identity("b".into());
        let token_of_b = state.next_token_for("b", NOW).unwrap();

        state.revoke_tokens("a");
        assert!(state.token_in_force("b", token_of_b));
    }

    #[test]
    fn deleting_removes_the_identity_and_its_tokens() {
        let state = State::default();
        state.create_identity("a".into());
        let token = state.next_token_for("a", NOW).unwrap();

        assert!(state.delete_identity("a"));
        assert!(!state.identity_exists("a"));
        assert!(!state.token_in_force("a", token));
        assert_eq!(state.next_token_for("a", NOW), None);
        assert!(!state.revoke_tokens("a"));
        assert!(!state.delete_identity("a"));
    }

    #[test]
    fn custom_ids_map_to_one_identity_until_it_is_deleted() {
        let state = State::default();
        let first = state.identity_for_custom_id("alice", || "a1".into());
        let again = state.identity_for_custom_id("alice", || "a2".into());
        assert_eq!((first.as_str(), again.as_str()), ("a1", "a1"));
        assert_eq!(
            state.identity_detail("a1").unwrap().custom_id.as_deref(),
            Some("alice")
        );

        state.delete_identity("a1");
        assert_eq!(state.identity_for_custom_id("alice", || "a3".into()), "a3");
    }

    #[test]
    fn tokens_record_their_issue_time() {
        let state = State::default();
        state.create_identity("a".into());
        assert_eq!(
            state.identity_detail("a").unwrap().last_token_issued_at,
            None
        );

        state.next_token_for("a", NOW);
        assert_eq!(
            state.identity_detail("a").unwrap().last_token_issued_at,
            Some(NOW)
        );
    }

    #[test]
    fn assignments_are_created_replaced_and_deleted_case_insensitively() {
        let state = State::default();
        let user = Assignment {
            principal_type: "user".into(),
            client_ids: None,
        };
        assert!(state.put_assignment("T", "O", user.clone()));
        assert!(!state.put_assignment("t", "o", user.clone()));
        assert_eq!(state.assignment("t", "O"), Some(user));
        assert!(state.delete_assignment("T", "o"));
        assert!(!state.delete_assignment("T", "o"));
        assert_eq!(state.assignment("t", "o"), None);
    }
}
