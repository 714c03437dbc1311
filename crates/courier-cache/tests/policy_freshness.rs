//! RFC 9111 §4.2 freshness, response directives that limit stale use, and RFC 5861.

mod common;

use common::*;
use courier_cache::policy::freshness::FreshnessSource;
use courier_cache::policy::{Lookup, OriginFailure, Revalidated};
use courier_cache::{Clock, MockClock};
use http::StatusCode;

#[test]
fn rfc9111_4_2_fresh_until_lifetime_then_stale_on_a_virtual_clock() {
    let clock = MockClock::default();
    let policy = private();
    let entry = cached(&policy, &clock, &[("cache-control", "max-age=60")]);
    clock.advance(secs(59));
    assert_eq!(
        kind(&lookup(&policy, &entry, &get(&[]), clock.now())),
        "fresh"
    );
    clock.advance(secs(1));
    assert_eq!(
        kind(&lookup(&policy, &entry, &get(&[]), clock.now())),
        "revalidate"
    );
}

#[test]
fn rfc9111_4_2_1_max_age_wins_over_expires() {
    let clock = MockClock::default();
    let policy = private();
    let expires = date(clock.now() + secs(3600));
    let entry = cached(
        &policy,
        &clock,
        &[("cache-control", "max-age=10"), ("expires", &expires)],
    );
    let freshness = policy.freshness(&entry.view());
    assert_eq!(
        (freshness.lifetime, freshness.source),
        (secs(10), FreshnessSource::MaxAge)
    );
}

#[test]
fn rfc9111_4_2_1_s_maxage_wins_in_shared_mode() {
    let clock = MockClock::default();
    let policy = shared();
    let entry = cached(
        &policy,
        &clock,
        &[("cache-control", "max-age=10, s-maxage=100")],
    );
    let freshness = policy.freshness(&entry.view());
    assert_eq!(
        (freshness.lifetime, freshness.source),
        (secs(100), FreshnessSource::SMaxAge)
    );
}

#[test]
fn rfc9111_4_2_1_s_maxage_ignored_in_private_mode() {
    let clock = MockClock::default();
    let policy = private();
    let entry = cached(
        &policy,
        &clock,
        &[("cache-control", "max-age=10, s-maxage=100")],
    );
    assert_eq!(policy.freshness(&entry.view()).lifetime, secs(10));
}

#[test]
fn rfc9111_4_2_1_expires_minus_date() {
    let clock = MockClock::default();
    let policy = private();
    // Date and Expires from the origin's clock, which runs 1000 s behind ours: only their
    // difference counts.
    let origin_now = clock.now() - secs(1000);
    let entry = cached(
        &policy,
        &clock,
        &[
            ("date", &date(origin_now)),
            ("expires", &date(origin_now + secs(300))),
        ],
    );
    let freshness = policy.freshness(&entry.view());
    assert_eq!(
        (freshness.lifetime, freshness.source),
        (secs(300), FreshnessSource::Expires)
    );
}

#[test]
fn rfc9111_4_2_1_expires_without_date_uses_response_time() {
    let clock = MockClock::default();
    let policy = private();
    let now = clock.now();
    let response = res(200, &[("expires", &date(now + secs(120)))]);
    let entry = store(&policy, &get(&[]), &response, now, now);
    assert_eq!(policy.freshness(&entry.view()).lifetime, secs(120));
}

#[test]
fn rfc9111_5_3_invalid_expires_means_already_expired() {
    let clock = MockClock::default();
    let policy = private();
    for bad in ["0", "-1", "tomorrow", "Thu, 32 Jan 2099 00:00:00 GMT"] {
        let entry = cached(
            &policy,
            &clock,
            &[
                ("expires", bad),
                ("last-modified", &date(clock.now() - secs(86_400 * 30))),
            ],
        );
        let freshness = policy.freshness(&entry.view());
        // An invalid Expires is explicit freshness information (zero), so no heuristic applies.
        assert_eq!(
            (freshness.lifetime, freshness.source),
            (secs(0), FreshnessSource::Expires),
            "{bad}"
        );
        assert_eq!(
            kind(&lookup(&policy, &entry, &get(&[]), clock.now())),
            "revalidate",
            "{bad}"
        );
    }
}

#[test]
fn rfc9111_4_2_1_malformed_max_age_is_stale() {
    let clock = MockClock::default();
    let policy = private();
    let expires = date(clock.now() + secs(3600));
    for cc in ["max-age=abc", "max-age", "max-age=-5", "max-age=1.5"] {
        let entry = cached(
            &policy,
            &clock,
            &[("cache-control", cc), ("expires", &expires)],
        );
        assert_eq!(policy.freshness(&entry.view()).lifetime, secs(0), "{cc}");
        assert_eq!(
            kind(&lookup(&policy, &entry, &get(&[]), clock.now())),
            "revalidate",
            "{cc}"
        );
    }
}

#[test]
fn rfc9111_4_2_1_conflicting_duplicate_max_age_is_stale() {
    let clock = MockClock::default();
    let policy = private();
    let entry = cached(
        &policy,
        &clock,
        &[
            ("cache-control", "max-age=60"),
            ("cache-control", "max-age=3600"),
        ],
    );
    assert_eq!(policy.freshness(&entry.view()).lifetime, secs(0));
    let same = cached(
        &policy,
        &clock,
        &[("cache-control", "max-age=60, max-age=60")],
    );
    assert_eq!(policy.freshness(&same.view()).lifetime, secs(60));
}

#[test]
fn rfc9111_4_2_2_heuristic_is_ten_percent_of_date_minus_last_modified() {
    let clock = MockClock::default();
    let policy = private();
    let entry = cached(
        &policy,
        &clock,
        &[("last-modified", &date(clock.now() - secs(10_000)))],
    );
    let freshness = policy.freshness(&entry.view());
    assert_eq!(
        (freshness.lifetime, freshness.source),
        (secs(1_000), FreshnessSource::Heuristic)
    );
    clock.advance(secs(999));
    assert_eq!(
        kind(&lookup(&policy, &entry, &get(&[]), clock.now())),
        "fresh"
    );
    clock.advance(secs(1));
    assert_eq!(
        kind(&lookup(&policy, &entry, &get(&[]), clock.now())),
        "revalidate"
    );
}

#[test]
fn rfc9111_4_2_2_heuristic_is_capped() {
    let clock = MockClock::default();
    let entry_headers = [("last-modified", date(clock.now() - secs(365 * 86_400)))];
    let list: Vec<(&str, &str)> = entry_headers
        .iter()
        .map(|(n, v)| (*n, v.as_str()))
        .collect();
    let policy = private();
    let entry = cached(&policy, &clock, &list);
    assert_eq!(policy.freshness(&entry.view()).lifetime, secs(86_400));
    let custom = with_config(|c| c.heuristic_cap = secs(3600));
    assert_eq!(custom.freshness(&entry.view()).lifetime, secs(3600));
}

#[test]
fn rfc9111_4_2_2_heuristic_only_for_heuristically_cacheable_status_or_public() {
    let clock = MockClock::default();
    let policy = private();
    let last_modified = date(clock.now() - secs(10_000));
    let now = clock.now();
    let date_now = date(now);
    let response = res(
        302,
        &[
            ("cache-control", "private"),
            ("last-modified", &last_modified),
            ("date", &date_now),
        ],
    );
    let entry = store(&policy, &get(&[]), &response, now, now);
    let freshness = policy.freshness(&entry.view());
    assert_eq!(
        (freshness.lifetime, freshness.source),
        (secs(0), FreshnessSource::None)
    );
    let public = res(
        302,
        &[
            ("cache-control", "public"),
            ("last-modified", &last_modified),
            ("date", &date_now),
        ],
    );
    let entry = store(&policy, &get(&[]), &public, now, now);
    assert_eq!(policy.freshness(&entry.view()).lifetime, secs(1_000));
}

#[test]
fn rfc8246_immutable_is_not_revalidated_on_reload_while_fresh() {
    let clock = MockClock::default();
    let policy = private();
    let entry = cached(
        &policy,
        &clock,
        &[("cache-control", "max-age=3600, immutable")],
    );
    clock.advance(secs(10));
    let reload = get(&[("cache-control", "max-age=0")]);
    assert_eq!(
        kind(&lookup(&policy, &entry, &reload, clock.now())),
        "fresh"
    );
    let mutable = cached(&policy, &clock, &[("cache-control", "max-age=3600")]);
    clock.advance(secs(10));
    assert_eq!(
        kind(&lookup(&policy, &mutable, &reload, clock.now())),
        "revalidate"
    );
}

#[test]
fn rfc8246_immutable_still_revalidates_on_forced_reload_and_when_stale() {
    let clock = MockClock::default();
    let policy = private();
    let entry = cached(
        &policy,
        &clock,
        &[("cache-control", "max-age=60, immutable")],
    );
    let force = get(&[("cache-control", "no-cache")]);
    assert_eq!(
        kind(&lookup(&policy, &entry, &force, clock.now())),
        "revalidate"
    );
    clock.advance(secs(61));
    assert_eq!(
        kind(&lookup(&policy, &entry, &get(&[]), clock.now())),
        "revalidate"
    );
}

#[test]
fn rfc9111_5_2_2_4_response_no_cache_always_revalidates() {
    let clock = MockClock::default();
    let policy = private();
    let entry = cached(
        &policy,
        &clock,
        &[
            ("cache-control", "no-cache, max-age=3600"),
            ("etag", "\"v1\""),
        ],
    );
    let Lookup::Revalidate(revalidation) = lookup(&policy, &entry, &get(&[]), clock.now()) else {
        panic!("revalidate");
    };
    assert_eq!(
        revalidation.conditional_headers()["if-none-match"],
        "\"v1\""
    );
    // Not even the client's max-stale makes it usable without validation.
    let lenient = get(&[("cache-control", "max-stale")]);
    assert_eq!(
        kind(&lookup(&policy, &entry, &lenient, clock.now())),
        "revalidate"
    );
}

#[test]
fn rfc9111_5_2_2_4_no_cache_field_names_are_withheld_from_unvalidated_responses() {
    let clock = MockClock::default();
    let policy = private();
    let entry = cached(
        &policy,
        &clock,
        &[
            ("cache-control", "max-age=60, no-cache=\"X-Secret\""),
            ("x-secret", "1"),
            ("x-public", "2"),
        ],
    );
    let Lookup::Fresh { response_headers } = lookup(&policy, &entry, &get(&[]), clock.now()) else {
        panic!("fresh");
    };
    assert!(!response_headers.contains_key("x-secret"));
    assert!(response_headers.contains_key("x-public"));
}

#[test]
fn rfc9111_5_2_2_2_must_revalidate_forbids_serving_stale() {
    let clock = MockClock::default();
    let policy = private();
    let entry = cached(
        &policy,
        &clock,
        &[(
            "cache-control",
            "max-age=60, must-revalidate, stale-while-revalidate=600",
        )],
    );
    clock.advance(secs(61));
    let lenient = get(&[("cache-control", "max-stale")]);
    assert_eq!(
        kind(&lookup(&policy, &entry, &lenient, clock.now())),
        "revalidate"
    );
    assert_eq!(
        kind(&lookup(&policy, &entry, &get(&[]), clock.now())),
        "revalidate"
    );
    let offline = get(&[("cache-control", "only-if-cached, max-stale")]);
    assert_eq!(
        kind(&lookup(&policy, &entry, &offline, clock.now())),
        "gateway-timeout"
    );
}

#[test]
fn rfc9111_5_2_2_8_proxy_revalidate_binds_only_shared_caches() {
    let clock = MockClock::default();
    let lenient = get(&[("cache-control", "max-stale")]);
    let list = [("cache-control", "max-age=60, proxy-revalidate")];
    let private_policy = private();
    let entry = cached(&private_policy, &clock, &list);
    let shared_policy = shared();
    let shared_entry = cached(&shared_policy, &clock, &list);
    clock.advance(secs(120));
    assert_eq!(
        kind(&lookup(&private_policy, &entry, &lenient, clock.now())),
        "stale"
    );
    assert_eq!(
        kind(&lookup(
            &shared_policy,
            &shared_entry,
            &lenient,
            clock.now()
        )),
        "revalidate"
    );
}

#[test]
fn rfc9111_5_2_2_10_s_maxage_forbids_stale_in_shared_caches() {
    let clock = MockClock::default();
    let policy = shared();
    let entry = cached(&policy, &clock, &[("cache-control", "s-maxage=60")]);
    clock.advance(secs(120));
    let lenient = get(&[("cache-control", "max-stale")]);
    assert_eq!(
        kind(&lookup(&policy, &entry, &lenient, clock.now())),
        "revalidate"
    );
}

#[test]
fn rfc5861_3_stale_while_revalidate_window() {
    let clock = MockClock::default();
    let policy = private();
    let entry = cached(
        &policy,
        &clock,
        &[
            ("cache-control", "max-age=60, stale-while-revalidate=30"),
            ("etag", "\"v1\""),
        ],
    );
    clock.advance(secs(75));
    let Lookup::StaleWhileRevalidate {
        response_headers,
        revalidation,
    } = lookup(&policy, &entry, &get(&[]), clock.now())
    else {
        panic!("stale-while-revalidate");
    };
    assert_eq!(response_headers["age"], "75");
    assert_eq!(
        revalidation.conditional_headers()["if-none-match"],
        "\"v1\""
    );
    clock.advance(secs(16));
    assert_eq!(
        kind(&lookup(&policy, &entry, &get(&[]), clock.now())),
        "revalidate"
    );
}

#[test]
fn rfc5861_3_stale_while_revalidate_yields_to_request_no_cache() {
    let clock = MockClock::default();
    let policy = private();
    let entry = cached(
        &policy,
        &clock,
        &[("cache-control", "max-age=60, stale-while-revalidate=30")],
    );
    clock.advance(secs(70));
    let request = get(&[("cache-control", "no-cache")]);
    assert_eq!(
        kind(&lookup(&policy, &entry, &request, clock.now())),
        "revalidate"
    );
}

fn revalidation_fallback(
    policy: &courier_cache::Policy,
    entry: &Entry,
    request: &http::request::Parts,
    now: std::time::SystemTime,
) -> courier_cache::policy::StaleOnError {
    match lookup(policy, entry, request, now) {
        Lookup::Revalidate(revalidation) => revalidation.on_error().clone(),
        other => panic!("expected revalidation, got {other:?}"),
    }
}

#[test]
fn rfc5861_4_stale_if_error_window() {
    let clock = MockClock::default();
    let policy = private();
    let entry = cached(
        &policy,
        &clock,
        &[("cache-control", "max-age=60, stale-if-error=100")],
    );
    clock.advance(secs(120));
    let fallback = revalidation_fallback(&policy, &entry, &get(&[]), clock.now());
    let unavailable = OriginFailure::Status(StatusCode::SERVICE_UNAVAILABLE);
    let served = fallback
        .response_for(unavailable, false, clock.now())
        .expect("within window");
    assert_eq!(served["age"], "120");
    assert!(
        fallback
            .response_for(OriginFailure::Network, false, clock.now())
            .is_some()
    );
    // RFC 5861 covers 500, 502, 503, 504 only.
    assert!(
        fallback
            .response_for(
                OriginFailure::Status(StatusCode::NOT_FOUND),
                false,
                clock.now()
            )
            .is_none()
    );
    // Staleness is measured when the failure happens: 60 s stale + 41 s waiting > 100 s.
    assert!(
        fallback
            .response_for(unavailable, false, clock.now() + secs(41))
            .is_none()
    );
}

#[test]
fn rfc5861_4_stale_if_error_on_the_request() {
    let clock = MockClock::default();
    let policy = private();
    let entry = cached(&policy, &clock, &[("cache-control", "max-age=60")]);
    clock.advance(secs(90));
    let request = get(&[("cache-control", "stale-if-error=60")]);
    let fallback = revalidation_fallback(&policy, &entry, &request, clock.now());
    assert!(
        fallback
            .response_for(OriginFailure::Network, false, clock.now())
            .is_some()
    );
    let plain = revalidation_fallback(&policy, &entry, &get(&[]), clock.now());
    assert!(
        plain
            .response_for(OriginFailure::Network, false, clock.now())
            .is_none()
    );
}

#[test]
fn bug_must_revalidate_5xx_while_revalidating_does_not_serve_stale() {
    let clock = MockClock::default();
    let policy = with_config(|c| c.max_stale = None);
    let entry = cached(
        &policy,
        &clock,
        &[
            (
                "cache-control",
                "max-age=60, must-revalidate, stale-if-error=3600",
            ),
            ("etag", "\"v1\""),
        ],
    );
    clock.advance(secs(61));
    let request = get(&[]);
    let Lookup::Revalidate(revalidation) = lookup(&policy, &entry, &request, clock.now()) else {
        panic!("revalidate");
    };
    assert!(revalidation.on_error().is_forbidden());
    let error = res(500, &[]);
    let outcome = policy.after_revalidation(
        &(&request).into(),
        &entry.view(),
        &(&error).into(),
        clock.now(),
        clock.now(),
    );
    let Revalidated::ServerError(fallback) = outcome else {
        panic!("server error");
    };
    let failure = OriginFailure::Status(StatusCode::INTERNAL_SERVER_ERROR);
    // Neither RFC 5861 nor the application's own fallback may hide the error.
    assert!(fallback.response_for(failure, true, clock.now()).is_none());
    assert!(
        fallback
            .response_for(OriginFailure::Network, true, clock.now())
            .is_none()
    );
}

#[test]
fn rfc9111_4_2_4_disconnected_cache_serves_stale_within_app_max_stale() {
    let clock = MockClock::default();
    let policy = with_config(|c| c.max_stale = Some(secs(3600)));
    let entry = cached(&policy, &clock, &[("cache-control", "max-age=60")]);
    clock.advance(secs(60 + 1800));
    let fallback = revalidation_fallback(&policy, &entry, &get(&[]), clock.now());
    // The application asked for the fallback (hit_cache_on_network_failure).
    assert!(
        fallback
            .response_for(OriginFailure::Network, true, clock.now())
            .is_some()
    );
    // It did not: the RFC alone gives no stale-if-error here.
    assert!(
        fallback
            .response_for(OriginFailure::Network, false, clock.now())
            .is_none()
    );
    // Past max_stale.
    assert!(
        fallback
            .response_for(OriginFailure::Network, true, clock.now() + secs(1801))
            .is_none()
    );
}

#[test]
fn dio_force_cache_serves_any_entry_within_max_stale() {
    let clock = MockClock::default();
    let policy = with_config(|c| c.max_stale = Some(secs(100)));
    let entry = cached(&policy, &clock, &[("cache-control", "no-cache")]);
    clock.advance(secs(100));
    let served = policy
        .force_cache(&(&get(&[])).into(), &entry.view(), clock.now())
        .expect("within max_stale");
    assert_eq!(served["age"], "100");
    clock.advance(secs(1));
    assert!(
        policy
            .force_cache(&(&get(&[])).into(), &entry.view(), clock.now())
            .is_none()
    );
}
