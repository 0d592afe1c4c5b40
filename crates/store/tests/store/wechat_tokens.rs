//! The shared WeChat access token: one lease at a time, stores and releases only at the
//! version the lease was taken at (compare-and-swap).

use crate::committed;
use crate::fixtures::*;

#[tokio::test]
async fn one_lease_at_a_time_and_a_store_only_at_the_leased_version() {
    on_both(|env| async move {
        assert!(
            env.store
                .get_wechat_access_token("wxA")
                .await
                .unwrap()
                .is_none()
        );
        // First fetch: the record is created with the lease; a second node must wait.
        assert!(committed!(env, |tx| tx
            .lease_wechat_access_token("wxA", 0, 100, 115)
            .await
            .unwrap()));
        assert!(!committed!(env, |tx| tx
            .lease_wechat_access_token("wxA", 0, 101, 116)
            .await
            .unwrap()));
        let v1 = committed!(env, |tx| tx
            .store_wechat_access_token("wxA", 0, "sealed-1", 7300)
            .await
            .unwrap());
        assert_eq!(v1, Some(1));
        let row = env
            .store
            .get_wechat_access_token("wxA")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (row.token_sealed.as_deref(), row.expires_at, row.version),
            (Some("sealed-1"), 7300, 1)
        );

        // Two nodes saw version 1 refused: one leases, stores version 2; the other's lease
        // and store at version 1 no longer apply, so it cannot replace the newer token.
        assert!(committed!(env, |tx| tx
            .lease_wechat_access_token("wxA", 1, 200, 215)
            .await
            .unwrap()));
        assert_eq!(
            committed!(env, |tx| tx
                .store_wechat_access_token("wxA", 1, "sealed-2", 7400)
                .await
                .unwrap()),
            Some(2)
        );
        assert!(!committed!(env, |tx| tx
            .lease_wechat_access_token("wxA", 1, 201, 216)
            .await
            .unwrap()));
        assert_eq!(
            committed!(env, |tx| tx
                .store_wechat_access_token("wxA", 1, "sealed-x", 9999)
                .await
                .unwrap()),
            None
        );
        let row = env
            .store
            .get_wechat_access_token("wxA")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (row.token_sealed.as_deref(), row.version),
            (Some("sealed-2"), 2)
        );

        // A failed fetch releases its lease; a lapsed lease (its holder died) can be taken.
        assert!(committed!(env, |tx| tx
            .lease_wechat_access_token("wxA", 2, 300, 315)
            .await
            .unwrap()));
        committed!(env, |tx| tx
            .release_wechat_access_token("wxA", 2)
            .await
            .unwrap());
        assert!(committed!(env, |tx| tx
            .lease_wechat_access_token("wxA", 2, 301, 316)
            .await
            .unwrap()));
        assert!(!committed!(env, |tx| tx
            .lease_wechat_access_token("wxA", 2, 310, 325)
            .await
            .unwrap()));
        assert!(committed!(env, |tx| tx
            .lease_wechat_access_token("wxA", 2, 316, 331)
            .await
            .unwrap()));
        // Other AppIDs are separate.
        assert!(committed!(env, |tx| tx
            .lease_wechat_access_token("wxB", 0, 316, 331)
            .await
            .unwrap()));
    })
    .await;
}
