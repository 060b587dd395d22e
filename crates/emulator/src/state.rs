//! What the emulator remembers: identities, token revocations and the request log.
//!
//! Each identity keeps a revocation mark: the issue-order number below which its tokens no
//! longer count. Revoking sets the mark to the next number, so every token issued so far
//! is invalid and every later one valid, even within the same second. Deleting removes the
//! identity, which invalidates all its tokens and makes later calls on it answer 404.
//!
//! Everything sits behind `std` mutexes that are locked only inside these methods, never
//! across an `.await`; a poisoned lock is recovered, since no update here can be left half
//! done.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};

use crate::recorded::RecordedRequest;

#[derive(Debug, Default)]
struct Registry {
    identities: HashMap<String, IdentityRecord>,
    next_sequence: u64,
}

#[derive(Debug, Default)]
struct IdentityRecord {
    /// Tokens with a lower issue-order number are revoked.
    revoked_below: u64,
}

/// The mutable state of one emulator.
#[derive(Debug, Default)]
pub(crate) struct State {
    registry: Mutex<Registry>,
    log: Mutex<Vec<RecordedRequest>>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl State {
    /// Adds a new identity.
    pub(crate) fn create_identity(&self, id: String) {
        lock(&self.registry)
            .identities
            .insert(id, IdentityRecord::default());
    }

    /// Whether the identity exists (was created and not deleted).
    pub(crate) fn identity_exists(&self, id: &str) -> bool {
        lock(&self.registry).identities.contains_key(id)
    }

    /// The ids of all existing identities, sorted.
    pub(crate) fn identities(&self) -> Vec<String> {
        let mut ids: Vec<String> = lock(&self.registry).identities.keys().cloned().collect();
        ids.sort();
        ids
    }

    /// The issue-order number for a new token of `id`, or `None` if it does not exist.
    pub(crate) fn next_token_for(&self, id: &str) -> Option<u64> {
        let mut registry = lock(&self.registry);
        if !registry.identities.contains_key(id) {
            return None;
        }
        Some(registry.take_sequence())
    }

    /// The issue-order number for a token that belongs to no identity (Teams users).
    pub(crate) fn next_token(&self) -> u64 {
        lock(&self.registry).take_sequence()
    }

    /// Revokes every token issued so far for `id`; `false` if it does not exist.
    pub(crate) fn revoke_tokens(&self, id: &str) -> bool {
        let mut registry = lock(&self.registry);
        let mark = registry.next_sequence;
        match registry.identities.get_mut(id) {
            Some(record) => {
                record.revoked_below = mark;
                true
            }
            None => false,
        }
    }

    /// Removes `id`; `false` if it did not exist.
    pub(crate) fn delete_identity(&self, id: &str) -> bool {
        lock(&self.registry).identities.remove(id).is_some()
    }

    /// Whether a token of `id` with issue-order number `sequence` is still in force.
    pub(crate) fn token_in_force(&self, id: &str, sequence: u64) -> bool {
        lock(&self.registry)
            .identities
            .get(id)
            .is_some_and(|record| sequence >= record.revoked_below)
    }

    /// Appends to the request log.
    pub(crate) fn record(&self, request: RecordedRequest) {
        lock(&self.log).push(request);
    }

    /// A copy of the request log, oldest first.
    pub(crate) fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.log).clone()
    }

    /// Empties the request log.
    pub(crate) fn clear_requests(&self) {
        lock(&self.log).clear();
    }
}

impl Registry {
    fn take_sequence(&mut self) -> u64 {
        let sequence = self.next_sequence;
        self.next_sequence += 1;
        sequence
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn revoking_invalidates_earlier_tokens_only() {
        let state = State::default();
        state.create_identity("a".into());
        let before = state.next_token_for("a").unwrap();

        assert!(state.revoke_tokens("a"));
        let after = state.next_token_for("a").unwrap();

        assert!(!state.token_in_force("a", before));
        assert!(state.token_in_force("a", after));
    }

    #[test]
    fn revoking_one_identity_leaves_others_alone() {
        let state = State::default();
        state.create_identity("a".into());
        state.create_identity("b".into());
        let token_of_b = state.next_token_for("b").unwrap();

        state.revoke_tokens("a");
        assert!(state.token_in_force("b", token_of_b));
    }

    #[test]
    fn deleting_removes_the_identity_and_its_tokens() {
        let state = State::default();
        state.create_identity("a".into());
        let token = state.next_token_for("a").unwrap();

        assert!(state.delete_identity("a"));
        assert!(!state.identity_exists("a"));
        assert!(!state.token_in_force("a", token));
        assert_eq!(state.next_token_for("a"), None);
        assert!(!state.revoke_tokens("a"));
        assert!(!state.delete_identity("a"));
    }
}
