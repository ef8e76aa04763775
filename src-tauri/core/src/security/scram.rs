//! Computes PostgreSQL SCRAM-SHA-256 password verifiers on the client (as psql's \password does), so that
//! creating a role or resetting a password never sends the plain password to the server or its logs.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::{Digest, Sha256};

const ITERATIONS: u32 = 4096;

/// `SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>` for `password` (SASLprep-normalised as the server does).
pub fn verifier(password: &str) -> String {
    let mut salt = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut salt);
    verifier_with_salt(password, &salt, ITERATIONS)
}

pub fn verifier_with_salt(password: &str, salt: &[u8], iterations: u32) -> String {
    // The server falls back to the raw bytes when SASLprep fails; mirror that.
    let prepared = stringprep::saslprep(password)
        .map(|c| c.into_owned())
        .unwrap_or_else(|_| password.to_string());
    let mut salted = [0u8; 32];
    pbkdf2::pbkdf2_hmac::<Sha256>(prepared.as_bytes(), salt, iterations, &mut salted);
    let client_key = hmac(&salted, b"Client Key");
    let stored_key = Sha256::digest(client_key);
    let server_key = hmac(&salted, b"Server Key");
    format!(
        "SCRAM-SHA-256${iterations}:{}${}:{}",
        B64.encode(salt),
        B64.encode(stored_key),
        B64.encode(server_key)
    )
}

fn hmac(key: &[u8], msg: &[u8]) -> [u8; 32] {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(msg);
    mac.finalize().into_bytes().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verifier_has_postgres_format_and_fresh_salt() {
        let a = verifier("correct horse battery staple");
        let b = verifier("correct horse battery staple");
        assert!(a.starts_with("SCRAM-SHA-256$4096:"), "{a}");
        assert_ne!(a, b, "each verifier gets its own salt");
        let parts: Vec<&str> = a
            .trim_start_matches("SCRAM-SHA-256$")
            .split(['$', ':'])
            .collect();
        assert_eq!(parts.len(), 4);
        assert_eq!(B64.decode(parts[2]).unwrap().len(), 32);
    }

    #[test]
    fn same_salt_same_password_same_verifier() {
        let salt = b"0123456789abcdef";
        assert_eq!(
            verifier_with_salt("pw", salt, 4096),
            verifier_with_salt("pw", salt, 4096)
        );
        assert_ne!(
            verifier_with_salt("pw", salt, 4096),
            verifier_with_salt("pw2", salt, 4096)
        );
    }
}
