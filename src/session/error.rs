//! The one error type of a session, which bindings see too: a stable code, a message,
//! and the details a program can act on (diagnostics of a failed load, the reason a
//! token was refused).

use std::fmt;

use serde::Serialize;

use crate::audit::AuditError;
use crate::identity::TokenError;
use crate::policy::{Diagnostic, LoadError};

/// What went wrong, classified for bindings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// An argument or option was missing, of the wrong type, or too large.
    InvalidArgument,
    /// A policy failed to load; `errors` holds the diagnostics.
    PolicyInvalid,
    /// An agent token was refused; `reason` holds the token error code.
    TokenInvalid,
    /// A key or secret could not be used.
    KeyInvalid,
    /// The audit settings were refused.
    AuditInvalid,
}

/// An error with everything a binding needs to raise its own error type.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionError {
    pub code: ErrorCode,
    pub message: String,
    /// For `token_invalid` and `key_invalid`: the token error code (`expired`, …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<&'static str>,
    /// For `policy_invalid`: every error found.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<Diagnostic>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<Diagnostic>,
}

impl SessionError {
    /// An invalid argument, described by `message`.
    pub fn invalid(message: impl Into<String>) -> SessionError {
        SessionError {
            code: ErrorCode::InvalidArgument,
            message: message.into(),
            reason: None,
            errors: Vec::new(),
            warnings: Vec::new(),
        }
    }

    /// The error as JSON text (what crosses into JavaScript).
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| {
            r#"{"code":"invalid_argument","message":"unreportable error"}"#.to_owned()
        })
    }
}

impl fmt::Display for SessionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for SessionError {}

impl From<LoadError> for SessionError {
    fn from(e: LoadError) -> SessionError {
        SessionError {
            code: ErrorCode::PolicyInvalid,
            message: e.to_string(),
            reason: None,
            errors: e.errors,
            warnings: e.warnings,
        }
    }
}

impl From<TokenError> for SessionError {
    fn from(e: TokenError) -> SessionError {
        let code = if e.code.as_str() == "bad_key" {
            ErrorCode::KeyInvalid
        } else {
            ErrorCode::TokenInvalid
        };
        SessionError {
            code,
            message: e.to_string(),
            reason: Some(e.code.as_str()),
            errors: Vec::new(),
            warnings: Vec::new(),
        }
    }
}

impl From<AuditError> for SessionError {
    fn from(e: AuditError) -> SessionError {
        SessionError {
            code: ErrorCode::AuditInvalid,
            message: e.to_string(),
            reason: Some(e.code()),
            errors: Vec::new(),
            warnings: Vec::new(),
        }
    }
}
