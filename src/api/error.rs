//! The API's one error type. Every error a client sees carries a stable `extensions.code`;
//! internal details are logged, never sent.

use async_graphql::ErrorExtensions;

/// Stable error codes (the values of `extensions.code`), as Apollo names them.
pub mod code {
    pub const BAD_USER_INPUT: &str = "BAD_USER_INPUT";
    /// The HTTP request is not a GraphQL request (malformed JSON, no query, ...).
    pub const BAD_REQUEST: &str = "BAD_REQUEST";
    pub const NOT_FOUND: &str = "NOT_FOUND";
    /// A write without the right token.
    pub const UNAUTHENTICATED: &str = "UNAUTHENTICATED";
    /// A write to a server started without a write token.
    pub const FORBIDDEN: &str = "FORBIDDEN";
    pub const INTERNAL: &str = "INTERNAL_SERVER_ERROR";
    /// The query breaks a limit (depth, complexity, fields, length, nesting).
    pub const QUERY_TOO_COMPLEX: &str = "QUERY_TOO_COMPLEX";
    /// The result would exceed the item budget or the response size limit.
    pub const RESULT_TOO_LARGE: &str = "RESULT_TOO_LARGE";
    /// The query asks for `__schema` or `__type` on a server with introspection off.
    pub const INTROSPECTION_DISABLED: &str = "INTROSPECTION_DISABLED";
    /// The server is at its bound of concurrent requests (HTTP 503 with `Retry-After`).
    pub const OVERLOADED: &str = "OVERLOADED";
    /// The request took longer than the timeout.
    pub const TIMEOUT: &str = "TIMEOUT";
    /// The request body is larger than allowed.
    pub const PAYLOAD_TOO_LARGE: &str = "PAYLOAD_TOO_LARGE";
    /// The request's media type is not `application/json`.
    pub const UNSUPPORTED_MEDIA_TYPE: &str = "UNSUPPORTED_MEDIA_TYPE";
    /// The client accepts no media type this server answers in.
    pub const NOT_ACCEPTABLE: &str = "NOT_ACCEPTABLE";
    /// An Apollo persisted-query hash this server does not know (the client then sends the query).
    pub const PERSISTED_QUERY_NOT_FOUND: &str = "PERSISTED_QUERY_NOT_FOUND";
    pub const PARSE_FAILED: &str = "GRAPHQL_PARSE_FAILED";
    pub const VALIDATION_FAILED: &str = "GRAPHQL_VALIDATION_FAILED";
}

/// An error a resolver reports.
///
/// Deliberately not `Display`: async-graphql converts any `Display` type into its error with
/// `?`, which would silently drop the code. Without it, the only conversion is the one below.
#[derive(Debug)]
pub enum ApiError {
    /// The request's arguments are wrong (bad cursor, page too large, ...).
    BadInput(String),
    /// An id names nothing.
    NotFound(String),
    /// A write without the right token.
    Unauthenticated(String),
    /// A write to a read-only server.
    Forbidden(String),
    /// The result would be too large.
    TooLarge(String),
    /// The request ran past its deadline.
    Timeout(String),
    /// A bug or a broken invariant: logged in full, reported as a generic message.
    Internal(String),
}

impl ApiError {
    pub fn bad_input(msg: impl Into<String>) -> Self {
        ApiError::BadInput(msg.into())
    }

    /// Nothing has this id; `what` names what was looked for ("entity", "node or relation").
    pub fn not_found(what: &str, id: &str) -> Self {
        ApiError::NotFound(format!("no {what} with id `{id}`"))
    }

    fn code(&self) -> &'static str {
        match self {
            ApiError::BadInput(_) => code::BAD_USER_INPUT,
            ApiError::NotFound(_) => code::NOT_FOUND,
            ApiError::Unauthenticated(_) => code::UNAUTHENTICATED,
            ApiError::Forbidden(_) => code::FORBIDDEN,
            ApiError::Timeout(_) => code::TIMEOUT,
            ApiError::TooLarge(_) => code::RESULT_TOO_LARGE,
            ApiError::Internal(_) => code::INTERNAL,
        }
    }

    /// What the client is told.
    fn message(&self) -> &str {
        match self {
            ApiError::BadInput(m)
            | ApiError::NotFound(m)
            | ApiError::Unauthenticated(m)
            | ApiError::Forbidden(m)
            | ApiError::TooLarge(m)
            | ApiError::Timeout(m) => m,
            ApiError::Internal(_) => "internal error",
        }
    }
}

impl From<ApiError> for async_graphql::Error {
    fn from(e: ApiError) -> Self {
        if let ApiError::Internal(detail) = &e {
            tracing::error!(%detail, "internal error while resolving a query");
        }
        let code = e.code();
        async_graphql::Error::new(e.message()).extend_with(|_, ext| ext.set("code", code))
    }
}

/// Results of resolvers.
pub type ApiResult<T> = Result<T, ApiError>;
