//! The HTTP boundary's one error type: every refusal becomes JSON
//! [`ErrorBody`] `{code, message}` with its status, and is logged.
//!
//! Codes are stable (devices act on them); messages are English and say what the
//! client can do, never what went wrong inside: a server error is logged with its
//! details and answered `server.internal` with a generic message.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use ccs_core::sync::wire::{ErrorBody, WireError};

use crate::auth::AuthError;
use crate::enrollment::EnrollError;
use crate::keys::KeysError;
use crate::store::StoreError;
use ccs_core::error_code::ErrorCode;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error(transparent)]
    Auth(AuthError),
    #[error(transparent)]
    Enroll(EnrollError),
    #[error(transparent)]
    Wire(#[from] WireError),
    #[error(transparent)]
    Keys(KeysError),
    #[error("request body larger than {limit} bytes")]
    TooLarge { limit: usize },
    #[error("{count} documents in one request; the limit is {limit}")]
    TooManyDocs { count: usize, limit: usize },
    #[error("malformed request: {0}")]
    BadRequest(String),
    #[error("no such endpoint")]
    NotFound,
    #[error("method not allowed on this endpoint")]
    MethodNotAllowed,
    /// The database stayed locked by other writers past the busy timeout: the server is
    /// overloaded, nothing was written, the device retries later.
    #[error("the server is busy; nothing was written, try again in a moment")]
    Busy(String),
    /// The request took longer than the server allows; whatever it wrote is whole
    /// (one transaction) and a retry is safe.
    #[error("the request took too long; try again in a moment")]
    Timeout,
    /// The device sent more requests than its allowance.
    #[error("too many requests from this device; wait {retry_after_secs} s")]
    RateLimited { retry_after_secs: u64 },
    /// Details for the log only.
    #[error("internal server error")]
    Internal(String),
}

impl AppError {
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::Auth(AuthError::Revoked) => StatusCode::FORBIDDEN,
            AppError::Auth(AuthError::Store(_)) => StatusCode::INTERNAL_SERVER_ERROR,
            AppError::Auth(_) => StatusCode::UNAUTHORIZED,
            AppError::Enroll(EnrollError::DeviceExists) => StatusCode::CONFLICT,
            AppError::Enroll(EnrollError::DemoStore) => StatusCode::FORBIDDEN,
            AppError::Enroll(
                EnrollError::BadDeviceId
                | EnrollError::ScopeRequired
                | EnrollError::UnknownRegion(_)
                | EnrollError::Keys(_),
            ) => StatusCode::BAD_REQUEST,
            AppError::Enroll(EnrollError::Store(_)) => StatusCode::INTERNAL_SERVER_ERROR,
            AppError::Enroll(_) => StatusCode::UNAUTHORIZED,
            AppError::Wire(_) | AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Keys(KeysError::Store(_)) => StatusCode::INTERNAL_SERVER_ERROR,
            AppError::Keys(KeysError::Conflict(_) | KeysError::Stale { .. }) => StatusCode::CONFLICT,
            AppError::Keys(_) => StatusCode::BAD_REQUEST,
            AppError::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::TooManyDocs { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            AppError::Busy(_) | AppError::Timeout => StatusCode::SERVICE_UNAVAILABLE,
            AppError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn code(&self) -> ErrorCode {
        match self {
            AppError::Auth(e) => e.code(),
            AppError::Enroll(e) => e.code(),
            AppError::Wire(e) => e.code(),
            AppError::Keys(e) => e.code(),
            AppError::TooLarge { .. } => ErrorCode::RequestTooLarge,
            AppError::TooManyDocs { .. } => ErrorCode::RequestTooManyDocs,
            AppError::BadRequest(_) => ErrorCode::RequestMalformed,
            AppError::NotFound => ErrorCode::RequestNotFound,
            AppError::MethodNotAllowed => ErrorCode::RequestMethodNotAllowed,
            AppError::Busy(_) => ErrorCode::ServerBusy,
            AppError::Timeout => ErrorCode::ServerTimeout,
            AppError::RateLimited { .. } => ErrorCode::RequestRateLimited,
            AppError::Internal(_) => ErrorCode::ServerInternal,
        }
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        if e.is_busy() {
            AppError::Busy(e.to_string())
        } else {
            AppError::Internal(e.to_string())
        }
    }
}

impl From<AuthError> for AppError {
    fn from(e: AuthError) -> Self {
        match e {
            AuthError::Store(e) => e.into(),
            other => AppError::Auth(other),
        }
    }
}

impl From<EnrollError> for AppError {
    fn from(e: EnrollError) -> Self {
        match e {
            EnrollError::Store(e) => e.into(),
            other => AppError::Enroll(other),
        }
    }
}

impl From<KeysError> for AppError {
    fn from(e: KeysError) -> Self {
        match e {
            KeysError::Store(e) => e.into(),
            other => AppError::Keys(other),
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = self.status();
        let code = self.code().as_str();
        let message = match &self {
            AppError::Internal(detail) => {
                tracing::error!(code, detail = %detail, "request failed");
                "The server could not complete this request; try again later.".to_string()
            }
            AppError::Busy(detail) => {
                tracing::warn!(code, detail = %detail, "request refused: database busy");
                self.to_string()
            }
            other => {
                let message = other.to_string();
                tracing::warn!(code, status = status.as_u16(), %message, "request refused");
                message
            }
        };
        let mut response = (status, Json(ErrorBody { code: code.to_string(), message })).into_response();
        if let Some(secs) = self.retry_after_secs() {
            // The client waits this long (plus jitter) before it tries again by itself.
            response.headers_mut().insert(axum::http::header::RETRY_AFTER, axum::http::HeaderValue::from(secs));
        }
        response
    }
}

impl AppError {
    /// For the refusals a device should retry by itself: how long to wait first.
    pub fn retry_after_secs(&self) -> Option<u64> {
        match self {
            AppError::Busy(_) | AppError::Timeout => Some(crate::writer::RETRY_AFTER_SECS),
            AppError::RateLimited { retry_after_secs } => Some(*retry_after_secs),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_and_codes_follow_the_api() {
        let cases: Vec<(AppError, u16, &str)> = vec![
            (AuthError::Missing.into(), 401, "auth.missing"),
            (AuthError::UnknownToken.into(), 401, "auth.unknown_token"),
            (AuthError::Revoked.into(), 403, "auth.revoked"),
            (EnrollError::InvalidCode.into(), 401, "enroll.invalid_code"),
            (EnrollError::Expired.into(), 401, "enroll.expired"),
            (EnrollError::Used.into(), 401, "enroll.used"),
            (EnrollError::DeviceExists.into(), 409, "enroll.device_exists"),
            (WireError::BadMagic.into(), 400, "wire.bad_magic"),
            (AppError::TooLarge { limit: 1 }, 413, "request.too_large"),
            (AppError::TooManyDocs { count: 2, limit: 1 }, 422, "request.too_many_docs"),
            (StoreError::Internal("disk on fire".into()).into(), 500, "server.internal"),
            (StoreError::Overloaded.into(), 503, "server.busy"),
            (AppError::Timeout, 503, "server.timeout"),
            (AppError::RateLimited { retry_after_secs: 1 }, 429, "request.rate_limited"),
            (
                StoreError::from(rusqlite::Error::SqliteFailure(rusqlite::ffi::Error::new(5), None)).into(),
                503,
                "server.busy",
            ),
        ];
        for (error, status, code) in cases {
            assert_eq!((error.status().as_u16(), error.code().as_str()), (status, code), "{error:?}");
        }
    }

    #[test]
    fn internal_details_stay_out_of_the_body() {
        let response =
            AppError::from(StoreError::Internal("/srv/ccs/server.db: disk I/O error".into())).into_response();
        assert_eq!(response.status(), 500);
        let body = futures_body(response);
        assert!(!body.contains("disk"), "{body}");
        assert!(body.contains("server.internal"));
    }

    fn futures_body(response: Response) -> String {
        let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
        let bytes = rt.block_on(axum::body::to_bytes(response.into_body(), 1 << 20)).unwrap();
        String::from_utf8(bytes.to_vec()).unwrap()
    }
}
