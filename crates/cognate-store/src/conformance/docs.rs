//! The document store: versions, expectations, atomic batches, prefix pages,
//! the generation counter, and racing writers. Each check writes only under
//! a kind named after itself.

use std::future::Future;
use std::task::Poll;

use cognate_core::store::{Doc, DocStore, DocWrite, Expect, StoreError, StoreResult};

fn put(kind: &str, id: &str, body: &str, expect: Expect) -> DocWrite {
    DocWrite::Put {
        kind: kind.into(),
        id: id.into(),
        body: body.into(),
        expect,
    }
}

fn delete(kind: &str, id: &str, expect: Expect) -> DocWrite {
    DocWrite::Delete {
        kind: kind.into(),
        id: id.into(),
        expect,
    }
}

fn doc(kind: &str, id: &str, body: &str, version: i64) -> Doc {
    Doc {
        kind: kind.into(),
        id: id.into(),
        body: body.into(),
        version,
    }
}

fn ids(docs: &[Doc]) -> Vec<&str> {
    docs.iter().map(|d| d.id.as_str()).collect()
}

#[track_caller]
fn assert_doc_conflict(r: StoreResult<()>, key: &str, what: &str) {
    match r {
        Err(StoreError::Conflict(k)) => assert_eq!(k, key, "{what}: conflict names the key"),
        other => panic!("{what}: expected Conflict({key:?}), got {other:?}"),
    }
}

/// Puts every `(id, body)` with `Expect::Any`, in one batch.
async fn put_all(store: &dyn DocStore, kind: &str, docs: &[(&str, &str)]) {
    let writes: Vec<DocWrite> = docs
        .iter()
        .map(|(id, body)| put(kind, id, body, Expect::Any))
        .collect();
    store.write_docs(&writes).await.unwrap();
}

/// Drives every future to completion at once, on the current task; the
/// results come in the order of the futures.
async fn join_all<F: Future + Unpin>(futures: Vec<F>) -> Vec<F::Output> {
    let mut pending: Vec<Option<F>> = futures.into_iter().map(Some).collect();
    let mut results: Vec<Option<F::Output>> = pending.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut done = true;
        for (slot, result) in pending.iter_mut().zip(results.iter_mut()) {
            if let Some(future) = slot {
                match std::pin::Pin::new(future).poll(cx) {
                    Poll::Ready(out) => {
                        *result = Some(out);
                        *slot = None;
                    }
                    Poll::Pending => done = false,
                }
            }
        }
        if done {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    })
    .await;
    results.into_iter().flatten().collect()
}

pub async fn doc_put_creates_version_one_and_replaces_with_the_next(store: &dyn DocStore) {
    let kind = "docVersions";
    assert_eq!(store.get_doc(kind, "a").await.unwrap(), None);
    store
        .write_docs(&[put(kind, "a", r#"{"n":1}"#, Expect::Any)])
        .await
        .unwrap();
    assert_eq!(
        store.get_doc(kind, "a").await.unwrap(),
        Some(doc(kind, "a", r#"{"n":1}"#, 1))
    );
    store
        .write_docs(&[put(kind, "a", r#"{"n":2}"#, Expect::Any)])
        .await
        .unwrap();
    store
        .write_docs(&[put(kind, "a", r#"{"n":3}"#, Expect::Version(2))])
        .await
        .unwrap();
    assert_eq!(
        store.get_doc(kind, "a").await.unwrap(),
        Some(doc(kind, "a", r#"{"n":3}"#, 3))
    );
    assert_eq!(
        store.get_doc(kind, "A").await.unwrap(),
        None,
        "ids are exact"
    );
    assert_eq!(
        store.get_doc("docVersionsOther", "a").await.unwrap(),
        None,
        "kinds are separate"
    );
}

pub async fn doc_body_reads_back_byte_for_byte(store: &dyn DocStore) {
    let kind = "docBody";
    let body =
        "{ \"z\" : [1, 2.50, {}],\n\t\"a\": \"caf\u{e9} \\u0000 \\\" \u{1F600}\", \"n\": null }";
    store
        .write_docs(&[put(kind, "b", body, Expect::Absent)])
        .await
        .unwrap();
    let got = store.get_doc(kind, "b").await.unwrap().unwrap();
    assert_eq!(got.body, body, "whitespace, key order and escapes are kept");
    let listed = store.list_docs(kind, "", None, 10).await.unwrap();
    assert_eq!(listed, vec![got]);
}

pub async fn doc_put_expecting_absent_conflicts_when_present(store: &dyn DocStore) {
    let kind = "docAbsent";
    store
        .write_docs(&[put(kind, "x", "1", Expect::Absent)])
        .await
        .unwrap();
    assert_doc_conflict(
        store
            .write_docs(&[put(kind, "x", "2", Expect::Absent)])
            .await,
        "docAbsent/x",
        "create over an existing document",
    );
    assert_eq!(
        store.get_doc(kind, "x").await.unwrap(),
        Some(doc(kind, "x", "1", 1)),
        "the existing document is untouched"
    );
}

pub async fn doc_put_expecting_a_version_conflicts_on_any_other(store: &dyn DocStore) {
    let kind = "docVersionCheck";
    store
        .write_docs(&[put(kind, "x", "1", Expect::Any)])
        .await
        .unwrap();
    store
        .write_docs(&[put(kind, "x", "2", Expect::Version(1))])
        .await
        .unwrap();
    for stale in [1, 3, 0] {
        assert_doc_conflict(
            store
                .write_docs(&[put(kind, "x", "bad", Expect::Version(stale))])
                .await,
            "docVersionCheck/x",
            &format!("version {stale} while the document is at 2"),
        );
    }
    assert_doc_conflict(
        store
            .write_docs(&[put(kind, "missing", "bad", Expect::Version(1))])
            .await,
        "docVersionCheck/missing",
        "a version of a missing document",
    );
    assert_eq!(
        store.get_doc(kind, "x").await.unwrap(),
        Some(doc(kind, "x", "2", 2))
    );
    assert_eq!(store.get_doc(kind, "missing").await.unwrap(), None);
}

pub async fn failed_expectation_writes_nothing_of_the_batch(store: &dyn DocStore) {
    let kind = "docAtomic";
    store
        .write_docs(&[put(kind, "kept", "old", Expect::Any)])
        .await
        .unwrap();
    // The second write fails: the first, already applied, is rolled back.
    assert_doc_conflict(
        store
            .write_docs(&[
                put(kind, "new", "n", Expect::Absent),
                put(kind, "kept", "changed", Expect::Version(7)),
            ])
            .await,
        "docAtomic/kept",
        "second write of the batch",
    );
    // The first write fails: the second is not applied.
    assert_doc_conflict(
        store
            .write_docs(&[
                delete(kind, "kept", Expect::Version(2)),
                put(kind, "other", "o", Expect::Any),
            ])
            .await,
        "docAtomic/kept",
        "first write of the batch",
    );
    // A failing delete undoes the replacement made earlier in its batch.
    assert_doc_conflict(
        store
            .write_docs(&[
                put(kind, "kept", "changed", Expect::Version(1)),
                delete(kind, "nothing", Expect::Version(1)),
            ])
            .await,
        "docAtomic/nothing",
        "delete of a missing document with a version",
    );
    assert_eq!(
        store.list_docs(kind, "", None, 10).await.unwrap(),
        vec![doc(kind, "kept", "old", 1)],
        "nothing of the failed batches was written"
    );
}

pub async fn writes_of_one_batch_apply_in_order(store: &dyn DocStore) {
    let kind = "docOrder";
    store
        .write_docs(&[
            put(kind, "a", "1", Expect::Absent),
            put(kind, "a", "2", Expect::Version(1)),
            put(kind, "b", "1", Expect::Any),
            delete(kind, "b", Expect::Version(1)),
            put(kind, "b", "again", Expect::Absent),
        ])
        .await
        .unwrap();
    assert_eq!(
        store.list_docs(kind, "", None, 10).await.unwrap(),
        vec![doc(kind, "a", "2", 2), doc(kind, "b", "again", 1)]
    );
}

pub async fn doc_delete_any_removes_and_is_a_no_op_when_missing(store: &dyn DocStore) {
    let kind = "docDeleteAny";
    put_all(store, kind, &[("a", "1"), ("b", "1")]).await;
    store
        .write_docs(&[delete(kind, "a", Expect::Any)])
        .await
        .unwrap();
    assert_eq!(store.get_doc(kind, "a").await.unwrap(), None);
    store
        .write_docs(&[delete(kind, "a", Expect::Any)])
        .await
        .unwrap();
    store
        .write_docs(&[delete(kind, "never", Expect::Any)])
        .await
        .unwrap();
    assert_eq!(
        ids(&store.list_docs(kind, "", None, 10).await.unwrap()),
        ["b"]
    );
    // Created again, a document starts over at version 1.
    store
        .write_docs(&[put(kind, "a", "2", Expect::Absent)])
        .await
        .unwrap();
    assert_eq!(store.get_doc(kind, "a").await.unwrap().unwrap().version, 1);
}

pub async fn doc_delete_with_an_expectation_conflicts_on_mismatch(store: &dyn DocStore) {
    let kind = "docDeleteExpect";
    put_all(store, kind, &[("a", "1")]).await;
    put_all(store, kind, &[("a", "2")]).await;
    assert_doc_conflict(
        store
            .write_docs(&[delete(kind, "a", Expect::Version(1))])
            .await,
        "docDeleteExpect/a",
        "delete of a stale version",
    );
    assert_doc_conflict(
        store
            .write_docs(&[delete(kind, "missing", Expect::Version(1))])
            .await,
        "docDeleteExpect/missing",
        "delete of a version of a missing document",
    );
    assert_doc_conflict(
        store.write_docs(&[delete(kind, "a", Expect::Absent)]).await,
        "docDeleteExpect/a",
        "delete expecting absence of a present document",
    );
    assert_eq!(
        store.get_doc(kind, "a").await.unwrap(),
        Some(doc(kind, "a", "2", 2))
    );
    store
        .write_docs(&[delete(kind, "missing", Expect::Absent)])
        .await
        .unwrap();
    store
        .write_docs(&[delete(kind, "a", Expect::Version(2))])
        .await
        .unwrap();
    assert_eq!(store.get_doc(kind, "a").await.unwrap(), None);
}

pub async fn docs_list_by_prefix_page_by_page(store: &dyn DocStore) {
    let kind = "docPages";
    put_all(
        store,
        kind,
        &[
            ("api1/s3", "c"),
            ("api1/s1", "a"),
            ("api2/s1", "x"),
            ("api1/s2", "b"),
            ("api1", "parent"),
            ("api10/s1", "y"),
            ("api1/s4", "d"),
        ],
    )
    .await;
    put_all(store, "docPagesOther", &[("api1/s0", "other kind")]).await;

    let first = store.list_docs(kind, "api1/", None, 2).await.unwrap();
    assert_eq!(
        first,
        vec![doc(kind, "api1/s1", "a", 1), doc(kind, "api1/s2", "b", 1)],
        "whole documents, in id order"
    );
    let second = store
        .list_docs(kind, "api1/", Some(&first[1].id), 2)
        .await
        .unwrap();
    assert_eq!(ids(&second), ["api1/s3", "api1/s4"]);
    assert!(store
        .list_docs(kind, "api1/", Some("api1/s4"), 2)
        .await
        .unwrap()
        .is_empty());
    // `after` need not be a stored id, nor start with the prefix.
    assert_eq!(
        ids(&store
            .list_docs(kind, "api1/", Some("api1/s25"), 10)
            .await
            .unwrap()),
        ["api1/s3", "api1/s4"]
    );
    assert_eq!(
        ids(&store.list_docs(kind, "api1/", Some("a"), 1).await.unwrap()),
        ["api1/s1"]
    );
    assert!(store
        .list_docs(kind, "api1/", Some("b"), 10)
        .await
        .unwrap()
        .is_empty());
    assert_eq!(
        ids(&store.list_docs(kind, "api1", None, 10).await.unwrap()),
        ["api1", "api1/s1", "api1/s2", "api1/s3", "api1/s4", "api10/s1"]
    );
    assert_eq!(
        store.list_docs(kind, "", None, 100).await.unwrap().len(),
        7,
        "an empty prefix lists the whole kind"
    );
    assert!(store
        .list_docs(kind, "api3/", None, 10)
        .await
        .unwrap()
        .is_empty());
    assert!(store
        .list_docs(kind, "api1/", None, 0)
        .await
        .unwrap()
        .is_empty());
}

pub async fn docs_prefix_treats_like_wildcards_and_backslash_literally(store: &dyn DocStore) {
    let kind = "docWildcards";
    let all = [
        "100%/a", "100%/b", "100x/a", "1000/a", "a_b/1", "axb/1", "a\\b/1", "a\\\\b/1", "ab/1",
    ];
    let docs: Vec<(&str, &str)> = all.iter().map(|id| (*id, "{}")).collect();
    put_all(store, kind, &docs).await;
    let cases: [(&str, &[&str]); 6] = [
        ("100%", &["100%/a", "100%/b"]),
        ("100%/", &["100%/a", "100%/b"]),
        ("a_", &["a_b/1"]),
        ("a\\", &["a\\\\b/1", "a\\b/1"]),
        ("a\\b", &["a\\b/1"]),
        ("%", &[]),
    ];
    for (prefix, want) in cases {
        let got = store.list_docs(kind, prefix, None, 100).await.unwrap();
        assert_eq!(ids(&got), want, "prefix {prefix:?}");
    }
}

pub async fn docs_list_in_byte_order_of_the_id(store: &dyn DocStore) {
    let kind = "docByteOrder";
    let shuffled = [
        "b",
        "\u{e9}",
        "a",
        "Z",
        "B",
        "_",
        "~",
        "a/b",
        "\u{10FFFF}",
        "\u{FFFD}",
        "1",
    ];
    let docs: Vec<(&str, &str)> = shuffled.iter().map(|id| (*id, "{}")).collect();
    put_all(store, kind, &docs).await;
    let mut want = shuffled.to_vec();
    want.sort_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
    assert_eq!(&want[..5], ["1", "B", "Z", "_", "a"], "bytewise: B < a");
    let got = store.list_docs(kind, "", None, 100).await.unwrap();
    assert_eq!(ids(&got), want);
    // Page by page in the same order, from any place in it.
    let mut paged = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = store
            .list_docs(kind, "", after.as_deref(), 3)
            .await
            .unwrap();
        let Some(last) = page.last() else { break };
        after = Some(last.id.clone());
        paged.extend(page.into_iter().map(|d| d.id));
    }
    assert_eq!(paged, want);
    // A prefix ending in the greatest character has no simple upper bound.
    let top = store.list_docs(kind, "\u{10FFFF}", None, 10).await.unwrap();
    assert_eq!(ids(&top), ["\u{10FFFF}"]);
    let accented = store.list_docs(kind, "\u{e9}", None, 10).await.unwrap();
    assert_eq!(ids(&accented), ["\u{e9}"]);
}

pub async fn docs_generation_advances_only_on_successful_batches(store: &dyn DocStore) {
    let kind = "docGeneration";
    let g0 = store.docs_generation().await.unwrap();
    store
        .write_docs(&[put(kind, "a", "1", Expect::Absent)])
        .await
        .unwrap();
    let g1 = store.docs_generation().await.unwrap();
    assert!(g1 > g0, "a successful batch advances it: {g0} -> {g1}");

    assert!(store
        .write_docs(&[put(kind, "a", "2", Expect::Absent)])
        .await
        .is_err());
    assert_eq!(
        store.docs_generation().await.unwrap(),
        g1,
        "a failed batch does not"
    );
    store.write_docs(&[]).await.unwrap();
    assert_eq!(
        store.docs_generation().await.unwrap(),
        g1,
        "an empty batch does not"
    );

    store
        .write_docs(&[
            put(kind, "b", "1", Expect::Any),
            delete(kind, "a", Expect::Version(1)),
        ])
        .await
        .unwrap();
    let g2 = store.docs_generation().await.unwrap();
    assert!(g2 > g1, "{g1} -> {g2}");
    // A delete that found nothing to delete still is a successful batch.
    store
        .write_docs(&[delete(kind, "a", Expect::Any)])
        .await
        .unwrap();
    let g3 = store.docs_generation().await.unwrap();
    assert!(g3 > g2, "{g2} -> {g3}");
}

pub async fn racing_compare_and_swap_writers_have_exactly_one_winner(store: &dyn DocStore) {
    let kind = "docRaceSwap";
    store
        .write_docs(&[put(kind, "shared", "start", Expect::Absent)])
        .await
        .unwrap();
    let g0 = store.docs_generation().await.unwrap();
    let batches: Vec<Vec<DocWrite>> = (0..16)
        .map(|i| {
            vec![
                put(kind, &format!("mine-{i:02}"), "side", Expect::Absent),
                put(kind, "shared", &format!("writer {i}"), Expect::Version(1)),
            ]
        })
        .collect();
    let results = join_all(batches.iter().map(|b| store.write_docs(b)).collect()).await;

    let winners: Vec<usize> = (0..results.len()).filter(|i| results[*i].is_ok()).collect();
    assert_eq!(winners.len(), 1, "{results:?}");
    let winner = winners[0];
    for r in results.into_iter().filter(Result::is_err) {
        assert_doc_conflict(r, "docRaceSwap/shared", "a losing writer");
    }
    assert_eq!(
        store.get_doc(kind, "shared").await.unwrap(),
        Some(doc(kind, "shared", &format!("writer {winner}"), 2))
    );
    assert_eq!(
        ids(&store.list_docs(kind, "mine-", None, 100).await.unwrap()),
        [format!("mine-{winner:02}")],
        "the losers' batches left nothing"
    );
    assert!(store.docs_generation().await.unwrap() > g0);
}

pub async fn racing_creators_of_one_doc_have_exactly_one_winner(store: &dyn DocStore) {
    let kind = "docRaceCreate";
    let batches: Vec<Vec<DocWrite>> = (0..16)
        .map(|i| vec![put(kind, "only", &format!("creator {i}"), Expect::Absent)])
        .collect();
    let results = join_all(batches.iter().map(|b| store.write_docs(b)).collect()).await;
    let winners: Vec<usize> = (0..results.len()).filter(|i| results[*i].is_ok()).collect();
    assert_eq!(winners.len(), 1, "{results:?}");
    for r in results.into_iter().filter(Result::is_err) {
        assert_doc_conflict(r, "docRaceCreate/only", "a losing creator");
    }
    assert_eq!(
        store.get_doc(kind, "only").await.unwrap(),
        Some(doc(kind, "only", &format!("creator {}", winners[0]), 1))
    );
}
