//! The OSV index cache across instances: two stores on one database stand for two vulndesk
//! processes. On PostgreSQL an instance learns of the other's import by its `NOTIFY` and does
//! not read the database while nothing changed; on SQLite it reads the stored stamp on every use.
//! Either way it knows of its own imports at once. A listener whose connection is cut connects
//! again and misses nothing.

use std::sync::Arc;
use std::time::{Duration, Instant};

use vulndesk_core::Timestamp;
use vulndesk_core::audit::AuditContext;
use vulndesk_formats::purl::Purl;
use vulndesk_jobs::findings::OsvCache;
use vulndesk_store::catalogue::OsvRow;
use vulndesk_store::testing::TestDb;
use vulndesk_store::{Backend, OpenOptions, Store};

const T0: i64 = 1_795_000_000_000_000;

/// A record saying `pkg:pypi/<name>` is affected below 2.0.
fn record(id: &str, name: &str) -> OsvRow {
    let body = serde_json::json!({
        "id": id,
        "modified": "2026-11-01T00:00:00Z",
        "summary": "A test advisory",
        "affected": [{"package": {"ecosystem": "PyPI", "name": name},
            "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2.0"}]}]}],
    });
    OsvRow {
        id: id.into(),
        modified: "2026-11-01T00:00:00Z".into(),
        modified_at: Some(1_793_491_200_000_000),
        withdrawn: false,
        aliases: String::new(),
        summary: "A test advisory".into(),
        body: body.to_string(),
        packages: vec![("PyPI".into(), name.into())],
    }
}

/// The index's hits for `purl` at `now`.
async fn hits_at(cache: &OsvCache, store: &Store, purl: &str, now: Timestamp) -> usize {
    let index = cache.index(store, now).await.expect("index");
    index.query_purl(&Purl::parse(purl).expect("purl")).expect("query").len()
}

/// The hits at T0: the cache's clock stands still, so only a notice (or the process's own
/// import) can make it look at the database again, never the one-minute safety net.
async fn hits(cache: &OsvCache, store: &Store, purl: &str) -> usize {
    hits_at(cache, store, purl, Timestamp::from_micros(T0)).await
}

/// Waits (in real time, at most `limit`) until the index has a hit for `purl`; how long it took.
async fn arrival(cache: &OsvCache, store: &Store, purl: &str, limit: Duration) -> Duration {
    let started = Instant::now();
    while hits(cache, store, purl).await == 0 {
        assert!(started.elapsed() < limit, "{purl} never reached the index");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    started.elapsed()
}

#[tokio::test]
async fn an_instance_learns_of_another_instances_osv_import() {
    let db = TestDb::new().await;
    let postgres = db.store.backend() == Backend::Postgres;
    // Instance b: its own connections to the same database.
    let b = Store::open(&db.url, &OpenOptions::default()).await.expect("open b");
    let a = &db.store;
    let cache = Arc::new(OsvCache::default());
    assert_eq!(cache.watch(a).await.expect("watch"), postgres, "a listener runs on PostgreSQL only");
    let ctx = AuditContext::system(Timestamp::from_micros(T0));

    assert_eq!(hits(&cache, a, "pkg:pypi/alpha-lib@1.0").await, 0);
    // While nothing changes, a listening instance does not ask the database.
    let reads = cache.stamp_reads();
    for _ in 0..50 {
        assert_eq!(hits(&cache, a, "pkg:pypi/alpha-lib@1.0").await, 0);
    }
    let expected = if postgres { reads } else { reads + 50 };
    assert_eq!(cache.stamp_reads(), expected);
    // A minute on by the caller's clock, the safety net looks once, then trusts the index again.
    let later = Timestamp::from_micros(T0 + 61_000_000);
    hits_at(&cache, a, "pkg:pypi/alpha-lib@1.0", later).await;
    hits_at(&cache, a, "pkg:pypi/alpha-lib@1.0", later).await;
    let expected = if postgres { expected + 1 } else { expected + 2 };
    assert_eq!(cache.stamp_reads(), expected, "the one-minute check");

    // Its own import counts at once, on both databases.
    a.upsert_osv(&[record("VDTEST-0001", "alpha-lib")], &ctx).await.expect("import in a");
    assert_eq!(hits(&cache, a, "pkg:pypi/alpha-lib@1.0").await, 1, "a's own import, at once");

    // Another instance's import: by its notice on PostgreSQL (well within the 60 s safety net),
    // by the stamp on SQLite.
    b.upsert_osv(&[record("VDTEST-0002", "beta-lib")], &ctx).await.expect("import in b");
    let took = arrival(&cache, a, "pkg:pypi/beta-lib@1.5", Duration::from_secs(10)).await;
    eprintln!("b's import reached a's index after {took:?}");
    assert_eq!(hits(&cache, a, "pkg:pypi/beta-lib@2.0").await, 0, "fixed in 2.0");

    // An import that changes nothing (the same record again) sends no notice and costs no rebuild.
    let reads = cache.stamp_reads();
    b.upsert_osv(&[record("VDTEST-0002", "beta-lib")], &ctx).await.expect("same again");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(hits(&cache, a, "pkg:pypi/beta-lib@1.5").await, 1);
    if postgres {
        assert_eq!(cache.stamp_reads(), reads, "no notice for an import that kept every record");
        // The listening connection is cut (an administrator's pg_terminate_backend, a failover):
        // the listener connects again, and an import made meanwhile still reaches the index.
        let cut = vulndesk_store::testing::raw_at(
            &db.url,
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE datname = current_database() AND query LIKE 'LISTEN%'",
        )
        .await
        .expect("cut the listener");
        assert_eq!(cut, 1, "one listening connection");
        b.upsert_osv(&[record("VDTEST-0003", "gamma-lib")], &ctx).await.expect("import in b");
        let took = arrival(&cache, a, "pkg:pypi/gamma-lib@1.0", Duration::from_secs(20)).await;
        eprintln!("after the cut, b's import reached a's index after {took:?}");
        // And the listener works again (the cache's clock stands still, so no safety net helps).
        b.upsert_osv(&[record("VDTEST-0004", "delta-lib")], &ctx).await.expect("import in b");
        let took = arrival(&cache, a, "pkg:pypi/delta-lib@1.0", Duration::from_secs(20)).await;
        eprintln!("the next import reached a's index after {took:?}");
    }
    b.close().await;
}
