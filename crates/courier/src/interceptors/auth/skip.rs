//! [`SkipAuth`]: a request the auth interceptor leaves alone.

/// Marks a request that the [`AuthInterceptor`](super::AuthInterceptor) must pass through
/// untouched: no token is added, and its `401` starts no refresh. For the sign-in call and
/// other requests made without credentials (the refresher's own calls are marked already:
/// see [`RefreshClient`](super::RefreshClient)).
///
/// ```
/// use courier::interceptors::auth::SkipAuth;
///
/// let client = courier::Client::builder().base_url("https://api.example").build()?;
/// let sign_in = client
///     .post("auth/login")
///     .extension(SkipAuth)
///     .json(&serde_json::json!({"user": "ada", "password": "…"}))
///     .build()?;
/// assert!(sign_in.extensions().get::<SkipAuth>().is_some());
/// # Ok::<(), courier::Error>(())
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SkipAuth;
