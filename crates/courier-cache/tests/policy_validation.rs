//! RFC 9111 §4.3 validation: conditional requests, 304 handling, freshening, HEAD.

mod common;

use common::*;
use courier_cache::policy::validation::{
    conditional_headers, etags_match_strongly, etags_match_weakly,
};
use courier_cache::policy::{
    ForwardReason, HeadFreshening, Lookup, NotStorable, Revalidated, Storability,
};
use courier_cache::{Clock, MockClock};
use http::HeaderValue;

fn revalidate(
    policy: &courier_cache::Policy,
    entry: &Entry,
    response: &http::response::Parts,
    at: std::time::SystemTime,
) -> Revalidated {
    policy.after_revalidation(&(&get(&[])).into(), &entry.view(), &response.into(), at, at)
}

#[test]
fn rfc9111_4_3_1_revalidation_sends_etag_and_last_modified() {
    let clock = MockClock::default();
    let policy = private();
    let last_modified = date(clock.now() - secs(3600));
    let entry = cached(
        &policy,
        &clock,
        &[
            ("cache-control", "max-age=1"),
            ("etag", "W/\"v1\""),
            ("last-modified", &last_modified),
        ],
    );
    clock.advance(secs(2));
    let Lookup::Revalidate(revalidation) = lookup(&policy, &entry, &get(&[]), clock.now()) else {
        panic!("revalidate");
    };
    let sent = revalidation.conditional_headers();
    assert_eq!(sent["if-none-match"], "W/\"v1\"");
    assert_eq!(sent["if-modified-since"], last_modified.as_str());
    let mut outgoing = headers(&[("accept", "*/*"), ("if-none-match", "\"old\"")]);
    revalidation.apply_to(&mut outgoing);
    assert_eq!(outgoing["if-none-match"], "W/\"v1\"");
    assert_eq!(outgoing["accept"], "*/*");
}

#[test]
fn rfc9111_4_3_1_without_validators_the_revalidation_is_a_plain_request() {
    let clock = MockClock::default();
    let policy = private();
    let entry = cached(&policy, &clock, &[("cache-control", "max-age=1")]);
    clock.advance(secs(2));
    let Lookup::Revalidate(revalidation) = lookup(&policy, &entry, &get(&[]), clock.now()) else {
        panic!("revalidate");
    };
    assert!(revalidation.conditional_headers().is_empty());
}

#[test]
fn rfc9111_4_3_1_every_stored_variant_etag_is_offered() {
    let a = headers(&[("etag", "\"a\"")]);
    let b = headers(&[
        ("etag", "W/\"b\""),
        ("last-modified", "Sun, 06 Nov 1994 08:49:37 GMT"),
    ]);
    let sent = conditional_headers([&a, &b, &a]);
    assert_eq!(sent["if-none-match"], "\"a\", W/\"b\"");
    assert!(!sent.contains_key("if-modified-since"));
}

#[test]
fn rfc9110_13_1_2_weak_etag_comparison() {
    let v = |s: &'static str| HeaderValue::from_static(s);
    // RFC 9110 §8.8.3.2 table.
    assert!(!etags_match_strongly(&v("W/\"1\""), &v("W/\"1\"")));
    assert!(etags_match_weakly(&v("W/\"1\""), &v("W/\"1\"")));
    assert!(!etags_match_strongly(&v("W/\"1\""), &v("W/\"2\"")));
    assert!(!etags_match_weakly(&v("W/\"1\""), &v("W/\"2\"")));
    assert!(!etags_match_strongly(&v("W/\"1\""), &v("\"1\"")));
    assert!(etags_match_weakly(&v("W/\"1\""), &v("\"1\"")));
    assert!(etags_match_strongly(&v("\"1\""), &v("\"1\"")));
    assert!(etags_match_weakly(&v("\"1\""), &v("\"1\"")));

    // If-None-Match uses the weak comparison: a weak stored tag answers a strong request tag.
    let clock = MockClock::default();
    let policy = private();
    let entry = cached(
        &policy,
        &clock,
        &[("cache-control", "max-age=600"), ("etag", "W/\"1\"")],
    );
    let request = get(&[("if-none-match", "\"0\", \"1\"")]);
    assert_eq!(
        kind(&lookup(&policy, &entry, &request, clock.now())),
        "not-modified"
    );
}

#[test]
fn rfc9111_4_3_2_fresh_entry_answers_the_callers_if_none_match_with_304() {
    let clock = MockClock::default();
    let policy = private();
    let entry = cached(
        &policy,
        &clock,
        &[
            ("cache-control", "max-age=600"),
            ("etag", "\"v1\""),
            ("content-type", "text/plain"),
            ("content-length", "5"),
        ],
    );
    clock.advance(secs(5));
    let Lookup::NotModified { response_headers } = lookup(
        &policy,
        &entry,
        &get(&[("if-none-match", "\"v1\"")]),
        clock.now(),
    ) else {
        panic!("not modified");
    };
    assert_eq!(response_headers["etag"], "\"v1\"");
    assert_eq!(response_headers["age"], "5");
    assert!(response_headers.contains_key("date"));
    assert!(response_headers.contains_key("cache-control"));
    assert!(!response_headers.contains_key("content-length"));
    let star = get(&[("if-none-match", "*")]);
    assert_eq!(
        kind(&lookup(&policy, &entry, &star, clock.now())),
        "not-modified"
    );
}

#[test]
fn rfc9111_4_3_2_fresh_entry_answers_if_modified_since() {
    let clock = MockClock::default();
    let policy = private();
    let modified = clock.now() - secs(3600);
    let entry = cached(
        &policy,
        &clock,
        &[
            ("cache-control", "max-age=600"),
            ("last-modified", &date(modified)),
        ],
    );
    let same = get(&[("if-modified-since", &date(modified))]);
    assert_eq!(
        kind(&lookup(&policy, &entry, &same, clock.now())),
        "not-modified"
    );
    let older = get(&[("if-modified-since", &date(modified - secs(1)))]);
    assert_eq!(kind(&lookup(&policy, &entry, &older, clock.now())), "fresh");
    let garbage = get(&[("if-modified-since", "yesterday")]);
    assert_eq!(
        kind(&lookup(&policy, &entry, &garbage, clock.now())),
        "fresh"
    );
    // If-None-Match takes precedence over If-Modified-Since (RFC 9110 §13.2.2).
    let both = get(&[
        ("if-none-match", "\"other\""),
        ("if-modified-since", &date(modified)),
    ]);
    assert_eq!(kind(&lookup(&policy, &entry, &both, clock.now())), "fresh");
}

#[test]
fn rfc9111_4_3_2_stale_entry_forwards_the_callers_conditional_request_unchanged() {
    let clock = MockClock::default();
    let policy = private();
    let entry = cached(
        &policy,
        &clock,
        &[
            ("cache-control", "max-age=60, stale-while-revalidate=600"),
            ("etag", "\"v1\""),
        ],
    );
    clock.advance(secs(61));
    let request = get(&[("if-none-match", "\"v1\"")]);
    assert!(matches!(
        lookup(&policy, &entry, &request, clock.now()),
        Lookup::Forward(ForwardReason::ConditionalRequest)
    ));
}

#[test]
fn rfc9111_4_3_2_unsupported_preconditions_are_forwarded() {
    let clock = MockClock::default();
    let policy = private();
    let entry = cached(
        &policy,
        &clock,
        &[("cache-control", "max-age=600"), ("etag", "\"v1\"")],
    );
    for (name, value) in [
        ("if-match", "\"v1\""),
        ("if-unmodified-since", "Sun, 06 Nov 1994 08:49:37 GMT"),
        ("if-range", "\"v1\""),
    ] {
        let request = get(&[(name, value)]);
        assert!(
            matches!(
                lookup(&policy, &entry, &request, clock.now()),
                Lookup::Forward(ForwardReason::ConditionalRequest)
            ),
            "{name}"
        );
    }
}

#[test]
fn rfc9111_4_3_3_a_200_during_revalidation_replaces_the_entry() {
    let clock = MockClock::default();
    let policy = private();
    let entry = cached(
        &policy,
        &clock,
        &[("cache-control", "max-age=1"), ("etag", "\"v1\"")],
    );
    clock.advance(secs(10));
    let fresh = res(200, &[("cache-control", "max-age=60"), ("etag", "\"v2\"")]);
    let Revalidated::Modified(Storability::Store {
        response_headers, ..
    }) = revalidate(&policy, &entry, &fresh, clock.now())
    else {
        panic!("modified and storable");
    };
    assert_eq!(response_headers["etag"], "\"v2\"");
}

#[test]
fn rfc9111_4_3_3_an_unstorable_200_during_revalidation_means_delete() {
    let clock = MockClock::default();
    let policy = private();
    let entry = cached(
        &policy,
        &clock,
        &[("cache-control", "max-age=1"), ("etag", "\"v1\"")],
    );
    let fresh = res(200, &[("cache-control", "no-store")]);
    assert!(matches!(
        revalidate(&policy, &entry, &fresh, clock.now()),
        Revalidated::Modified(Storability::DoNotStore(NotStorable::ResponseNoStore))
    ));
}

#[test]
fn rfc9111_4_3_3_a_5xx_during_revalidation_consults_stale_if_error() {
    let clock = MockClock::default();
    let policy = private();
    let entry = cached(
        &policy,
        &clock,
        &[
            ("cache-control", "max-age=1, stale-if-error=60"),
            ("etag", "\"v1\""),
        ],
    );
    clock.advance(secs(30));
    let Revalidated::ServerError(fallback) =
        revalidate(&policy, &entry, &res(502, &[]), clock.now())
    else {
        panic!("server error");
    };
    let served = fallback
        .response_for(
            courier_cache::policy::OriginFailure::Status(http::StatusCode::BAD_GATEWAY),
            false,
            clock.now(),
        )
        .expect("stale-if-error");
    assert_eq!(served["age"], "30");
}

#[test]
fn rfc9111_4_3_4_a_304_freshens_the_stored_headers() {
    let clock = MockClock::default();
    let policy = private();
    let entry = cached(
        &policy,
        &clock,
        &[
            ("cache-control", "max-age=10"),
            ("etag", "\"v1\""),
            ("x-stored", "kept"),
            ("x-updated", "old"),
            ("x-updated", "older"),
        ],
    );
    clock.advance(secs(100));
    let now = clock.now();
    let not_modified = res(
        304,
        &[
            ("cache-control", "max-age=600"),
            ("etag", "\"v1\""),
            ("date", &date(now)),
            ("x-updated", "new"),
        ],
    );
    let Revalidated::NotModified(freshened) = revalidate(&policy, &entry, &not_modified, now)
    else {
        panic!("not modified");
    };
    assert_eq!(freshened.response_headers["cache-control"], "max-age=600");
    assert_eq!(freshened.response_headers["x-stored"], "kept");
    let updated: Vec<_> = freshened
        .response_headers
        .get_all("x-updated")
        .iter()
        .collect();
    assert_eq!(updated, ["new"]);
    assert_eq!(freshened.freshness.lifetime, secs(600));
    assert_eq!(freshened.served_headers["age"], "0");
    assert_eq!(
        (freshened.request_time, freshened.response_time),
        (now, now)
    );

    // Stored with the new metadata, the entry is fresh again.
    let renewed = Entry {
        response_headers: freshened.response_headers.clone(),
        cache_control: freshened.cache_control.clone(),
        request_time: freshened.request_time,
        response_time: freshened.response_time,
        ..entry
    };
    clock.advance(secs(599));
    assert_eq!(
        kind(&lookup(&policy, &renewed, &get(&[]), clock.now())),
        "fresh"
    );
}

#[test]
fn rfc9111_4_3_4_excluded_fields_are_not_updated_from_a_304() {
    let clock = MockClock::default();
    let policy = private();
    let entry = cached(
        &policy,
        &clock,
        &[
            ("cache-control", "max-age=10"),
            ("etag", "\"v1\""),
            ("content-length", "1234"),
            ("content-encoding", "gzip"),
        ],
    );
    let not_modified = res(
        304,
        &[
            ("etag", "\"v1\""),
            ("content-length", "0"),
            ("content-encoding", "br"),
            ("transfer-encoding", "chunked"),
            ("content-range", "bytes 0-0/1"),
            ("connection", "x-hop"),
            ("x-hop", "1"),
            ("keep-alive", "timeout=5"),
        ],
    );
    let Revalidated::NotModified(freshened) =
        revalidate(&policy, &entry, &not_modified, clock.now())
    else {
        panic!("not modified");
    };
    let h = &freshened.response_headers;
    assert_eq!(h["content-length"], "1234");
    assert_eq!(h["content-encoding"], "gzip");
    for name in [
        "transfer-encoding",
        "content-range",
        "connection",
        "x-hop",
        "keep-alive",
    ] {
        assert!(!h.contains_key(name), "{name}");
    }
}

#[test]
fn rfc9111_4_3_4_a_304_for_another_etag_selects_nothing() {
    let clock = MockClock::default();
    let policy = private();
    let entry = cached(
        &policy,
        &clock,
        &[("cache-control", "max-age=10"), ("etag", "\"v1\"")],
    );
    let other = res(304, &[("etag", "\"v2\"")]);
    assert!(matches!(
        revalidate(&policy, &entry, &other, clock.now()),
        Revalidated::Unselected
    ));
    // A strong validator in the 304 needs a strong match.
    let weak_entry = cached(
        &policy,
        &clock,
        &[("cache-control", "max-age=10"), ("etag", "W/\"v1\"")],
    );
    let strong = res(304, &[("etag", "\"v1\"")]);
    assert!(matches!(
        revalidate(&policy, &weak_entry, &strong, clock.now()),
        Revalidated::Unselected
    ));
    // A weak one matches weakly.
    let weak = res(304, &[("etag", "W/\"v1\"")]);
    assert!(matches!(
        revalidate(&policy, &entry, &weak, clock.now()),
        Revalidated::NotModified(_)
    ));
}

#[test]
fn rfc9111_4_3_4_a_304_selects_by_last_modified_without_etag() {
    let clock = MockClock::default();
    let policy = private();
    let modified = date(clock.now() - secs(100));
    let entry = cached(
        &policy,
        &clock,
        &[
            ("cache-control", "max-age=10"),
            ("last-modified", &modified),
        ],
    );
    let same = res(304, &[("last-modified", &modified)]);
    assert!(matches!(
        revalidate(&policy, &entry, &same, clock.now()),
        Revalidated::NotModified(_)
    ));
    let other = res(304, &[("last-modified", &date(clock.now()))]);
    assert!(matches!(
        revalidate(&policy, &entry, &other, clock.now()),
        Revalidated::Unselected
    ));
    // No validator at all: the 304 answers the request made for this entry.
    let bare = res(304, &[]);
    assert!(matches!(
        revalidate(&policy, &entry, &bare, clock.now()),
        Revalidated::NotModified(_)
    ));
}

#[test]
fn rfc9111_4_3_4_a_304_without_date_gets_one_and_age_restarts() {
    let clock = MockClock::default();
    let policy = private();
    let entry = cached(
        &policy,
        &clock,
        &[
            ("cache-control", "max-age=10"),
            ("etag", "\"v1\""),
            ("age", "5"),
        ],
    );
    clock.advance(secs(1000));
    let now = clock.now();
    let Revalidated::NotModified(freshened) =
        revalidate(&policy, &entry, &res(304, &[("etag", "\"v1\"")]), now)
    else {
        panic!("not modified");
    };
    assert_eq!(freshened.response_headers["date"], date(now).as_str());
    assert!(!freshened.response_headers.contains_key("age"));
    assert_eq!(freshened.served_headers["age"], "0");
}

#[test]
fn bug_a_304_rewrites_metadata_only_and_the_caller_gets_the_stored_status() {
    // `Freshened` has no body and no status: a store rewrites metadata, keeps the body, and
    // serves the stored status (here 200) with the freshened headers.
    let clock = MockClock::default();
    let policy = private();
    let entry = cached(
        &policy,
        &clock,
        &[
            ("cache-control", "max-age=10"),
            ("etag", "\"v1\""),
            ("content-type", "text/html"),
        ],
    );
    let Revalidated::NotModified(freshened) = revalidate(
        &policy,
        &entry,
        &res(304, &[("etag", "\"v1\"")]),
        clock.now(),
    ) else {
        panic!("not modified");
    };
    assert_eq!(entry.status, 200);
    assert_eq!(freshened.served_headers["content-type"], "text/html");
}

#[test]
fn rfc9111_4_3_4_shared_cache_never_takes_set_cookie_from_a_304() {
    let clock = MockClock::default();
    let policy = shared();
    let entry = cached(
        &policy,
        &clock,
        &[("cache-control", "max-age=10"), ("etag", "\"v1\"")],
    );
    let not_modified = res(304, &[("etag", "\"v1\""), ("set-cookie", "session=alice")]);
    let Revalidated::NotModified(freshened) =
        revalidate(&policy, &entry, &not_modified, clock.now())
    else {
        panic!("not modified");
    };
    assert!(!freshened.response_headers.contains_key("set-cookie"));
}

#[test]
fn rfc9111_4_3_4_a_304_that_adds_no_store_withdraws_the_entry() {
    let clock = MockClock::default();
    let policy = private();
    let entry = cached(
        &policy,
        &clock,
        &[("cache-control", "max-age=10"), ("etag", "\"v1\"")],
    );
    let not_modified = res(304, &[("etag", "\"v1\""), ("cache-control", "no-store")]);
    let Revalidated::NotModified(freshened) =
        revalidate(&policy, &entry, &not_modified, clock.now())
    else {
        panic!("not modified");
    };
    assert!(
        !freshened.storable,
        "no-store in the 304 forbids keeping the entry"
    );

    let repeated = res(304, &[("etag", "\"v1\""), ("cache-control", "max-age=10")]);
    let Revalidated::NotModified(freshened) = revalidate(&policy, &entry, &repeated, clock.now())
    else {
        panic!("not modified");
    };
    assert!(freshened.storable);
}

#[test]
fn rfc9111_4_3_4_a_304_that_adds_private_withdraws_the_entry_from_a_shared_cache() {
    let clock = MockClock::default();
    let not_modified = res(
        304,
        &[("etag", "\"v1\""), ("cache-control", "private, max-age=10")],
    );
    for (policy, storable) in [(shared(), false), (private(), true)] {
        let entry = cached(
            &policy,
            &clock,
            &[("cache-control", "max-age=10"), ("etag", "\"v1\"")],
        );
        let Revalidated::NotModified(freshened) =
            revalidate(&policy, &entry, &not_modified, clock.now())
        else {
            panic!("not modified");
        };
        assert_eq!(freshened.storable, storable);
    }
}

#[test]
fn rfc9111_4_3_5_head_response_freshens_the_stored_get() {
    let clock = MockClock::default();
    let policy = private();
    let entry = cached(
        &policy,
        &clock,
        &[
            ("cache-control", "max-age=10"),
            ("etag", "\"v1\""),
            ("content-length", "5"),
        ],
    );
    clock.advance(secs(50));
    let now = clock.now();
    let head = res(
        200,
        &[
            ("cache-control", "max-age=300"),
            ("etag", "\"v1\""),
            ("content-length", "5"),
        ],
    );
    let HeadFreshening::Freshened(freshened) =
        policy.freshen_with_head(&entry.view(), &(&head).into(), now, now)
    else {
        panic!("freshened");
    };
    assert_eq!(freshened.freshness.lifetime, secs(300));
}

#[test]
fn rfc9111_4_3_5_head_response_with_other_validators_or_length_invalidates() {
    let clock = MockClock::default();
    let policy = private();
    let modified = date(clock.now() - secs(100));
    let entry = cached(
        &policy,
        &clock,
        &[
            ("cache-control", "max-age=10"),
            ("etag", "\"v1\""),
            ("last-modified", &modified),
            ("content-length", "5"),
        ],
    );
    let now = clock.now();
    for list in [
        vec![("etag", "\"v2\"")],
        vec![("etag", "\"v1\""), ("content-length", "6")],
        vec![("last-modified", "Sun, 06 Nov 1994 08:49:37 GMT")],
        vec![("content-length", "5")],
    ] {
        let head = res(200, &list);
        assert!(
            matches!(
                policy.freshen_with_head(&entry.view(), &(&head).into(), now, now),
                HeadFreshening::Invalidate
            ),
            "{list:?}"
        );
    }
    let not_found = res(404, &[]);
    assert!(matches!(
        policy.freshen_with_head(&entry.view(), &(&not_found).into(), now, now),
        HeadFreshening::Unrelated
    ));
}
