//! Password handling: strength rules and SCRAM verifiers, so plain passwords never leave this computer.

pub mod password;
pub mod scram;
