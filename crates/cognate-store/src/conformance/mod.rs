//! The storage conformance suite: the behaviour every backend must show,
//! written once against `&dyn Store` (records) and `&dyn DocStore`
//! (documents) and run on each backend.
//!
//! Each check is a `pub async fn(&dyn Store)` or `pub async fn(&dyn DocStore)`
//! that panics on a violation and names the behaviour it proves. Checks only touch records whose ids derive
//! from the check's own name, so they may share one store ([`run_all`]) or get
//! a fresh one each. A backend's test file gets one `#[tokio::test]` per check
//! with [`conformance_tests!`](crate::conformance_tests):
//!
//! ```ignore
//! async fn fresh() -> Option<MyStoreGuard> { /* None skips, e.g. no database URL */ }
//! cognate_store::conformance_tests!(fresh);
//! ```
//!
//! where the guard dereferences to the backend's store type, which
//! implements both traits.

mod docs;
mod fixtures;
mod groups;
mod list_users;
mod pools;
mod sessions;
mod users;

use cognate_core::store::{DocStore, Store};

pub use docs::*;
pub use groups::*;
pub use list_users::*;
pub use pools::*;
pub use sessions::*;
pub use users::*;

/// Calls the macro named by the first argument with the remaining tokens,
/// a `;`, and the name of every check of the suite. The one list of checks.
#[doc(hidden)]
#[macro_export]
macro_rules! __with_conformance_checks {
    ($($callback:ident)::+ ! ($($args:tt)*)) => {
        $($callback)::+! { $($args)* ;
            // pools
            created_pool_reads_back_equal_and_updates,
            missing_pool_update_and_delete_are_not_found,
            duplicate_pool_id_is_conflict,
            pools_list_in_id_order_page_by_page,
            pool_keys_are_created_with_the_pool_in_creation_order,
            duplicate_key_id_rolls_back_the_whole_pool,
            delete_pool_cascades_to_everything_in_it,
            count_users_counts_only_that_pool,
            // clients
            client_reads_back_equal_updates_and_deletes,
            client_id_is_unique_across_pools,
            client_in_missing_pool_is_not_found,
            clients_list_in_id_order_page_by_page,
            delete_client_deletes_its_sessions,
            // users
            user_reads_back_by_username_key_and_by_sub,
            duplicate_username_key_is_conflict,
            duplicate_sub_is_conflict,
            same_username_in_another_pool_is_fine,
            update_user_replaces_the_record_and_its_lookups,
            missing_user_update_and_delete_are_not_found,
            delete_user_cascades_codes_memberships_and_sessions,
            find_users_by_attribute_matches_exactly,
            attribute_values_with_control_characters_round_trip,
            users_list_in_username_key_order_page_by_page,
            list_users_filters_by_equality_on_every_field,
            list_users_filters_by_prefix,
            list_users_prefix_treats_like_wildcards_literally,
            list_users_prefix_is_case_sensitive,
            list_users_filters_on_custom_attributes,
            list_users_filter_and_pagination_combine,
            listings_are_in_byte_order_of_the_key,
            // groups
            group_reads_back_equal_updates_and_deletes,
            duplicate_group_name_is_conflict,
            membership_add_and_remove_are_idempotent,
            membership_needs_existing_group_and_user,
            groups_for_user_are_ordered_by_name,
            users_in_group_are_ordered_and_paginated,
            delete_group_removes_its_memberships,
            // codes, sessions, markers
            put_code_replaces_the_previous_code,
            record_code_failure_counts_and_is_zero_without_code,
            delete_code_removes_it_and_missing_is_not_found,
            session_is_found_by_jti_and_by_token_hash,
            duplicate_session_jti_or_token_hash_is_conflict,
            revoke_session_keeps_the_first_time,
            revoke_user_sessions_counts_only_newly_revoked,
            consume_once_is_true_then_false,
            purge_expired_markers_deletes_only_expired_ones,
            // documents
            doc_put_creates_version_one_and_replaces_with_the_next,
            doc_body_reads_back_byte_for_byte,
            doc_put_expecting_absent_conflicts_when_present,
            doc_put_expecting_a_version_conflicts_on_any_other,
            failed_expectation_writes_nothing_of_the_batch,
            writes_of_one_batch_apply_in_order,
            doc_delete_any_removes_and_is_a_no_op_when_missing,
            doc_delete_with_an_expectation_conflicts_on_mismatch,
            docs_list_by_prefix_page_by_page,
            docs_prefix_treats_like_wildcards_and_backslash_literally,
            docs_list_in_byte_order_of_the_id,
            docs_generation_advances_only_on_successful_batches,
            racing_compare_and_swap_writers_have_exactly_one_winner,
            racing_creators_of_one_doc_have_exactly_one_winner,
        }
    };
}

macro_rules! define_run_all {
    ($store:ident ; $($check:ident),* $(,)?) => {
        /// Runs every check, one after another, on one store.
        pub async fn run_all<S: Store + DocStore>($store: &S) {
            $( $check($store).await; )*
        }
    };
}

__with_conformance_checks!(define_run_all!(store));

/// One `#[tokio::test]` per conformance check. `$fresh` is an async fn
/// returning `Option<G>` where `G` dereferences to a type that implements
/// [`Store`] and [`DocStore`]; `None` skips the check (the backend is
/// unavailable, and `$fresh` says so).
#[macro_export]
macro_rules! conformance_tests {
    ($fresh:path) => {
        $crate::__with_conformance_checks!($crate::__conformance_test_fns!($fresh));
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __conformance_test_fns {
    ($fresh:path ; $($check:ident),* $(,)?) => {
        $(
            #[tokio::test]
            async fn $check() {
                let Some(guard) = $fresh().await else { return };
                $crate::conformance::$check(&*guard).await;
            }
        )*
    };
}
