//! Communication Services user ids: making new ones and telling whose they are.
//!
//! An ACS user id reads `8:acs:<resourceId>_<suffix>`. The emulator mints ids of that form
//! for its own resource id and, like the service, treats an id of another resource (or a
//! string that is no ACS id at all) as not belonging to it; the handlers answer 401
//! `IdentityNotOwned` for those and 404 for ids of its own that do not exist.

/// The prefix of ACS user ids in the public cloud.
const ACS_PREFIX: &str = "8:acs:";

/// A new user id for `resource_id`, with a UUID suffix.
pub(crate) fn new_user_id(resource_id: &str) -> String {
    format!("{ACS_PREFIX}{resource_id}_{}", uuid::Uuid::new_v4())
}

/// Whether `id` is an ACS user id of the resource `resource_id` (compared case-insensitively,
/// as resource ids are GUIDs).
pub(crate) fn belongs_to(id: &str, resource_id: &str) -> bool {
    let Some(rest) = strip_prefix_ignore_case(id, ACS_PREFIX) else {
        return false;
    };
    match rest.split_once('_') {
        Some((owner, suffix)) => owner.eq_ignore_ascii_case(resource_id) && !suffix.is_empty(),
        None => false,
    }
}

/// Whether a configured resource id can appear inside user ids unambiguously.
pub(crate) fn is_valid_resource_id(resource_id: &str) -> bool {
    !resource_id.is_empty()
        && resource_id.len() <= 128
        && resource_id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// The `skypeid` claim of a token for `id`: the id without its `8:` type prefix.
pub(crate) fn skype_id(id: &str) -> &str {
    id.strip_prefix("8:").unwrap_or(id)
}

fn strip_prefix_ignore_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &text[prefix.len()..])
}

#[cfg(test)]
mod tests {
    use super::*;

    const RESOURCE: &str = "2dee53b4-368b-45b4-ab52-8493fb117652";

    #[test]
    fn new_ids_belong_to_their_resource() {
        let id = new_user_id(RESOURCE);

        assert!(id.starts_with("8:acs:2dee53b4-368b-45b4-ab52-8493fb117652_"));
        assert!(belongs_to(&id, RESOURCE));
        assert!(belongs_to(
            &id.to_uppercase().replace("8:ACS:", "8:acs:"),
            RESOURCE
        ));
        assert_ne!(new_user_id(RESOURCE), id);
    }

    #[test]
    fn ids_of_other_resources_or_other_kinds_do_not_belong() {
        for id in [
            "8:acs:00000000-0000-0000-0000-000000000000_00000005-14a2-493b-8a72-5a3a0d000081",
            "8:acs:2dee53b4-368b-45b4-ab52-8493fb117652",
            "8:acs:2dee53b4-368b-45b4-ab52-8493fb117652_",
            "8:orgid:2dee53b4-368b-45b4-ab52-8493fb117652_x",
            "invalid",
            "",
            "8:ac",
        ] {
            assert!(!belongs_to(id, RESOURCE), "{id:?}");
        }
    }

    #[test]
    fn skype_id_drops_the_type_prefix() {
        assert_eq!(skype_id("8:acs:r_u"), "acs:r_u");
        assert_eq!(skype_id("8:orgid:oid"), "orgid:oid");
    }

    #[test]
    fn resource_ids_must_be_plain() {
        assert!(is_valid_resource_id(RESOURCE));
        assert!(!is_valid_resource_id(""));
        assert!(!is_valid_resource_id("a_b"));
        assert!(!is_valid_resource_id("a:b"));
    }
}
