//! RFC 9111 §4.4: invalidation after unsafe methods.

mod common;

use common::*;

fn invalidated(method: &str, status: u16, list: &[(&str, &str)]) -> Vec<String> {
    let request = req(method, &[]);
    let response = res(status, list);
    private()
        .invalidations(&(&request).into(), &(&response).into())
        .into_iter()
        .map(String::from)
        .collect()
}

#[test]
fn rfc9111_4_4_unsafe_method_invalidates_the_target_uri() {
    for method in ["POST", "PUT", "DELETE", "PATCH"] {
        assert_eq!(invalidated(method, 200, &[]), [URL], "{method}");
    }
}

#[test]
fn rfc9111_4_4_same_origin_location_and_content_location_are_invalidated() {
    let uris = invalidated(
        "POST",
        201,
        &[
            ("location", "/items/7"),
            ("content-location", "https://example.com/items/7/view#top"),
        ],
    );
    assert_eq!(
        uris,
        [
            URL,
            "https://example.com/items/7",
            "https://example.com/items/7/view"
        ]
    );
}

#[test]
fn rfc9111_4_4_cross_origin_locations_are_not_invalidated() {
    let uris = invalidated(
        "PUT",
        200,
        &[
            ("location", "https://other.example/resource"),
            ("content-location", "http://example.com/resource"),
        ],
    );
    assert_eq!(uris, [URL]);
    let other_port = invalidated("PUT", 200, &[("location", "https://example.com:8443/x")]);
    assert_eq!(other_port, [URL]);
}

#[test]
fn rfc9111_4_4_error_responses_do_not_invalidate() {
    for status in [400, 404, 409, 500, 503] {
        assert!(invalidated("DELETE", status, &[]).is_empty(), "{status}");
    }
    assert_eq!(invalidated("DELETE", 303, &[]), [URL]);
}

#[test]
fn rfc9111_4_4_safe_methods_do_not_invalidate() {
    for method in ["GET", "HEAD", "OPTIONS", "TRACE"] {
        assert!(
            invalidated(method, 200, &[("location", "/x")]).is_empty(),
            "{method}"
        );
    }
}

#[test]
fn rfc9111_4_4_methods_of_unknown_safety_invalidate() {
    assert_eq!(invalidated("PURGE", 200, &[]), [URL]);
}

#[test]
fn rfc9111_4_4_relative_target_and_garbage_locations_are_skipped() {
    let request = req_to("POST", "/relative", &[]);
    let response = res(200, &[]);
    assert!(
        private()
            .invalidations(&(&request).into(), &(&response).into())
            .is_empty()
    );
    assert_eq!(
        invalidated("POST", 200, &[("location", "http://[::1")]),
        [URL]
    );
}
