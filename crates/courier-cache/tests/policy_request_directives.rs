//! RFC 9111 §5.2.1 request directives and §5.4 `Pragma`.

mod common;

use common::*;
use courier_cache::policy::{ForwardReason, Lookup, NotStorable, Storability};
use courier_cache::{Clock, MockClock};

fn kind_at(
    policy: &courier_cache::Policy,
    entry: &Entry,
    list: &[(&str, &str)],
    clock: &MockClock,
) -> &'static str {
    kind(&lookup(policy, entry, &get(list), clock.now()))
}

#[test]
fn rfc9111_5_2_1_1_request_max_age_limits_the_age() {
    let clock = MockClock::default();
    let policy = private();
    let entry = cached(&policy, &clock, &[("cache-control", "max-age=600")]);
    clock.advance(secs(30));
    assert_eq!(
        kind_at(&policy, &entry, &[("cache-control", "max-age=30")], &clock),
        "fresh"
    );
    assert_eq!(
        kind_at(&policy, &entry, &[("cache-control", "max-age=29")], &clock),
        "revalidate"
    );
    assert_eq!(
        kind_at(&policy, &entry, &[("cache-control", "max-age=0")], &clock),
        "revalidate"
    );
}

#[test]
fn rfc9111_5_2_1_2_max_stale_without_value_accepts_any_staleness() {
    let clock = MockClock::default();
    let policy = private();
    let entry = cached(&policy, &clock, &[("cache-control", "max-age=60")]);
    clock.advance(secs(1_000_000));
    let Lookup::Stale { response_headers } = lookup(
        &policy,
        &entry,
        &get(&[("cache-control", "max-stale")]),
        clock.now(),
    ) else {
        panic!("stale");
    };
    assert_eq!(response_headers["age"], "1000000");
}

#[test]
fn rfc9111_5_2_1_2_max_stale_with_value_bounds_staleness() {
    let clock = MockClock::default();
    let policy = private();
    let entry = cached(&policy, &clock, &[("cache-control", "max-age=60")]);
    clock.advance(secs(60 + 30));
    assert_eq!(
        kind_at(
            &policy,
            &entry,
            &[("cache-control", "max-stale=30")],
            &clock
        ),
        "stale"
    );
    assert_eq!(
        kind_at(
            &policy,
            &entry,
            &[("cache-control", "max-stale=29")],
            &clock
        ),
        "revalidate"
    );
    // A malformed value allows no staleness.
    assert_eq!(
        kind_at(&policy, &entry, &[("cache-control", "max-stale=x")], &clock),
        "revalidate"
    );
}

#[test]
fn rfc9111_5_2_1_3_min_fresh_requires_remaining_freshness() {
    let clock = MockClock::default();
    let policy = private();
    let entry = cached(&policy, &clock, &[("cache-control", "max-age=100")]);
    clock.advance(secs(60));
    assert_eq!(
        kind_at(
            &policy,
            &entry,
            &[("cache-control", "min-fresh=40")],
            &clock
        ),
        "fresh"
    );
    assert_eq!(
        kind_at(
            &policy,
            &entry,
            &[("cache-control", "min-fresh=41")],
            &clock
        ),
        "revalidate"
    );
}

#[test]
fn rfc9111_5_2_1_4_request_no_cache_revalidates_a_fresh_response() {
    let clock = MockClock::default();
    let policy = private();
    let entry = cached(
        &policy,
        &clock,
        &[
            ("cache-control", "max-age=600"),
            ("last-modified", &date(clock.now() - secs(10))),
        ],
    );
    let Lookup::Revalidate(revalidation) = lookup(
        &policy,
        &entry,
        &get(&[("cache-control", "no-cache")]),
        clock.now(),
    ) else {
        panic!("revalidate");
    };
    assert!(
        revalidation
            .conditional_headers()
            .contains_key("if-modified-since")
    );
}

#[test]
fn rfc9111_5_2_1_4_request_no_cache_may_be_ignored_by_configuration() {
    let clock = MockClock::default();
    let policy = with_config(|c| c.ignore_request_no_cache = true);
    let entry = cached(&policy, &clock, &[("cache-control", "max-age=600")]);
    assert_eq!(
        kind_at(&policy, &entry, &[("cache-control", "no-cache")], &clock),
        "fresh"
    );
    assert_eq!(
        kind_at(&policy, &entry, &[("pragma", "no-cache")], &clock),
        "fresh"
    );
}

#[test]
fn rfc9111_5_2_1_5_request_no_store_is_served_but_not_stored() {
    let clock = MockClock::default();
    let policy = private();
    let entry = cached(&policy, &clock, &[("cache-control", "max-age=600")]);
    let request = get(&[("cache-control", "no-store")]);
    assert_eq!(
        kind(&lookup(&policy, &entry, &request, clock.now())),
        "fresh"
    );
    let response = res(200, &[("cache-control", "max-age=600")]);
    let decision = policy.storability(
        &(&request).into(),
        &(&response).into(),
        clock.now(),
        clock.now(),
    );
    assert!(matches!(
        decision,
        Storability::DoNotStore(NotStorable::RequestNoStore)
    ));
}

#[test]
fn rfc9111_5_2_1_7_only_if_cached_is_served_when_fresh() {
    let clock = MockClock::default();
    let policy = private();
    let entry = cached(&policy, &clock, &[("cache-control", "max-age=600")]);
    assert_eq!(
        kind_at(
            &policy,
            &entry,
            &[("cache-control", "only-if-cached")],
            &clock
        ),
        "fresh"
    );
}

#[test]
fn rfc9111_5_2_1_7_only_if_cached_gives_504_instead_of_contacting_the_origin() {
    let clock = MockClock::default();
    let policy = private();
    let entry = cached(&policy, &clock, &[("cache-control", "max-age=60")]);
    clock.advance(secs(120));
    assert_eq!(
        kind_at(
            &policy,
            &entry,
            &[("cache-control", "only-if-cached")],
            &clock
        ),
        "gateway-timeout"
    );
    // Stale but acceptable to the client: served.
    assert_eq!(
        kind_at(
            &policy,
            &entry,
            &[("cache-control", "only-if-cached, max-stale")],
            &clock
        ),
        "stale"
    );
    // Another variant: still never the origin.
    let varying = cached(
        &policy,
        &clock,
        &[("cache-control", "max-age=60"), ("vary", "accept")],
    );
    let request = get(&[("cache-control", "only-if-cached"), ("accept", "text/html")]);
    assert_eq!(
        kind(&lookup(&policy, &varying, &request, clock.now())),
        "gateway-timeout"
    );
}

#[test]
fn rfc9111_5_4_pragma_no_cache_counts_without_cache_control() {
    let clock = MockClock::default();
    let policy = private();
    let entry = cached(&policy, &clock, &[("cache-control", "max-age=600")]);
    assert_eq!(
        kind_at(&policy, &entry, &[("pragma", "no-cache")], &clock),
        "revalidate"
    );
    assert_eq!(
        kind_at(&policy, &entry, &[("pragma", "x-other, NO-CACHE")], &clock),
        "revalidate"
    );
}

#[test]
fn rfc9111_5_4_pragma_ignored_when_cache_control_is_present() {
    let clock = MockClock::default();
    let policy = private();
    let entry = cached(&policy, &clock, &[("cache-control", "max-age=600")]);
    let list = [("pragma", "no-cache"), ("cache-control", "max-stale=10")];
    assert_eq!(kind_at(&policy, &entry, &list, &clock), "fresh");
}

#[test]
fn rfc9111_4_stored_get_answers_head_but_stored_head_does_not_answer_get() {
    let clock = MockClock::default();
    let policy = private();
    let entry = cached(&policy, &clock, &[("cache-control", "max-age=600")]);
    assert_eq!(
        kind(&lookup(&policy, &entry, &req("HEAD", &[]), clock.now())),
        "fresh"
    );
    let head_entry = cached_for(
        &policy,
        &clock,
        &req("HEAD", &[]),
        &[("cache-control", "max-age=600")],
    );
    assert!(matches!(
        lookup(&policy, &head_entry, &get(&[]), clock.now()),
        Lookup::Forward(ForwardReason::MethodMismatch)
    ));
}
