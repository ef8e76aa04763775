//! Password strength rules for staff accounts: long enough and not guessable (zxcvbn score ≥ 3).

use serde::Serialize;

use crate::error::{Error, Result};

pub const MIN_LENGTH: usize = 10;
pub const MAX_LENGTH: usize = 128;

#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct PasswordStrength {
    /// 0 (very weak) – 4 (very strong)
    pub score: u8,
    pub acceptable: bool,
    pub feedback: Option<String>,
}

/// Rates a password; `user_inputs` (username, full name, clinic name) count against it.
pub fn strength(password: &str, user_inputs: &[&str]) -> PasswordStrength {
    let len = password.chars().count();
    if len < MIN_LENGTH {
        return PasswordStrength {
            score: 0,
            acceptable: false,
            feedback: Some(format!("Use at least {MIN_LENGTH} characters.")),
        };
    }
    if len > MAX_LENGTH {
        return PasswordStrength {
            score: 0,
            acceptable: false,
            feedback: Some(format!("Use at most {MAX_LENGTH} characters.")),
        };
    }
    let entropy = zxcvbn::zxcvbn(password, user_inputs);
    let score = u8::from(entropy.score());
    let feedback = entropy.feedback().and_then(|f| {
        f.warning()
            .map(|w| w.to_string())
            .or_else(|| f.suggestions().first().map(|s| s.to_string()))
    });
    PasswordStrength {
        score,
        acceptable: score >= 3,
        feedback: if score >= 3 {
            None
        } else {
            feedback.or_else(|| Some("Add more words or characters.".into()))
        },
    }
}

/// Refuses a weak password with a field error.
pub fn check(field: &str, password: &str, user_inputs: &[&str]) -> Result<()> {
    let s = strength(password, user_inputs);
    if s.acceptable {
        Ok(())
    } else {
        // the sentence is coded by what the feedback says (the length rules, else zxcvbn's English hint as a param)
        let len = password.chars().count();
        Err(Error::validation(
            field,
            match s.feedback {
                _ if len < MIN_LENGTH => crate::msg!(password_too_short, min = MIN_LENGTH),
                _ if len > MAX_LENGTH => crate::msg!(password_too_long, max = MAX_LENGTH),
                Some(hint) => crate::msg!(password_weak_hint, hint = hint),
                None => crate::msg!(password_weak),
            },
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_and_common_passwords_are_refused() {
        assert!(!strength("short", &[]).acceptable);
        assert!(!strength("password123", &[]).acceptable);
        assert!(!strength("reception01", &["reception01"]).acceptable);
        assert!(check("password", "qwertyuiop", &[]).is_err());
    }

    #[test]
    fn long_passphrase_is_accepted() {
        let s = strength("violet-anchor-mango-29-tundra", &[]);
        assert!(s.acceptable, "{s:?}");
        assert!(s.score >= 3);
        assert!(check("password", "violet-anchor-mango-29-tundra", &[]).is_ok());
    }
}
