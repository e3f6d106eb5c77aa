//! The JSON API's one error type: an HTTP status, a stable machine-readable `code`, and a message
//! a driver can read (Russian). Internal detail goes to the log, never to the client.

use app::cargo::filter::FieldError;
use axum::{
    Json,
    http::StatusCode,
    response::{IntoResponse, Response},
};
use serde::Serialize;

#[derive(Debug, Serialize)]
pub struct ApiError {
    #[serde(skip)]
    status: StatusCode,
    pub code: &'static str,
    pub message: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            errors: Vec::new(),
        }
    }

    pub fn bad_body(detail: impl std::fmt::Display) -> Self {
        tracing::debug!(%detail, "a request's body was refused");
        Self::new(
            StatusCode::BAD_REQUEST,
            "invalid_body",
            "Некорректное тело запроса: ожидается JSON",
        )
    }

    pub fn bad_query(detail: impl std::fmt::Display) -> Self {
        tracing::debug!(%detail, "a request's query was refused");
        Self::new(
            StatusCode::BAD_REQUEST,
            "invalid_query",
            "Некорректные параметры запроса",
        )
    }

    pub fn not_found(code: &'static str, message: &str) -> Self {
        Self::new(StatusCode::NOT_FOUND, code, message)
    }

    pub fn with_field_errors(mut self, errors: Vec<FieldError>) -> Self {
        self.errors = errors;
        self
    }

    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "Что-то пошло не так, мы уже разбираемся",
        )
    }
}

impl From<sea_orm::DbErr> for ApiError {
    fn from(error: sea_orm::DbErr) -> Self {
        tracing::error!(%error, "database error");
        match error {
            sea_orm::DbErr::Conn(_) | sea_orm::DbErr::ConnectionAcquire(_) => Self::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                "Сервис временно недоступен, попробуйте чуть позже",
            ),
            _ => Self::internal(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.status, Json(&self)).into_response();
        if self.status == StatusCode::SERVICE_UNAVAILABLE {
            response
                .headers_mut()
                .insert("retry-after", axum::http::HeaderValue::from_static("5"));
        }
        response
    }
}
