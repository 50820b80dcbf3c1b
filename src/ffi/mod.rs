//! The layer every binding shares (after Cedar's `ffi`): one session type and a few
//! plain functions whose inputs and outputs are JSON. The WebAssembly binding only
//! moves strings across; the command-line tool calls the same functions.

mod error;
mod options;
mod session;

pub use error::{ErrorCode, FfiError};
pub use options::{
    AuditOptions, AuditQuery, AuditSettings, CheckOptions, HandoffOptions, IssueConfig,
    ManualEntry, PolicyText, SessionConfig, VerifyConfig, When,
};
pub use session::{
    DEFAULT_MAX_INPUT_BYTES, Host, Session, issue_agent_token_json, verify_audit_json,
};
