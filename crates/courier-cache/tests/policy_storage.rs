//! RFC 9111 §3: which responses are stored, and what of them.

mod common;

use common::*;
use courier_cache::policy::{NotStorable, Storability};
use courier_cache::{Clock, MockClock};

fn decide(
    policy: &courier_cache::Policy,
    request: &http::request::Parts,
    response: &http::response::Parts,
) -> Storability {
    let now = MockClock::default().now();
    policy.storability(&request.into(), &response.into(), now, now)
}

fn reason(decision: Storability) -> Option<NotStorable> {
    match decision {
        Storability::Store { .. } => None,
        Storability::DoNotStore(reason) => Some(reason),
    }
}

#[test]
fn rfc9111_3_fresh_get_response_is_stored() {
    let decision = decide(
        &private(),
        &get(&[]),
        &res(200, &[("cache-control", "max-age=60")]),
    );
    assert!(decision.is_store());
}

#[test]
fn rfc9111_3_only_understood_status_codes_are_stored() {
    for status in [299, 103, 304, 599] {
        let decision = decide(
            &private(),
            &get(&[]),
            &res(status, &[("cache-control", "max-age=60")]),
        );
        assert_eq!(
            reason(decision),
            Some(NotStorable::StatusNotUnderstood),
            "{status}"
        );
    }
    for status in [200, 301, 302, 404, 410, 500] {
        let decision = decide(
            &private(),
            &get(&[]),
            &res(status, &[("cache-control", "max-age=60")]),
        );
        assert!(decision.is_store(), "{status}");
    }
}

#[test]
fn rfc9111_3_only_cacheable_methods_are_stored() {
    let response = res(200, &[("cache-control", "max-age=60")]);
    for method in ["POST", "PUT", "DELETE", "OPTIONS"] {
        assert_eq!(
            reason(decide(&private(), &req(method, &[]), &response)),
            Some(NotStorable::MethodNotCacheable),
            "{method}"
        );
    }
    assert!(decide(&private(), &req("HEAD", &[]), &response).is_store());
    let allow_post = with_config(|c| c.allow_post = true);
    assert!(decide(&allow_post, &req("POST", &[]), &response).is_store());
}

#[test]
fn rfc9111_3_no_store_in_request_prevents_storing() {
    let decision = decide(
        &private(),
        &get(&[("cache-control", "no-store")]),
        &res(200, &[("cache-control", "max-age=60")]),
    );
    assert_eq!(reason(decision), Some(NotStorable::RequestNoStore));
}

#[test]
fn rfc9111_3_no_store_in_response_prevents_storing() {
    let decision = decide(
        &private(),
        &get(&[]),
        &res(200, &[("cache-control", "max-age=60, no-store")]),
    );
    assert_eq!(reason(decision), Some(NotStorable::ResponseNoStore));
}

#[test]
fn rfc9111_5_2_2_3_must_understand_overrides_no_store_for_understood_status() {
    let decision = decide(
        &private(),
        &get(&[]),
        &res(
            200,
            &[("cache-control", "max-age=60, no-store, must-understand")],
        ),
    );
    assert!(decision.is_store());
    let unknown = decide(
        &private(),
        &get(&[]),
        &res(
            299,
            &[("cache-control", "max-age=60, no-store, must-understand")],
        ),
    );
    assert_eq!(reason(unknown), Some(NotStorable::StatusNotUnderstood));
}

#[test]
fn rfc9111_3_private_not_stored_in_shared_mode() {
    let response = res(200, &[("cache-control", "private, max-age=60")]);
    assert_eq!(
        reason(decide(&shared(), &get(&[]), &response)),
        Some(NotStorable::Private)
    );
}

#[test]
fn rfc9111_3_private_stored_in_private_mode() {
    // `private` alone (no max-age) also permits storing in a private cache.
    let response = res(302, &[("cache-control", "private")]);
    assert!(decide(&private(), &get(&[]), &response).is_store());
}

#[test]
fn rfc9111_5_2_2_7_private_field_names_are_not_stored_by_shared_cache() {
    let response = res(
        200,
        &[
            ("cache-control", "max-age=60, private=\"X-User\""),
            ("x-user", "alice"),
            ("x-other", "1"),
        ],
    );
    let Storability::Store {
        response_headers, ..
    } = decide(&shared(), &get(&[]), &response)
    else {
        panic!("storable");
    };
    assert!(!response_headers.contains_key("x-user"));
    assert!(response_headers.contains_key("x-other"));
    let Storability::Store {
        response_headers, ..
    } = decide(&private(), &get(&[]), &response)
    else {
        panic!("storable");
    };
    assert!(response_headers.contains_key("x-user"));
}

#[test]
fn rfc9111_3_5_authorization_not_stored_in_shared_mode_without_public() {
    let request = get(&[("authorization", "Bearer x")]);
    let response = res(200, &[("cache-control", "max-age=60")]);
    assert_eq!(
        reason(decide(&shared(), &request, &response)),
        Some(NotStorable::Authorization)
    );
}

#[test]
fn rfc9111_3_5_authorization_stored_in_shared_mode_with_public_s_maxage_or_must_revalidate() {
    let request = get(&[("authorization", "Bearer x")]);
    for cc in [
        "public, max-age=60",
        "s-maxage=60",
        "must-revalidate, max-age=60",
    ] {
        let response = res(200, &[("cache-control", cc)]);
        assert!(decide(&shared(), &request, &response).is_store(), "{cc}");
    }
}

#[test]
fn rfc9111_3_5_authorization_stored_in_private_mode() {
    let request = get(&[("authorization", "Bearer x")]);
    let response = res(200, &[("cache-control", "max-age=60")]);
    assert!(decide(&private(), &request, &response).is_store());
}

#[test]
fn rfc9111_3_needs_explicit_freshness_or_heuristically_cacheable_status() {
    // 302 is not heuristically cacheable: it needs explicit freshness.
    assert_eq!(
        reason(decide(&private(), &get(&[]), &res(302, &[]))),
        Some(NotStorable::NoFreshnessInformation)
    );
    assert!(
        decide(
            &private(),
            &get(&[]),
            &res(302, &[("expires", "Thu, 01 Jan 2099 00:00:00 GMT")])
        )
        .is_store()
    );
    assert!(
        decide(
            &private(),
            &get(&[]),
            &res(302, &[("cache-control", "public")])
        )
        .is_store()
    );
    // 200, 404, 410 are heuristically cacheable (RFC 9110 §15.1): stored without directives.
    for status in [200, 203, 204, 300, 301, 308, 404, 405, 410, 414, 501] {
        assert!(
            decide(&private(), &get(&[]), &res(status, &[])).is_store(),
            "{status}"
        );
    }
    // s-maxage counts only in a shared cache.
    assert_eq!(
        reason(decide(
            &private(),
            &get(&[]),
            &res(302, &[("cache-control", "s-maxage=60")])
        )),
        Some(NotStorable::NoFreshnessInformation)
    );
    assert!(
        decide(
            &shared(),
            &get(&[]),
            &res(302, &[("cache-control", "s-maxage=60")])
        )
        .is_store()
    );
}

#[test]
fn rfc9111_3_3_partial_content_is_never_stored() {
    let response = res(
        206,
        &[
            ("cache-control", "max-age=60"),
            ("content-range", "bytes 0-9/100"),
        ],
    );
    assert_eq!(
        reason(decide(&private(), &get(&[]), &response)),
        Some(NotStorable::PartialContent)
    );
}

#[test]
fn rfc9111_3_shared_cache_does_not_store_set_cookie() {
    let response = res(
        200,
        &[
            ("cache-control", "max-age=60"),
            ("set-cookie", "a=1"),
            ("set-cookie", "b=2"),
        ],
    );
    let Storability::Store {
        response_headers, ..
    } = decide(&shared(), &get(&[]), &response)
    else {
        panic!("storable");
    };
    assert!(!response_headers.contains_key("set-cookie"));
    // A private cache is the user's own: cookies stay.
    let Storability::Store {
        response_headers, ..
    } = decide(&private(), &get(&[]), &response)
    else {
        panic!("storable");
    };
    assert_eq!(response_headers.get_all("set-cookie").iter().count(), 2);
}

#[test]
fn rfc9111_3_1_hop_by_hop_fields_are_not_stored() {
    let response = res(
        200,
        &[
            ("cache-control", "max-age=60"),
            ("connection", "x-hop, keep-alive"),
            ("x-hop", "1"),
            ("keep-alive", "timeout=5"),
            ("transfer-encoding", "chunked"),
            ("x-end-to-end", "1"),
        ],
    );
    let Storability::Store {
        response_headers, ..
    } = decide(&private(), &get(&[]), &response)
    else {
        panic!("storable");
    };
    for name in ["connection", "x-hop", "keep-alive", "transfer-encoding"] {
        assert!(!response_headers.contains_key(name), "{name}");
    }
    assert!(response_headers.contains_key("x-end-to-end"));
}

#[test]
fn rfc9111_4_1_vary_star_is_not_stored() {
    let response = res(
        200,
        &[("cache-control", "max-age=60"), ("vary", "accept, *")],
    );
    assert_eq!(
        reason(decide(&private(), &get(&[]), &response)),
        Some(NotStorable::VaryAny)
    );
}

#[test]
fn rfc9110_6_6_1_stored_response_gets_a_date_when_missing() {
    let clock = MockClock::default();
    let now = clock.now();
    let response = res(200, &[("cache-control", "max-age=60")]);
    let Storability::Store {
        response_headers,
        fresh_until,
        ..
    } = private().storability(&(&get(&[])).into(), &(&response).into(), now, now)
    else {
        panic!("storable");
    };
    assert_eq!(response_headers["date"], date(now).as_str());
    assert_eq!(fresh_until, now + secs(60));
}

#[test]
fn rfc9111_4_1_vary_selected_request_headers_are_returned_for_the_entry() {
    let request = get(&[("accept-language", "fr"), ("authorization", "x")]);
    let response = res(
        200,
        &[("cache-control", "max-age=60"), ("vary", "Accept-Language")],
    );
    let Storability::Store {
        request_headers, ..
    } = decide(&private(), &request, &response)
    else {
        panic!("storable");
    };
    assert_eq!(request_headers.len(), 1);
    assert_eq!(request_headers["accept-language"], "fr");
}

#[test]
fn bug_multi_valued_headers_are_stored_and_served_intact() {
    let clock = MockClock::default();
    let policy = private();
    let entry = cached(
        &policy,
        &clock,
        &[
            ("cache-control", "max-age=60"),
            ("set-cookie", "a=1"),
            ("set-cookie", "b=2"),
            ("link", "</a.css>; rel=preload"),
            ("link", "</b.js>; rel=preload"),
            ("vary", "accept"),
            ("vary", "accept-encoding"),
        ],
    );
    let courier_cache::Lookup::Fresh { response_headers } =
        lookup(&policy, &entry, &get(&[]), clock.now())
    else {
        panic!("fresh");
    };
    for name in ["set-cookie", "link", "vary"] {
        assert_eq!(response_headers.get_all(name).iter().count(), 2, "{name}");
    }
    let cookies: Vec<_> = response_headers.get_all("set-cookie").iter().collect();
    assert_eq!(cookies, ["a=1", "b=2"]);
}
