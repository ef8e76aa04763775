//! What a command returns when it fails: the core error's kind, its sentence and the field it concerns.
//! Internal details never cross to the UI (they are logged by the core).

use clinicdesk_core::{Error, ErrorKind};
use serde::Serialize;

#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct CommandError {
    pub kind: ErrorKind,
    pub message: String,
    pub field: Option<String>,
}

impl From<Error> for CommandError {
    fn from(e: Error) -> Self {
        CommandError {
            kind: e.kind(),
            message: e.to_string(),
            field: e.field().map(String::from),
        }
    }
}

pub type CmdResult<T> = Result<T, CommandError>;
