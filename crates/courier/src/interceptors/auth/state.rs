//! [`AuthState`]: whether the user is signed in, as the app's screens need to know.

/// Whether the client holds credentials, as reported by
/// [`AuthInterceptor::auth_state`](super::AuthInterceptor::auth_state) (fresh_dio's
/// `AuthenticationStatus`).
///
/// An app watches it to switch between its signed-in screens and the sign-in screen: it
/// becomes `Unauthenticated` when a refresh is rejected (the session ended on the server),
/// as well as on [`sign_out`](super::AuthInterceptor::sign_out).
///
/// ```
/// use courier::interceptors::auth::AuthState;
/// assert!(AuthState::Authenticated.is_authenticated());
/// assert!(!AuthState::Unknown.is_authenticated());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AuthState {
    /// The token store has not been read yet (see
    /// [`AuthInterceptor::load`](super::AuthInterceptor::load)).
    Unknown,
    /// A token is held: requests are sent with it.
    Authenticated,
    /// No token is held: the user must sign in.
    Unauthenticated,
}

impl AuthState {
    /// Whether a token is held.
    ///
    /// ```
    /// assert!(!courier::interceptors::auth::AuthState::Unauthenticated.is_authenticated());
    /// ```
    pub fn is_authenticated(self) -> bool {
        self == Self::Authenticated
    }
}
