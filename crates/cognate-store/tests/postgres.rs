//! The storage conformance suite and PostgreSQL-specific checks (reconnect,
//! concurrent writers, several stores on one database: the basis of
//! scale-out), each test in a fresh schema of the database named by
//! `COGNATE_TEST_POSTGRES_URL`.
//!
//! Unset, every test says it skipped and passes; set but unusable, every test
//! fails: a CI job that means to test PostgreSQL must not go green without it.

mod pg_harness;

use std::time::Duration;

use cognate_core::model::*;
use cognate_core::store::{DocStore, DocWrite, Expect, Store, StoreError};
use cognate_store::{PgStore, SqliteStore};
use pg_harness::*;
use sqlx::Connection;

cognate_store::conformance_tests!(fresh);

#[tokio::test]
async fn whole_suite_passes_on_one_shared_store() {
    let Some(store) = fresh().await else { return };
    cognate_store::conformance::run_all(&*store).await;
}

// === PostgreSQL-specific ===

#[tokio::test]
async fn data_persists_across_reconnects_and_url_search_path() {
    let Some(url) = postgres_url() else { return };
    let guard = TempSchema::new(&url).await;
    let id = "us-east-1_reconnect";
    guard.create_pool(&pool(id), &[]).await.unwrap();
    guard
        .create_user(&user(id, "sub-1", "alice"))
        .await
        .unwrap();
    guard.close().await;
    {
        // Dropped without close: the connections go away with the pool.
        let store = connect(&url, &guard.schema).await;
        assert!(store.get_pool(id).await.unwrap().is_some());
        store.create_user(&user(id, "sub-2", "bob")).await.unwrap();
    }
    // `connect` with the schema in the URL, as COGNATE_DATABASE_URL would give it.
    let store = PgStore::connect(&url_with_search_path(&url, &guard.schema))
        .await
        .unwrap();
    let users = store.list_users(id, None, None, 10).await.unwrap();
    assert_eq!(users.len(), 2);
    assert_eq!(users[0], user(id, "sub-1", "alice"));
    store.close().await;
}

#[tokio::test]
async fn reconnecting_does_not_rerun_migrations() {
    let Some(url) = postgres_url() else { return };
    let guard = TempSchema::new(&url).await;
    for _ in 0..3 {
        connect(&url, &guard.schema).await.close().await;
    }
    let mut conn = sqlx::PgConnection::connect(&url).await.unwrap();
    let applied: i64 = sqlx::query_scalar(&format!(
        "SELECT count(*) FROM {}._sqlx_migrations WHERE success",
        guard.schema
    ))
    .fetch_one(&mut conn)
    .await
    .unwrap();
    let migrations = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations/postgres"))
        .unwrap()
        .count();
    assert_eq!(
        usize::try_from(applied).unwrap(),
        migrations,
        "each migration applied once"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn nodes_starting_together_migrate_once() {
    let Some(url) = postgres_url() else { return };
    let schema = new_schema();
    let starts: Vec<_> = (0..4)
        .map(|_| {
            let (url, schema) = (url.clone(), schema.clone());
            tokio::spawn(async move { PgStore::connect_with_schema(&url, &schema).await })
        })
        .collect();
    let mut stores = Vec::new();
    for start in starts {
        stores.push(start.await.unwrap());
    }
    for store in &stores {
        if let Err(e) = store {
            let _ = drop_schema(&url, &schema).await;
            panic!("a node failed to start: {e}");
        }
    }
    for store in stores.into_iter().flatten() {
        store.close().await;
    }
    drop_schema(&url, &schema).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_writers_all_succeed() {
    let Some(store) = fresh().await else { return };
    let id = "us-east-1_busy";
    store.create_pool(&pool(id), &[]).await.unwrap();
    let started = std::time::Instant::now();
    let mut tasks = Vec::new();
    for t in 0..8 {
        let s = store.store.clone();
        tasks.push(tokio::spawn(async move {
            for i in 0..25 {
                let name = format!("u{t}-{i}");
                s.create_user(&user(id, &format!("sub-{name}"), &name))
                    .await?;
                s.get_user(id, &name).await?;
                s.consume_once(&format!("busy:{name}"), 0).await?;
            }
            Ok::<_, StoreError>(())
        }));
    }
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    eprintln!(
        "8 writers x 25 x (create_user, get_user, consume_once): {:?}",
        started.elapsed()
    );
    assert_eq!(store.count_users(id).await.unwrap(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_stores_on_one_database_see_each_others_writes() {
    // Two nodes on one database: what one acknowledges, the other reads; a
    // race for one key has one winner.
    let Some(url) = postgres_url() else { return };
    let a = TempSchema::new(&url).await;
    let b = connect(&url, &a.schema).await;
    let id = "us-east-1_two";

    a.create_pool(&pool(id), &[]).await.unwrap();
    assert!(b.get_pool(id).await.unwrap().is_some(), "b sees a's pool");
    b.create_client(&client(id, "two-client")).await.unwrap();
    b.create_user(&user(id, "sub-bob", "bob")).await.unwrap();
    assert_eq!(
        a.pool_of_client("two-client").await.unwrap().as_deref(),
        Some(id)
    );
    assert_eq!(
        a.get_user(id, "bob").await.unwrap(),
        Some(user(id, "sub-bob", "bob"))
    );

    // A session created on one node and revoked on the other is revoked on both.
    let s = session(id, "two-jti", "two-client", "sub-bob");
    a.create_session(&s).await.unwrap();
    b.revoke_session(&s.origin_jti, 7).await.unwrap();
    let seen = a.get_session_by_token_hash(&s.token_hash).await.unwrap();
    assert_eq!(seen.and_then(|s| s.revoked_ms), Some(7));

    // Interleaved writers.
    let (ra, rb) = tokio::join!(
        async {
            for i in 0..20 {
                a.create_user(&user(id, &format!("a{i}"), &format!("a{i}")))
                    .await?;
            }
            Ok::<_, StoreError>(())
        },
        async {
            for i in 0..20 {
                b.create_user(&user(id, &format!("b{i}"), &format!("b{i}")))
                    .await?;
            }
            Ok::<_, StoreError>(())
        }
    );
    ra.unwrap();
    rb.unwrap();
    assert_eq!(b.count_users(id).await.unwrap(), 41);
    assert_eq!(a.count_users(id).await.unwrap(), 41);

    // Races: the same username, the same single-use key, code failures.
    for round in 0..10 {
        let name = format!("race{round}");
        let (ua, ub) = (
            user(id, &format!("{name}-a"), &name),
            user(id, &format!("{name}-b"), &name),
        );
        let (ra, rb) = tokio::join!(a.create_user(&ua), b.create_user(&ub));
        let wins = [&ra, &rb].iter().filter(|r| r.is_ok()).count();
        assert_eq!(wins, 1, "round {round}: {ra:?} {rb:?}");
        for r in [ra, rb] {
            if let Err(e) = r {
                assert!(
                    matches!(e, StoreError::Conflict(ref k) if k == "username"),
                    "{e:?}"
                );
            }
        }
        let key = format!("two:once:{round}");
        let (oa, ob) = tokio::join!(a.consume_once(&key, 10), b.consume_once(&key, 10));
        assert_eq!(
            [oa.unwrap(), ob.unwrap()].iter().filter(|f| **f).count(),
            1,
            "round {round}: one consumer"
        );
    }
    let code = CodeRecord {
        pool_id: id.into(),
        sub: "sub-bob".into(),
        purpose: "sign_up".into(),
        code_hash: "h".into(),
        created_ms: 1,
        expires_ms: 2,
        failed_attempts: 0,
    };
    a.put_code(&code).await.unwrap();
    let mut counts = Vec::new();
    for _ in 0..5 {
        let (fa, fb) = tokio::join!(
            a.record_code_failure(id, "sub-bob", "sign_up"),
            b.record_code_failure(id, "sub-bob", "sign_up")
        );
        counts.push(fa.unwrap());
        counts.push(fb.unwrap());
    }
    counts.sort_unstable();
    assert_eq!(counts, (1..=10).collect::<Vec<u32>>(), "no lost increments");

    a.delete_pool(id).await.unwrap();
    assert!(b.get_pool(id).await.unwrap().is_none());
    assert_eq!(b.get_session(&s.origin_jti).await.unwrap(), None);
    b.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn doc_writers_on_two_nodes_race_with_one_winner_per_version() {
    // Two nodes swap one document from the version they last read, on
    // threads of their own, with batches that also touch a second document
    // (in opposite orders): every round has exactly one winner, no batch
    // deadlocks, and each node sees the generation the other advanced.
    let Some(url) = postgres_url() else { return };
    let a = TempSchema::new(&url).await;
    let b = connect(&url, &a.schema).await;
    let kind = "twoNodes";
    let put = |id: &str, body: String, expect| DocWrite::Put {
        kind: kind.into(),
        id: id.into(),
        body,
        expect,
    };
    a.write_docs(&[put("shared", "0".into(), Expect::Absent)])
        .await
        .unwrap();
    for round in 1..=20_i64 {
        let before = b.docs_generation().await.unwrap();
        let mut tasks = Vec::new();
        for (node, store) in [("a", a.store.clone()), ("b", b.clone())] {
            let batch = {
                let side = put(&format!("side-{node}"), round.to_string(), Expect::Any);
                let swap = put("shared", format!("{node}{round}"), Expect::Version(round));
                if node == "a" {
                    vec![side, swap]
                } else {
                    vec![swap, side]
                }
            };
            tasks.push(tokio::spawn(async move { store.write_docs(&batch).await }));
        }
        let mut results = Vec::new();
        for task in tasks {
            results.push(task.await.unwrap());
        }
        let wins = results.iter().filter(|r| r.is_ok()).count();
        assert_eq!(wins, 1, "round {round}: {results:?}");
        assert!(results.iter().all(|r| match r {
            Ok(()) => true,
            Err(StoreError::Conflict(key)) => key == "twoNodes/shared",
            Err(_) => false,
        }));
        let shared = a.get_doc(kind, "shared").await.unwrap().unwrap();
        assert_eq!(shared.version, round + 1, "round {round}");
        assert!(b.docs_generation().await.unwrap() > before, "round {round}");
    }
    b.close().await;
}

/// The error each duplicate-key write gets, as text.
async fn conflicts(store: &dyn Store) -> Vec<String> {
    let id = "us-east-1_conflicts";
    let key = |kid: &str| PoolKey {
        pool_id: id.into(),
        kid: kid.into(),
        key_use: KeyUse::IdToken,
        sealed_pkcs8: vec![1],
        created_ms: 1,
    };
    store.create_pool(&pool(id), &[key("k1")]).await.unwrap();
    store
        .create_pool(&pool("us-east-1_other"), &[])
        .await
        .unwrap();
    store
        .create_user(&user(id, "sub-1", "alice"))
        .await
        .unwrap();
    store.create_client(&client(id, "cid")).await.unwrap();
    let group = Group {
        pool_id: id.into(),
        name: "admins".into(),
        description: None,
        role_arn: None,
        precedence: None,
        created_ms: 1,
        modified_ms: 1,
    };
    store.create_group(&group).await.unwrap();
    let s = session(id, "jti-1", "cid", "sub-1");
    store.create_session(&s).await.unwrap();

    let same_jti = RefreshSession {
        token_hash: "another".into(),
        ..s.clone()
    };
    let same_hash = RefreshSession {
        origin_jti: "jti-2".into(),
        ..s.clone()
    };
    let results = [
        store.create_pool(&pool(id), &[]).await,
        store
            .create_pool(&pool("us-east-1_dupkey"), &[key("k"), key("k")])
            .await,
        store.create_user(&user(id, "sub-2", "Alice")).await,
        store.create_user(&user(id, "sub-1", "bob")).await,
        store.create_client(&client(id, "cid")).await,
        store.create_client(&client("us-east-1_other", "cid")).await,
        store.create_group(&group).await,
        store.create_session(&same_jti).await,
        store.create_session(&same_hash).await,
        store
            .create_client(&client("us-east-1_missing", "cid2"))
            .await,
        store.add_user_to_group(id, "nobody", "sub-1").await,
    ];
    results
        .into_iter()
        .map(|r| match r {
            Ok(()) => "ok".to_string(),
            Err(e) => e.to_string(),
        })
        .collect()
}

#[tokio::test]
async fn errors_are_the_same_as_on_sqlite() {
    let Some(pg) = fresh().await else { return };
    let sqlite = SqliteStore::open_in_memory().await.unwrap();
    let want = conflicts(&sqlite).await;
    assert_eq!(
        want,
        [
            "conflict: pool id",
            "conflict: key id",
            "conflict: username",
            "conflict: sub",
            "conflict: client id",
            "conflict: client id",
            "conflict: group name",
            "conflict: session",
            "conflict: refresh token",
            "not found",
            "not found",
        ]
    );
    assert_eq!(conflicts(&*pg).await, want);
    assert!(
        pg.get_pool("us-east-1_dupkey").await.unwrap().is_none(),
        "the failed pool creation was rolled back"
    );
}

#[tokio::test]
async fn unreachable_server_is_a_prompt_error_without_the_password() {
    // Runs with or without a database: port 1 on loopback refuses at once.
    let started = std::time::Instant::now();
    let err = PgStore::connect("postgres://app:hunter2@127.0.0.1:1/test")
        .await
        .expect_err("nothing listens on port 1");
    let text = err.to_string();
    assert!(text.contains("connecting to PostgreSQL at"), "{text}");
    assert!(
        text.contains("postgres://app:***@127.0.0.1:1/test"),
        "{text}"
    );
    assert!(!text.contains("hunter2"), "{text}");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn ordered_keys_sort_by_bytes_whatever_the_database_collation() {
    let Some(store) = fresh().await else { return };
    let mut conn = sqlx::PgConnection::connect(&store.url).await.unwrap();
    let columns: Vec<(String, String)> = sqlx::query_as(
        "SELECT table_name::text, column_name::text FROM information_schema.columns
         WHERE table_schema = $1 AND collation_name = 'C'",
    )
    .bind(&store.schema)
    .fetch_all(&mut conn)
    .await
    .unwrap();
    for (table, column) in [
        ("pools", "id"),
        ("pool_keys", "kid"),
        ("clients", "client_id"),
        ("users", "username_key"),
        ("groups", "name"),
        ("docs", "kind"),
        ("docs", "id"),
    ] {
        assert!(
            columns.iter().any(|(t, c)| t == table && c == column),
            "{table}.{column} is not COLLATE \"C\": {columns:?}"
        );
    }
}
