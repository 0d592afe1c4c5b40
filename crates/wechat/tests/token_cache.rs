//! The access-token cache against the emulator: single-flight, reuse, recovery from a
//! token WeChat no longer accepts.

mod common;

use common::*;
use ferrodoor_wechat::AccessTokenCache;
use futures::future::join_all;

#[tokio::test]
async fn concurrent_callers_share_one_token_fetch() {
    let setup = start().await;
    let cache = AccessTokenCache::new(setup.client.clone());
    let codes: Vec<String> = (0..20)
        .map(|i| {
            setup
                .emulator
                .phone_code(BOUND_APP, &format!("user{i}"), "13800138000")
                .unwrap()
        })
        .collect();
    let answers = join_all(
        codes
            .iter()
            .map(|c| cache.phone_number(BOUND_APP, BOUND_SECRET, c, None)),
    )
    .await;
    for a in &answers {
        assert_eq!(a.as_ref().unwrap().pure_phone_number, "13800138000");
    }
    assert_eq!(
        setup.emulator.stats().stable_token_calls,
        1,
        "one fetch for twenty callers"
    );
    let again = cache.token(BOUND_APP, BOUND_SECRET).await.unwrap();
    assert_eq!(
        setup.emulator.stats().stable_token_calls,
        1,
        "reused from the cache"
    );
    assert!(!again.is_empty());
}

#[tokio::test]
async fn a_refused_token_is_fetched_again_once() {
    let setup = start().await;
    let cache = AccessTokenCache::new(setup.client.clone());
    let old = cache.token(BOUND_APP, BOUND_SECRET).await.unwrap();
    // Someone force-refreshes the app's token elsewhere: ours is now invalid (40001).
    let forced = setup
        .client
        .stable_token(BOUND_APP, BOUND_SECRET, true)
        .await
        .unwrap();
    assert_ne!(forced.access_token, old);
    let code = setup
        .emulator
        .phone_code(BOUND_APP, "zoe", "13900139000")
        .unwrap();
    let phone = cache
        .phone_number(BOUND_APP, BOUND_SECRET, &code, None)
        .await
        .unwrap();
    assert_eq!(phone.pure_phone_number, "13900139000");
    assert_eq!(
        cache.token(BOUND_APP, BOUND_SECRET).await.unwrap(),
        forced.access_token
    );
}
