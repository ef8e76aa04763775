//! Verified TLS to a clinic server (issue 11): a throwaway PostgreSQL cluster with ssl=on, a hostssl scram line on
//! 127.0.0.1 and certificates made here with the openssl CLI. A server that cannot prove it is the clinic's —
//! certificate from another CA, certificate for another name, no TLS at all — is refused before sign-in.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use clinicdesk_core::config::{DatabaseConfig, TlsMode};
use clinicdesk_core::db;
use clinicdesk_core::embedded::{Durability, EmbeddedCluster};
use clinicdesk_core::services::database;
use clinicdesk_core::Error;
use sqlx::Connection;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const USER: &str = "tls_desk";
const PASSWORD: &str = "violet-anchor-mango-29-tundra";

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("openssl CLI");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A CA (`<name>.crt`, `<name>.key`) in `dir`; returns the certificate's path.
fn make_ca(dir: &Path, name: &str) -> PathBuf {
    openssl(
        dir,
        &[
            "req",
            "-x509",
            "-new",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-keyout",
            &format!("{name}.key"),
            "-out",
            &format!("{name}.crt"),
            "-days",
            "2",
            "-subj",
            &format!("/CN={name}"),
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
        ],
    );
    dir.join(format!("{name}.crt"))
}

/// A server certificate for `dns_name` signed by CA `ca`: (`server.crt`, `server.key`) in `dir`.
fn make_server_cert(dir: &Path, ca: &str, dns_name: &str) -> (PathBuf, PathBuf) {
    openssl(
        dir,
        &[
            "req",
            "-new",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-keyout",
            "server.key",
            "-out",
            "server.csr",
            "-subj",
            &format!("/CN={dns_name}"),
        ],
    );
    std::fs::write(
        dir.join("server.ext"),
        format!(
            "subjectAltName=DNS:{dns_name}\nbasicConstraints=critical,CA:FALSE\n\
             keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n"
        ),
    )
    .unwrap();
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            &format!("{ca}.crt"),
            "-CAkey",
            &format!("{ca}.key"),
            "-CAcreateserial",
            "-days",
            "2",
            "-out",
            "server.crt",
            "-extfile",
            "server.ext",
        ],
    );
    (dir.join("server.crt"), dir.join("server.key"))
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A throwaway cluster with ssl=on listening on 127.0.0.1 (hostssl + scram-sha-256 only), stopped on drop.
struct SslCluster {
    cluster: EmbeddedCluster,
    port: u16,
    /// The CA that signed the server's certificate.
    ca: PathBuf,
    /// Another CA, which signed nothing the server presents.
    other_ca: PathBuf,
    dir: tempfile::TempDir,
}

impl SslCluster {
    /// The server presents a certificate for `dns_name` signed by the clinic CA.
    async fn start(dns_name: &str) -> SslCluster {
        let dir = tempfile::Builder::new()
            .prefix("clinicdesk-tls-")
            .tempdir()
            .unwrap();
        let pki = dir.path().join("pki");
        std::fs::create_dir(&pki).unwrap();
        let ca = make_ca(&pki, "clinic-ca");
        let other_ca = make_ca(&pki, "other-ca");
        let (crt, key) = make_server_cert(&pki, "clinic-ca", dns_name);

        let cluster = EmbeddedCluster::new(&dir.path().join("data"), Durability::Throwaway)
            .expect("PostgreSQL server binaries");
        cluster.init().await.expect("initdb");
        let pg = cluster.pg_dir();
        // the server reads its key and certificate as its own account; the key must be private to it
        for (from, to) in [(&crt, "server.crt"), (&key, "server.key")] {
            std::fs::copy(from, pg.join(to)).unwrap();
            std::os::unix::fs::chown(pg.join(to), owner_of(&pg).0, owner_of(&pg).1).unwrap();
            std::fs::set_permissions(pg.join(to), std::fs::Permissions::from_mode(0o600)).unwrap();
        }
        let port = free_port();
        append(
            &pg.join("postgresql.conf"),
            &format!(
                "\n# --- TLS test ---\nlisten_addresses = '127.0.0.1'\nport = {port}\nssl = on\n\
                 ssl_cert_file = 'server.crt'\nssl_key_file = 'server.key'\nlog_connections = on\n"
            ),
        );
        append(
            &pg.join("pg_hba.conf"),
            "hostssl all all 127.0.0.1/32 scram-sha-256\n",
        );
        cluster.start().await.expect("start the TLS cluster");
        let mut owner = db::connect_one(&cluster.owner_options("postgres").port(port))
            .await
            .expect("owner connection");
        sqlx::raw_sql(&format!("CREATE ROLE {USER} LOGIN PASSWORD '{PASSWORD}'"))
            .execute(&mut owner)
            .await
            .unwrap();
        owner.close().await.unwrap();
        SslCluster {
            cluster,
            port,
            ca,
            other_ca,
            dir,
        }
    }

    fn config(&self, host: &str, tls_mode: TlsMode, ca_file: Option<&Path>) -> DatabaseConfig {
        DatabaseConfig::Server {
            host: host.into(),
            port: self.port,
            database: "postgres".into(),
            tls_mode,
            ca_file: ca_file.map(|p| p.to_str().unwrap().to_string()),
        }
    }

    /// Signs in as the staff role with its password, the way the app does.
    async fn sign_in(&self, cfg: &DatabaseConfig) -> clinicdesk_core::Result<sqlx::PgConnection> {
        cfg.validate()?;
        let options = cfg.server_options(USER).unwrap().password(PASSWORD);
        db::connect_one(&options).await
    }

    /// Lines of the server log (log_connections = on) that report an authorized connection or a failed
    /// authentication: proof that a refused connection never reached authentication.
    fn auth_lines(&self) -> Vec<String> {
        std::fs::read_to_string(self.cluster.server_log())
            .unwrap_or_default()
            .lines()
            .filter(|l| l.contains("connection authorized") || l.contains("authentication failed"))
            .map(String::from)
            .collect()
    }
}

impl Drop for SslCluster {
    fn drop(&mut self) {
        let bindir = clinicdesk_core::embedded::find_bindir().expect("bindir");
        let _ = Command::new("setpriv")
            .args(["--reuid=postgres", "--regid=postgres", "--init-groups"])
            .arg(bindir.join("pg_ctl"))
            .args(["stop", "-m", "immediate", "-D"])
            .arg(self.cluster.pg_dir())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status();
    }
}

fn owner_of(p: &Path) -> (Option<u32>, Option<u32>) {
    use std::os::unix::fs::MetadataExt;
    let m = std::fs::metadata(p).unwrap();
    (Some(m.uid()), Some(m.gid()))
}

fn append(path: &Path, text: &str) {
    use std::io::Write;
    std::fs::OpenOptions::new()
        .append(true)
        .open(path)
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
}

fn unavailable(r: clinicdesk_core::Result<sqlx::PgConnection>) -> String {
    match r {
        Err(Error::Unavailable(m)) => m,
        Err(e) => panic!("expected a TLS refusal (Unavailable), got {e:?}"),
        Ok(_) => panic!("expected a TLS refusal, but the connection was made"),
    }
}

#[tokio::test]
async fn verify_full_with_the_clinic_ca_connects_and_refuses_another_ca() {
    let server = SslCluster::start("localhost").await;

    // (a) the clinic CA and the name in the certificate: connected, signed in, over TLS
    let good = server.config("localhost", TlsMode::VerifyFull, Some(&server.ca));
    let mut conn = server.sign_in(&good).await.expect("verify-full sign-in");
    let ssl: bool = sqlx::query_scalar("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert!(ssl, "the session is encrypted");
    conn.close().await.unwrap();
    assert!(
        database::check(&good).await.unwrap().ok,
        "Settings' check accepts it"
    );
    assert!(
        server.auth_lines().iter().any(|l| l.contains(USER)),
        "the server log shows sign-ins (so its silence below means something)"
    );

    // a CA file removed after it was chosen: said as such, not as "unreachable"
    let gone = server.dir.path().join("gone-ca.crt");
    std::fs::copy(&server.ca, &gone).unwrap();
    let vanished = server.config("localhost", TlsMode::VerifyFull, Some(&gone));
    std::fs::remove_file(&gone).unwrap();
    let options = vanished.server_options(USER).unwrap().password(PASSWORD);
    assert!(unavailable(db::connect_one(&options).await).contains("CA certificate file"));

    // (b) the server's certificate is not signed by the CA this computer trusts: refused during the TLS
    // handshake, i.e. before the startup message — no user name, no password, no authentication attempt
    let before = server.auth_lines().len();
    let wrong_ca = server.config("localhost", TlsMode::VerifyFull, Some(&server.other_ca));
    let msg = unavailable(server.sign_in(&wrong_ca).await);
    assert_eq!(
        msg,
        "The database server's certificate is not signed by the clinic's CA (the CA file in Settings), so \
         ClinicDesk did not connect and sent no password. Check the CA file; if it is right, this may not be \
         the clinic's server."
    );
    let check = database::check(&wrong_ca).await.unwrap();
    assert!(!check.ok);
    assert_eq!(check.message, msg);
    assert_eq!(
        server.auth_lines().len(),
        before,
        "the server never saw an authentication attempt: {:?}",
        server.auth_lines()
    );

    // the same server, reached by an address that is not in its certificate: refused
    let by_ip = server.config("127.0.0.1", TlsMode::VerifyFull, Some(&server.ca));
    assert!(unavailable(server.sign_in(&by_ip).await).contains("not made out to the server name"));

    // clinicctl --database-url … --ca-file: the same checks through the URL
    use clinicdesk_core::config::secure_database_url;
    use clinicdesk_core::target::DbTarget;
    let url = format!(
        "postgres://{USER}:{PASSWORD}@localhost:{}/postgres",
        server.port
    );
    let owner = |ca: &Path| {
        let url = secure_database_url(&url, Some(ca.to_str().unwrap())).unwrap();
        DbTarget::from_url(&url).unwrap().owner_options().unwrap()
    };
    db::connect_one(&owner(&server.ca))
        .await
        .expect("clinicctl URL with --ca-file")
        .close()
        .await
        .unwrap();
    assert!(unavailable(db::connect_one(&owner(&server.other_ca)).await)
        .contains("not signed by the clinic's CA"));

    // what the warned "require (no verification)" choice means: the impostor's certificate is accepted
    let unverified = server.config("localhost", TlsMode::Require, Some(&server.other_ca));
    assert!(unverified.tls_warning().is_some());
    server
        .sign_in(&unverified)
        .await
        .expect("require does not verify")
        .close()
        .await
        .unwrap();
}

#[tokio::test]
async fn a_certificate_for_another_host_name_is_refused() {
    // (c) right CA, wrong name: the certificate is for other.example, we connect to localhost
    let server = SslCluster::start("other.example").await;
    let before = server.auth_lines().len();
    let cfg = server.config("localhost", TlsMode::VerifyFull, Some(&server.ca));
    let msg = unavailable(server.sign_in(&cfg).await);
    assert_eq!(
        msg,
        "The database server's certificate is not made out to the server name in Settings, so ClinicDesk \
         did not connect and sent no password. Use the name written in the certificate, or remake the \
         certificate with this name (see the README)."
    );
    assert_eq!(
        server.auth_lines().len(),
        before,
        "no authentication attempt reached the server: {:?}",
        server.auth_lines()
    );
}

fn field_error(cfg: &DatabaseConfig) -> (String, String) {
    match cfg.validate() {
        Err(Error::Validation { field, message }) => (field, message),
        other => panic!("expected a field error, got {other:?}"),
    }
}

#[tokio::test]
async fn a_missing_or_garbage_ca_file_is_a_field_error() {
    // (d) checked when saving (validate runs before the config is saved), no server needed
    let dir = tempfile::tempdir().unwrap();
    let cfg = |ca: &Path| DatabaseConfig::Server {
        host: "clinic-db.lan".into(),
        port: 5432,
        database: "clinicdesk".into(),
        tls_mode: TlsMode::VerifyFull,
        ca_file: Some(ca.to_str().unwrap().into()),
    };

    let missing = dir.path().join("nope.crt");
    let (field, msg) = field_error(&cfg(&missing));
    assert_eq!(field, "ca_file");
    assert!(
        msg.starts_with("There is no file at ") && msg.contains("nope.crt"),
        "{msg}"
    );

    let garbage = dir.path().join("garbage.crt");
    std::fs::write(&garbage, "this is not a certificate\n").unwrap();
    let (field, msg) = field_error(&cfg(&garbage));
    assert_eq!(field, "ca_file");
    assert!(msg.contains("is not a PEM certificate"), "{msg}");

    // a private key is PEM but not a certificate
    make_ca(dir.path(), "ca");
    let (field, msg) = field_error(&cfg(&dir.path().join("ca.key")));
    assert_eq!(
        (field.as_str(), msg.contains("is not a PEM certificate")),
        ("ca_file", true)
    );

    // a PEM block that says CERTIFICATE but holds no X.509
    let damaged = dir.path().join("damaged.crt");
    std::fs::write(
        &damaged,
        "-----BEGIN CERTIFICATE-----\naGVsbG8gd29ybGQ=\n-----END CERTIFICATE-----\n",
    )
    .unwrap();
    let (field, msg) = field_error(&cfg(&damaged));
    assert_eq!(field, "ca_file");
    assert!(msg.contains("damaged certificate"), "{msg}");

    // none chosen: verify-full needs one
    let none = DatabaseConfig::Server {
        host: "clinic-db.lan".into(),
        port: 5432,
        database: "clinicdesk".into(),
        tls_mode: TlsMode::VerifyFull,
        ca_file: Some("  ".into()),
    };
    let (field, msg) = field_error(&none);
    assert_eq!(field, "ca_file");
    assert!(
        msg.starts_with("Choose the clinic's CA certificate file"),
        "{msg}"
    );

    // a folder, a relative path
    assert_eq!(field_error(&cfg(dir.path())).0, "ca_file");
    assert_eq!(field_error(&cfg(Path::new("clinic-ca.crt"))).0, "ca_file");

    // Settings' check refuses it before any network traffic
    assert!(matches!(
        database::check(&cfg(&missing)).await,
        Err(Error::Validation { field, .. }) if field == "ca_file"
    ));

    // and a real CA certificate passes
    assert!(cfg(&dir.path().join("ca.crt")).validate().is_ok());
}

/// A fake "server" on loopback that answers the SSLRequest with 'N' (no TLS) and, if the client carries on in
/// cleartext, asks for the password in cleartext (AuthenticationCleartextPassword) and returns what it got.
async fn impostor_without_tls() -> (u16, tokio::task::JoinHandle<Option<String>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let task = tokio::spawn(async move {
        let (mut s, _) = listener.accept().await.ok()?;
        let mut req = [0u8; 8];
        s.read_exact(&mut req).await.ok()?; // SSLRequest
        s.write_all(b"N").await.ok()?;
        let len = s.read_u32().await.ok()?; // a startup message means the client went on in cleartext
        let mut startup = vec![0u8; len as usize - 4];
        s.read_exact(&mut startup).await.ok()?;
        s.write_all(&[b'R', 0, 0, 0, 8, 0, 0, 0, 3]).await.ok()?; // cleartext password, please
        let tag = s.read_u8().await.ok()?;
        let len = s.read_u32().await.ok()?;
        let mut body = vec![0u8; len as usize - 4];
        s.read_exact(&mut body).await.ok()?;
        (tag == b'p').then(|| {
            String::from_utf8_lossy(&body)
                .trim_end_matches('\0')
                .to_string()
        })
    });
    (port, task)
}

#[tokio::test]
async fn verify_full_never_falls_back_to_cleartext_for_a_server_without_tls() {
    let cfg = |port, tls_mode| DatabaseConfig::Server {
        host: "127.0.0.1".into(),
        port,
        database: "clinicdesk".into(),
        tls_mode,
        ca_file: None,
    };

    let (port, impostor) = impostor_without_tls().await;
    let options = cfg(port, TlsMode::VerifyFull)
        .server_options(USER)
        .unwrap()
        .password(PASSWORD);
    let r = tokio::time::timeout(
        std::time::Duration::from_secs(10),
        db::connect_one(&options),
    )
    .await
    .expect("refused at once");
    match r {
        Err(Error::Unavailable(m)) => assert!(m.contains("does not offer TLS"), "{m}"),
        other => panic!("expected a refusal, got {:?}", other.map(|_| ())),
    }
    assert_eq!(
        impostor.await.unwrap(),
        None,
        "nothing after the SSLRequest"
    );

    // the old "prefer" mode is exactly the attack: the impostor declines TLS and reads the password
    let (port, impostor) = impostor_without_tls().await;
    let options = cfg(port, TlsMode::Prefer)
        .server_options(USER)
        .unwrap()
        .password(PASSWORD);
    let _ = tokio::time::timeout(
        std::time::Duration::from_secs(10),
        db::connect_one(&options),
    )
    .await;
    assert_eq!(impostor.await.unwrap().as_deref(), Some(PASSWORD));
    assert!(cfg(port, TlsMode::Prefer).tls_warning().is_some());
}

#[test]
fn old_config_files_keep_their_mode_and_new_ones_verify() {
    use clinicdesk_core::config::LocalConfig;
    let old: LocalConfig = serde_json::from_str(
        r#"{"database":{"kind":"server","host":"db.lan","port":5432,"database":"clinicdesk","tls_mode":"require"}}"#,
    )
    .unwrap();
    match &old.database {
        DatabaseConfig::Server {
            tls_mode, ca_file, ..
        } => assert_eq!((*tls_mode, ca_file.as_deref()), (TlsMode::Require, None)),
        _ => panic!("server config"),
    }
    assert!(
        old.database.tls_warning().is_some(),
        "shown with the warning"
    );
    assert_eq!(TlsMode::default(), TlsMode::VerifyFull);
    let json = serde_json::to_value(DatabaseConfig::Server {
        host: "db.lan".into(),
        port: 5432,
        database: "clinicdesk".into(),
        tls_mode: TlsMode::default(),
        ca_file: Some("/etc/clinicdesk/clinic-ca.crt".into()),
    })
    .unwrap();
    assert_eq!(json["tls_mode"], "verify_full");
    assert_eq!(json["ca_file"], "/etc/clinicdesk/clinic-ca.crt");
}

#[test]
fn clinicctl_urls_verify_network_servers() {
    use clinicdesk_core::config::{secure_database_url, url_tls_warning};
    let dir = tempfile::tempdir().unwrap();
    let ca = make_ca(dir.path(), "clinic ca");
    let ca = ca.to_str().unwrap();

    // --ca-file: verify-full against that file, replacing what the URL said
    let url = secure_database_url(
        "postgres://owner:pw@db.lan/clinicdesk?sslmode=require",
        Some(ca),
    )
    .unwrap();
    assert_eq!(
        url,
        format!(
            "postgres://owner:pw@db.lan/clinicdesk?sslmode=verify-full&sslrootcert={}",
            ca.replace(' ', "%20")
        )
    );
    let o: sqlx::postgres::PgConnectOptions = url.parse().unwrap();
    assert!(matches!(
        o.get_ssl_mode(),
        sqlx::postgres::PgSslMode::VerifyFull
    ));
    assert_eq!(url_tls_warning(&url), None);

    // a network host with nothing said about TLS: verify-full by default
    assert_eq!(
        secure_database_url("postgres://owner@db.lan/clinicdesk", None).unwrap(),
        "postgres://owner@db.lan/clinicdesk?sslmode=verify-full"
    );
    // an explicit sslmode=require stays, with the warning; loopback keeps PostgreSQL's default
    let explicit = secure_database_url("postgres://owner@db.lan/c?sslmode=require", None).unwrap();
    assert_eq!(explicit, "postgres://owner@db.lan/c?sslmode=require");
    assert!(url_tls_warning(&explicit).is_some());
    assert_eq!(
        secure_database_url("postgres://owner@127.0.0.1:5433/c", None).unwrap(),
        "postgres://owner@127.0.0.1:5433/c"
    );
    assert_eq!(url_tls_warning("postgres://owner@127.0.0.1:5433/c"), None);

    // a bad CA file is the same field error as in Settings
    assert!(matches!(
        secure_database_url("postgres://owner@db.lan/c", Some("/nonexistent/ca.crt")),
        Err(Error::Validation { field, .. }) if field == "ca_file"
    ));
}
