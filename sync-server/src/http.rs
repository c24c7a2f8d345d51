//! The axum router: routes, extractors and handlers. Handlers only parse their input,
//! call one function of a domain module (on a blocking thread: SQLite and Automerge are
//! synchronous) and turn its error into an [`AppError`]. No SQL, no Automerge here.
//!
//! Every request gets an `x-request-id` (kept if the client sent one) that is echoed
//! back and carried by every log line of the request, so a device's report of a failed
//! sync can be matched to the server's log.
//!
//! One device cannot stall the server: every request has a deadline
//! ([`crate::Limits::request_timeout`], `503 server.timeout`), database work runs in a
//! bounded number of slots ([`crate::store::Store::run`], `503 server.busy` after a
//! wait), and each device has a request allowance ([`Buckets`],
//! `429 request.rate_limited`).

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, FromRequest, FromRequestParts, Request, State};
use axum::http::{header, request::Parts, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use ccs_core::sync::scope::DeviceScope;
use ccs_core::sync::wire::{self, RepairRequest};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::{DefaultOnResponse, TraceLayer};

use crate::enrollment::{self, EnrollRequest, EnrollResponse};
use crate::error::AppError;
use crate::relay::Carrier;
use crate::{auth, keys, relay, repair, store, sync, AppState};
use ccs_core::relay::api::{self, KeysRequest, KeysResponse, OutboxRequest, OutboxResponse, RelayReceipt};

/// Content type of sync frames.
pub const FRAME_CONTENT_TYPE: &str = "application/x-ccs-frame";

/// The whole HTTP API.
pub fn router(state: AppState) -> Router {
    let body_limit = state.limits.max_body_bytes;
    Router::new()
        .route("/healthz", get(healthz))
        .route("/v1/enroll", post(enroll))
        .route("/v1/sync", post(sync_round))
        .route("/v1/repair", post(repair_round))
        .route(api::KEYS_PATH, post(register_keys))
        .route(api::RELAY_PATH, post(relay_bundle))
        .route(api::OUTBOX_PATH, post(relay_outbox))
        .route(api::ROSTER_PATH, get(relay_roster))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(middleware::from_fn_with_state(state.clone(), deadline))
        // Layers run outermost last-added: the id is set, then the span opened with it,
        // then the id copied onto the response.
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|req: &Request| {
                    let id = req.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("-");
                    tracing::info_span!(
                        "request",
                        method = %req.method(),
                        path = %req.uri().path(),
                        request_id = %id,
                        device = tracing::field::Empty,
                    )
                })
                .on_response(DefaultOnResponse::new().level(tracing::Level::INFO)),
        )
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .with_state(state)
}

/// Answers `503 server.timeout` when a request (reading its body included) takes longer
/// than the limit. Database work already started finishes in its own slot, as one
/// transaction: the device's retry is safe.
async fn deadline(State(state): State<AppState>, req: Request, next: Next) -> Response {
    // The request's age orders its database work against other requests' ([`crate::gate`]).
    let served = crate::gate::REQUEST_SINCE.scope(std::time::Instant::now(), next.run(req));
    match tokio::time::timeout(state.limits.request_timeout, served).await {
        Ok(response) => response,
        Err(_) => AppError::Timeout.into_response(),
    }
}

/// Per-device token buckets: a device may send `device_burst` requests at once, then
/// `device_refill_per_sec` a second. An honest sync (a few rounds a second while it
/// pulls pages) stays far below; a device hammering the server is answered 429 without
/// touching the database beyond its token check.
#[derive(Debug, Default)]
pub struct Buckets {
    devices: std::sync::Mutex<std::collections::HashMap<ccs_core::model::DeviceId, (f64, std::time::Instant)>>,
}

impl Buckets {
    /// Takes one request from `device`'s allowance; the wait in seconds when empty.
    pub fn take(&self, device: ccs_core::model::DeviceId, burst: u32, per_sec: u32) -> Result<(), u64> {
        let now = std::time::Instant::now();
        let Ok(mut devices) = self.devices.lock() else { return Ok(()) };
        let burst = f64::from(burst.max(1));
        let rate = f64::from(per_sec.max(1));
        let (tokens, last) = devices.entry(device).or_insert((burst, now));
        *tokens = (*tokens + now.duration_since(*last).as_secs_f64() * rate).min(burst);
        *last = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            Ok(())
        } else {
            Err(((1.0 - *tokens) / rate).ceil().max(1.0) as u64)
        }
    }
}

async fn healthz() -> &'static str {
    "ok"
}

async fn not_found() -> AppError {
    AppError::NotFound
}

async fn method_not_allowed() -> AppError {
    AppError::MethodNotAllowed
}

/// The enrolled, non-revoked device making the request.
pub struct Device(pub DeviceScope);

impl FromRequestParts<AppState> for Device {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let token_hash = auth::secret_hash(bearer_token(parts)?);
        let scope = state.store.run(move |conn| auth::scope_of_hash(conn, &token_hash)).await?;
        admit(state, &scope)?;
        Ok(Device(scope))
    }
}

/// A sync request's token, by hash, let in to have its body read: one that passed the
/// full check lately ([`auth::RecentTokens`]), else checked now. The round checks it
/// again, on its own snapshot, before it files or answers anything ([`sync::round_grouped`]).
pub struct SyncCredential(pub String);

impl FromRequestParts<AppState> for SyncCredential {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let token_hash = auth::secret_hash(bearer_token(parts)?);
        let scope = match state.tokens.recall(&token_hash, std::time::Instant::now()) {
            Some(scope) => scope,
            None => {
                let hash = token_hash.clone();
                let scope = state.store.run(move |conn| auth::scope_of_hash(conn, &hash)).await?;
                state.tokens.note(token_hash.clone(), scope.clone(), std::time::Instant::now());
                scope
            }
        };
        admit(state, &scope)?;
        Ok(SyncCredential(token_hash))
    }
}

fn bearer_token(parts: &Parts) -> Result<&str, AppError> {
    let header = parts.headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok());
    Ok(auth::bearer(header)?)
}

/// Names the device in the request's log lines and takes one request of its allowance.
fn admit(state: &AppState, scope: &DeviceScope) -> Result<(), AppError> {
    tracing::Span::current().record("device", tracing::field::display(scope.device_id));
    let limits = &state.limits;
    if let Err(retry_after_secs) =
        state.buckets.take(scope.device_id, limits.device_burst, limits.device_refill_per_sec)
    {
        return Err(AppError::RateLimited { retry_after_secs });
    }
    Ok(())
}

/// The request body, within the configured size limit.
pub struct Body(pub Bytes);

impl FromRequest<AppState> for Body {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        // `DefaultBodyLimit` (set in `router`) enforces the limit while reading.
        let limit = state.limits.max_body_bytes;
        match Bytes::from_request(req, state).await {
            Ok(bytes) => Ok(Body(bytes)),
            Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => Err(AppError::TooLarge { limit }),
            Err(rejection) => Err(AppError::BadRequest(rejection.body_text())),
        }
    }
}

/// A sync frame as a response.
pub struct Frame(pub Vec<u8>);

impl IntoResponse for Frame {
    fn into_response(self) -> Response {
        ([(header::CONTENT_TYPE, FRAME_CONTENT_TYPE)], self.0).into_response()
    }
}

async fn enroll(State(state): State<AppState>, Body(body): Body) -> Result<Json<EnrollResponse>, AppError> {
    let request: EnrollRequest = serde_json::from_slice(&body).map_err(|e| AppError::BadRequest(e.to_string()))?;
    let mut response = state.store.run(move |conn| enrollment::redeem(conn, &request, chrono::Utc::now())).await?;
    response.server_keys = Some(state.server_keys.public());
    Ok(Json(response))
}

async fn sync_round(
    State(state): State<AppState>,
    SyncCredential(token_hash): SyncCredential,
    Body(body): Body,
) -> Result<Frame, AppError> {
    // Format 1, 2 or 3; the answer goes back in the format asked in (an old device).
    let wire::DecodedRequest { request, version, page_bytes, by_number } = wire::decode_sync_request(&body)?;
    let limit = state.limits.max_docs_per_request;
    if request.push.len() > limit {
        return Err(AppError::TooManyDocs { count: request.push.len(), limit });
    }
    let mut limits = state.limits.clone();
    limits.page_bytes = limits.granted_page_bytes(page_bytes);
    let round = sync::round_grouped(
        &state.store,
        &state.writer,
        token_hash.clone(),
        request,
        by_number,
        limits,
        chrono::Utc::now(),
    )
    .await;
    if let Err(AppError::Auth(_)) = &round {
        // Revoked or replaced since it was last let in: checked in full from now on.
        state.tokens.forget(&token_hash);
    }
    let answer = round?;
    // Formats 2 and 3 answer results by position, read against the pushed ids.
    Ok(Frame(wire::encode_sync_response_numbered(&answer.response, version, &answer.pushed, &answer.numbers)))
}

async fn repair_round(
    State(state): State<AppState>,
    Device(device): Device,
    Body(body): Body,
) -> Result<Frame, AppError> {
    let request: RepairRequest = wire::decode(&body)?;
    let limit = state.limits.repair_docs_per_round;
    if request.messages.len() > limit {
        return Err(AppError::TooManyDocs { count: request.messages.len(), limit });
    }
    let limits = state.limits.clone();
    let response = state
        .store
        .run(move |conn| repair::round(conn, &device, &request, &limits, chrono::Utc::now()).map_err(AppError::from))
        .await?;
    Ok(Frame(wire::encode(&response)))
}

/// `POST /v1/keys`: the device registers (or replaces) its relay keys and learns the
/// server's.
async fn register_keys(
    State(state): State<AppState>,
    Device(device): Device,
    Body(body): Body,
) -> Result<Json<KeysResponse>, AppError> {
    let request: KeysRequest = serde_json::from_slice(&body).map_err(|e| AppError::BadRequest(e.to_string()))?;
    let epoch = state
        .store
        .run(move |conn| -> Result<[u8; 16], AppError> {
            keys::register(conn, &device.device_id.to_string(), &request.keys, chrono::Utc::now())?;
            Ok(store::epoch(conn)?)
        })
        .await?;
    Ok(Json(KeysResponse { server_keys: state.server_keys.public(), epoch: hex::encode(epoch) }))
}

/// `POST /v1/relay`: one bundle a courier brought; its receipt (a refusal is a receipt
/// too, not an HTTP error: the courier keeps going with its other bundles).
async fn relay_bundle(
    State(state): State<AppState>,
    Device(courier): Device,
    Body(body): Body,
) -> Result<Json<RelayReceipt>, AppError> {
    let limits = state.limits.clone();
    let keys = state.server_keys.clone();
    let receipt = state
        .store
        .run(move |conn| {
            relay::receive(conn, &keys, &body, &Carrier::Device(courier), &limits, chrono::Utc::now())
                .map_err(AppError::from)
        })
        .await?;
    Ok(Json(receipt))
}

/// `POST /v1/relay/outbox`: return bundles for the devices the courier will visit.
async fn relay_outbox(
    State(state): State<AppState>,
    Device(courier): Device,
    Body(body): Body,
) -> Result<Frame, AppError> {
    let request: OutboxRequest = wire::decode(&body)?;
    let limits = state.limits.clone();
    let keys = state.server_keys.clone();
    let bundles = state
        .store
        .run(move |conn| {
            relay::outbox(conn, &keys, &Carrier::Device(courier), &request.devices, &limits, chrono::Utc::now())
                .map_err(AppError::from)
        })
        .await?;
    Ok(Frame(wire::encode(&OutboxResponse { bundles })))
}

/// `GET /v1/relay/roster`: the keys and revocations of the courier's area.
async fn relay_roster(State(state): State<AppState>, Device(courier): Device) -> Result<Frame, AppError> {
    let server = state.server_keys.public();
    let roster = state
        .store
        .run(move |conn| {
            relay::roster(conn, &server, &Carrier::Device(courier), chrono::Utc::now()).map_err(AppError::from)
        })
        .await?;
    Ok(Frame(wire::encode(&roster)))
}
