//! Where the token may go: the origins (scheme, host, port) the interceptor serves.

use url::Url;

/// The origins that receive the token.
#[derive(Debug, Clone)]
pub(super) enum Audience {
    /// The origin of the client's base URL (none when the client has no base URL).
    BaseUrl,
    /// These origins only.
    Origins(Vec<Url>),
}

impl Audience {
    /// Whether a request to `url`, on a client whose base URL is `base_url`, gets the token.
    pub(super) fn allows(&self, url: &Url, base_url: Option<&Url>) -> bool {
        match self {
            Audience::BaseUrl => base_url.is_some_and(|base| same_origin(url, base)),
            Audience::Origins(origins) => origins.iter().any(|origin| same_origin(url, origin)),
        }
    }
}

/// Whether `a` and `b` have the same origin (RFC 6454): scheme, host and port, with the
/// scheme's default port filled in. URLs without a host have no origin to share.
pub(super) fn same_origin(a: &Url, b: &Url) -> bool {
    a.host().is_some()
        && a.scheme() == b.scheme()
        && a.host() == b.host()
        && a.port_or_known_default() == b.port_or_known_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(text: &str) -> Url {
        Url::parse(text).unwrap()
    }

    #[test]
    fn origins_compare_scheme_host_and_port() {
        let base = url("https://api.example/v1/");
        assert!(same_origin(&url("https://api.example/users?x=1"), &base));
        assert!(same_origin(&url("https://API.example:443/"), &base));
        assert!(!same_origin(&url("http://api.example/"), &base));
        assert!(!same_origin(&url("https://api.example:8443/"), &base));
        assert!(!same_origin(&url("https://evil.example/"), &base));
        assert!(!same_origin(
            &url("https://api.example.evil.example/"),
            &base
        ));
        assert!(!same_origin(
            &url("data:text/plain,hi"),
            &url("data:text/plain,hi")
        ));
    }

    #[test]
    fn the_default_audience_is_the_base_url_origin_and_nothing_without_one() {
        let target = url("http://127.0.0.1:8080/data");
        assert!(Audience::BaseUrl.allows(&target, Some(&url("http://127.0.0.1:8080/api/"))));
        assert!(!Audience::BaseUrl.allows(&target, Some(&url("http://127.0.0.1:8081/"))));
        assert!(!Audience::BaseUrl.allows(&target, None));
        let listed = Audience::Origins(vec![
            url("http://127.0.0.1:8081"),
            url("http://127.0.0.1:8080"),
        ]);
        assert!(listed.allows(&target, None));
    }
}
