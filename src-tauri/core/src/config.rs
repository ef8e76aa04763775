//! This computer's choice of database — the built-in cluster or a clinic server — kept in a small JSON file.
//! It never holds a password: staff type theirs at sign-in, and the embedded owner needs none (peer auth).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sqlx::postgres::{PgConnectOptions, PgSslMode};

use crate::error::{Error, Result};

/// How the connection to a clinic server is protected. Stored by name in config.json; see docs/decisions.md.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum TlsMode {
    /// Encrypted, and the server must prove it is the clinic's: its certificate is signed by the clinic's CA
    /// (the CA file) and made out to the host name typed in Settings. The default for a new server connection.
    #[default]
    VerifyFull,
    /// Encrypted but unverified: any machine on the network can pose as the server and ask for passwords.
    /// Only ever an explicit, warned choice.
    Require,
    /// Old settings only: encrypt if the server offers it (an attacker can simply not offer it).
    Prefer,
    /// Old settings only: no encryption at all.
    Disable,
}

impl TlsMode {
    /// Whether the server's identity is checked before anything (a password included) is sent to it.
    pub fn verifies(self) -> bool {
        matches!(self, TlsMode::VerifyFull)
    }

    pub fn ssl_mode(self) -> PgSslMode {
        match self {
            TlsMode::VerifyFull => PgSslMode::VerifyFull,
            TlsMode::Require => PgSslMode::Require,
            TlsMode::Prefer => PgSslMode::Prefer,
            TlsMode::Disable => PgSslMode::Disable,
        }
    }
}

/// The most a CA file may weigh: a clinic CA is a few kilobytes; a bundle of every public root is ~250 KB.
const CA_FILE_MAX_BYTES: u64 = 1024 * 1024;

/// Checks that `path` is a readable PEM file holding at least one X.509 certificate, exactly as the TLS
/// connection will read it. Errors are field errors on `field`, in a sentence naming the file.
pub fn check_ca_file(field: &str, path: &str) -> Result<()> {
    let p = Path::new(path);
    if !p.is_absolute() {
        return Err(Error::validation(field, crate::msg!(ca_file_full_path)));
    }
    let meta = match std::fs::metadata(p) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(Error::validation(
                field,
                crate::msg!(ca_file_missing, path = path),
            ))
        }
        Err(_) => {
            return Err(Error::validation(
                field,
                crate::msg!(ca_file_unreadable, path = path),
            ))
        }
    };
    if !meta.is_file() {
        return Err(Error::validation(
            field,
            crate::msg!(ca_file_not_file, path = path),
        ));
    }
    if meta.len() > CA_FILE_MAX_BYTES {
        return Err(Error::validation(
            field,
            crate::msg!(ca_file_too_large, path = path),
        ));
    }
    let data = std::fs::read(p)
        .map_err(|_| Error::validation(field, crate::msg!(ca_file_unreadable, path = path)))?;
    use rustls::pki_types::{pem::PemObject, CertificateDer};
    let not_pem = || Error::validation(field, crate::msg!(ca_file_not_pem, path = path));
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(&data) {
        let cert = cert.map_err(|_| not_pem())?;
        roots
            .add(cert)
            .map_err(|_| Error::validation(field, crate::msg!(ca_file_damaged, path = path)))?;
    }
    if roots.is_empty() {
        return Err(not_pem());
    }
    Ok(())
}

/// Where this computer's ClinicDesk data lives.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DatabaseConfig {
    /// The private cluster in the app's data dir.
    #[default]
    Embedded,
    /// A clinic's PostgreSQL server shared by several PCs.
    Server {
        host: String,
        port: u16,
        database: String,
        tls_mode: TlsMode,
        /// The clinic CA's certificate (PEM), absolute path; checked in `verify_full`. Absent in old files.
        #[serde(default)]
        ca_file: Option<String>,
    },
}

impl DatabaseConfig {
    pub fn label(&self) -> String {
        match self {
            DatabaseConfig::Embedded => "This computer (built in)".into(),
            DatabaseConfig::Server {
                host,
                port,
                database,
                ..
            } => format!("Clinic server {host}:{port}/{database}"),
        }
    }

    /// Checks the fields a person typed.
    pub fn validate(&self) -> Result<()> {
        if let DatabaseConfig::Server {
            host,
            port,
            database,
            tls_mode,
            ca_file,
        } = self
        {
            let host_ok = !host.trim().is_empty()
                && host.len() <= 253
                && host
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-._:[]".contains(c));
            if !host_ok {
                return Err(Error::validation("host", crate::msg!(db_host_required)));
            }
            if *port == 0 {
                return Err(Error::validation("port", crate::msg!(db_port_range)));
            }
            if database.trim().is_empty() || database.len() > 63 {
                return Err(Error::validation("database", crate::msg!(db_name_length)));
            }
            if tls_mode.verifies() {
                let Some(ca) = non_blank(ca_file) else {
                    return Err(Error::validation("ca_file", crate::msg!(ca_file_required)));
                };
                check_ca_file("ca_file", ca)?;
            }
        }
        Ok(())
    }

    /// Whether a person should be warned about this choice: a server reached without verifying it.
    pub fn tls_warning(&self) -> Option<&'static str> {
        match self {
            DatabaseConfig::Server { tls_mode, .. } if !tls_mode.verifies() => Some(TLS_WARNING),
            _ => None,
        }
    }

    /// Connection options for a staff member on a clinic server (the embedded case is built by the cluster).
    pub fn server_options(&self, user: &str) -> Option<PgConnectOptions> {
        match self {
            DatabaseConfig::Embedded => None,
            DatabaseConfig::Server {
                host,
                port,
                database,
                tls_mode,
                ca_file,
            } => {
                let options = PgConnectOptions::new()
                    .host(host)
                    .port(*port)
                    .database(database)
                    .username(user)
                    .application_name("clinicdesk")
                    .ssl_mode(tls_mode.ssl_mode());
                if !tls_mode.verifies() {
                    tracing::warn!(%host, ?tls_mode, "clinic server reached without verifying its certificate");
                }
                Some(match non_blank(ca_file) {
                    Some(ca) if tls_mode.verifies() => options.ssl_root_cert(ca),
                    _ => options,
                })
            }
        }
    }
}

/// The sentence shown beside (and logged for) a clinic server reached without verifying its certificate.
/// UI twin: `ui/src/lib/tls.ts` (its vitest fails when the two differ).
pub const TLS_WARNING: &str = "Not verified: any computer on the network can pretend to be the server and \
     collect staff passwords and patient data. Use \"Verify the server\" with the clinic's CA file.";

fn non_blank(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

const SSLMODE_KEYS: &[&str] = &["sslmode", "ssl-mode"];
const SSLROOTCERT_KEYS: &[&str] = &["sslrootcert", "ssl-root-cert", "ssl-ca"];

/// For `clinicctl --database-url`: the URL with the TLS the clinic server needs. With a CA file (checked like the
/// Settings field) any sslmode/sslrootcert in the URL is replaced by `sslmode=verify-full&sslrootcert=<file>`.
/// Without one, a URL to a network host that says nothing about TLS gets `sslmode=verify-full` (verified against
/// publicly trusted roots); loopback and unix-socket URLs keep PostgreSQL's default. Both sqlx and libpq
/// (pg_dump, pg_restore) read these parameters.
pub fn secure_database_url(url: &str, ca_file: Option<&str>) -> Result<String> {
    let invalid = || Error::validation("database_url", crate::msg!(database_url_invalid));
    let options: PgConnectOptions = url.parse().map_err(|_| invalid())?;
    let (base, query) = url.split_once('?').unwrap_or((url, ""));
    let key_of = |p: &str| p.split('=').next().unwrap_or("").to_ascii_lowercase();
    let mut params: Vec<String> = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(String::from)
        .collect();
    match ca_file {
        Some(ca) => {
            check_ca_file("ca_file", ca)?;
            params.retain(|p| {
                let k = key_of(p);
                !SSLMODE_KEYS.contains(&k.as_str()) && !SSLROOTCERT_KEYS.contains(&k.as_str())
            });
            params.push("sslmode=verify-full".into());
            params.push(format!("sslrootcert={}", percent_encode(ca)));
        }
        None => {
            let has_mode = params
                .iter()
                .any(|p| SSLMODE_KEYS.contains(&key_of(p).as_str()));
            if !has_mode && !is_local(&options) {
                params.push("sslmode=verify-full".into());
            }
        }
    }
    Ok(if params.is_empty() {
        base.to_string()
    } else {
        format!("{base}?{}", params.join("&"))
    })
}

/// A warning for a URL that reaches a network host without verifying it (None when verified or local).
pub fn url_tls_warning(url: &str) -> Option<&'static str> {
    let options: PgConnectOptions = url.parse().ok()?;
    let verified = matches!(options.get_ssl_mode(), PgSslMode::VerifyFull);
    (!verified && !is_local(&options)).then_some(
        "the server is not verified: any computer on the network can pretend to be it and collect the \
         password and patient data. Pass --ca-file with the clinic's CA certificate (sslmode=verify-full).",
    )
}

fn is_local(options: &PgConnectOptions) -> bool {
    let h = options
        .get_host()
        .trim_start_matches('[')
        .trim_end_matches(']');
    options.get_socket().is_some()
        || h.starts_with('/')
        || h.eq_ignore_ascii_case("localhost")
        || h.parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Percent-encodes a file path for a URL query value (unreserved characters and '/' stay as they are).
fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LocalConfig {
    #[serde(default)]
    pub database: DatabaseConfig,
}

impl LocalConfig {
    pub fn load(path: &Path) -> Result<Self> {
        match std::fs::read_to_string(path) {
            Ok(text) => serde_json::from_str(&text).map_err(|e| {
                tracing::error!(error = %e, path = %path.display(), "config unreadable");
                Error::Unavailable(crate::msg!(settings_file_damaged, path = path.display()))
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(LocalConfig::default()),
            Err(e) => Err(e.into()),
        }
    }

    /// Writes atomically (temp file + rename) so a crash never leaves half a config.
    pub fn save(&self, path: &Path) -> Result<()> {
        let dir = path
            .parent()
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("."));
        std::fs::create_dir_all(&dir)?;
        crate::files::write_atomic(
            path,
            &serde_json::to_vec_pretty(self).map_err(Error::internal)?,
        )?;
        Ok(())
    }
}
