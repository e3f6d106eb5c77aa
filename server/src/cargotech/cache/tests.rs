use std::sync::atomic::AtomicUsize;

use super::*;

fn cache(ttl: Duration) -> Arc<SharedCache<String>> {
    Arc::new(SharedCache::new(
        SharedStore::in_process(),
        "test",
        ttl,
        Arc::default(),
    ))
}

/// A fetch that counts its calls and answers after a pause.
fn counting(
    calls: &Arc<AtomicUsize>,
    answer: Result<&'static str, FetchError>,
) -> impl FnOnce(Urgency) -> std::pin::Pin<Box<dyn Future<Output = Result<String, FetchError>> + Send>>
+ Clone
+ Send
+ 'static {
    let calls = Arc::clone(calls);
    move |urgency| {
        Box::pin(async move {
            // Waiting fetches count one, background refreshes a thousand: tests can tell them apart.
            calls.fetch_add(
                if urgency == Urgency::Waiting { 1 } else { 1000 },
                Ordering::SeqCst,
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
            answer.map(str::to_owned)
        })
    }
}

#[tokio::test]
async fn a_hundred_identical_questions_at_once_make_one_upstream_call() {
    let cache = cache(Duration::from_secs(60));
    let calls = Arc::new(AtomicUsize::new(0));
    let answers = futures_join_all((0..100).map(|_| {
        let cache = Arc::clone(&cache);
        let fetch = counting(&calls, Ok("page"));
        tokio::spawn(async move { cache.get("q", fetch).await })
    }))
    .await;
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    assert!(answers.iter().all(|a| *a.as_ref().unwrap().0 == "page"));
    assert_eq!(
        cache.stats.coalesced.load(Ordering::Relaxed) + cache.stats.hits.load(Ordering::Relaxed),
        99
    );

    // And the next one is a plain hit.
    let (value, freshness) = cache.get("q", counting(&calls, Ok("other"))).await.unwrap();
    assert_eq!((value.as_str(), freshness), ("page", Freshness::Fresh));
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn an_expired_entry_is_served_at_once_and_refreshed_behind_the_scenes() {
    let cache = cache(Duration::from_millis(100));
    let calls = Arc::new(AtomicUsize::new(0));
    cache.get("q", counting(&calls, Ok("old"))).await.unwrap();
    tokio::time::sleep(Duration::from_millis(120)).await;

    let (value, freshness) = cache.get("q", counting(&calls, Ok("new"))).await.unwrap();
    assert_eq!(
        (value.as_str(), freshness),
        ("old", Freshness::Revalidating)
    );
    tokio::time::sleep(Duration::from_millis(80)).await;
    let (value, _) = cache.get("q", counting(&calls, Ok("newer"))).await.unwrap();
    assert_eq!(*value, "new");
    assert_eq!(
        calls.load(Ordering::SeqCst),
        1001,
        "one fetch a driver waited for, one background refresh"
    );
}

#[tokio::test]
async fn when_the_exchange_fails_old_data_is_served_marked_stale() {
    let cache = cache(Duration::from_millis(50));
    let calls = Arc::new(AtomicUsize::new(0));
    cache.get("q", counting(&calls, Ok("kept"))).await.unwrap();
    tokio::time::sleep(Duration::from_millis(120)).await;

    let down = Err(FetchError::Upstream(UpstreamError::Unavailable(
        "HTTP 502".into(),
    )));
    let (value, freshness) = cache
        .get("q", counting(&calls, down.clone()))
        .await
        .unwrap();
    assert_eq!(*value, "kept");
    assert!(
        matches!(freshness, Freshness::Stale { age } if age >= Duration::from_millis(100)),
        "{freshness:?}"
    );

    // Nothing cached: the failure is the answer.
    assert_eq!(
        cache
            .get("other", counting(&calls, down))
            .await
            .unwrap_err(),
        FetchError::Upstream(UpstreamError::Unavailable("HTTP 502".into()))
    );
}

#[tokio::test]
async fn a_failed_flight_is_not_remembered() {
    let cache = cache(Duration::from_secs(60));
    let calls = Arc::new(AtomicUsize::new(0));
    assert!(
        cache
            .get(
                "q",
                counting(&calls, Err(UpstreamError::Unavailable("x".into()).into()))
            )
            .await
            .is_err()
    );
    let (value, _) = cache.get("q", counting(&calls, Ok("fine"))).await.unwrap();
    assert_eq!(*value, "fine");
    assert_eq!(calls.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_driver_refused_before_calling_is_refused_alone_and_whoever_waits_with_them_fetches() {
    let cache = cache(Duration::from_secs(60));
    let calls = Arc::new(AtomicUsize::new(0));
    let over_share = FetchError::OverShare(OverShare {
        retry_after: Duration::from_secs(30),
    });
    let greedy = {
        let cache = Arc::clone(&cache);
        let fetch = counting(&calls, Err(over_share.clone()));
        tokio::spawn(async move { cache.get("q", fetch).await })
    };
    // The second driver joins the greedy one's flight while it is under way.
    tokio::time::sleep(Duration::from_millis(10)).await;
    let patient = {
        let cache = Arc::clone(&cache);
        let fetch = counting(&calls, Ok("page"));
        tokio::spawn(async move { cache.get("q", fetch).await })
    };
    assert_eq!(greedy.await.unwrap().unwrap_err(), over_share);
    assert_eq!(*patient.await.unwrap().unwrap().0, "page");
    assert_eq!(calls.load(Ordering::SeqCst), 2, "each ran their own fetch");
}

async fn futures_join_all<T>(handles: impl Iterator<Item = tokio::task::JoinHandle<T>>) -> Vec<T> {
    let mut results = Vec::new();
    for handle in handles.collect::<Vec<_>>() {
        results.push(handle.await.unwrap());
    }
    results
}

#[tokio::test]
async fn a_request_is_noted_as_waiting_only_when_it_asked_the_exchange_itself() {
    let cache = cache(Duration::from_secs(60));
    let calls = Arc::new(AtomicUsize::new(0));
    let (answer, waited) = noting_waits(cache.get("q", counting(&calls, Ok("page")))).await;
    assert_eq!(*answer.unwrap().0, "page");
    assert!(waited, "the first question waits for the exchange");
    let (_, waited) = noting_waits(cache.get("q", counting(&calls, Ok("page")))).await;
    assert!(!waited, "the second is served from the cache");
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}
