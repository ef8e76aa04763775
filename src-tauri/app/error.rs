//! What a command returns when it fails: the core error's kind, its sentence and the field it concerns,
//! plus the sentence's catalog code and parameters the UI translates with.
//! Internal details never cross to the UI (they are logged by the core).

use clinicdesk_core::{Error, ErrorKind};
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct CommandError {
    pub kind: ErrorKind,
    /// The English sentence (shown when the UI has no translation for `code`).
    pub message: String,
    pub field: Option<String>,
    /// The catalog code of the sentence (`ui/src/i18n/locales/<lang>/errors.json`); `None` if not catalogued.
    pub code: Option<String>,
    /// The values of the sentence's `{param}` placeholders.
    pub params: BTreeMap<String, String>,
}

impl From<Error> for CommandError {
    fn from(e: Error) -> Self {
        let (code, params) = match e.coded() {
            Some((code, params)) => (Some(code.to_string()), params),
            None => (None, BTreeMap::new()),
        };
        CommandError {
            kind: e.kind(),
            code,
            params,
            message: e.to_string(),
            field: e.field().map(String::from),
        }
    }
}

pub type CmdResult<T> = Result<T, CommandError>;
