//! [`openpgp`] against the real GnuPG (`gpg`, 2.2 on the target systems):
//! a generated key's certificate imports, gpg accepts our detached
//! signatures and rejects them over tampered data, our verifier agrees,
//! gpg computes the same fingerprint, and the armored secret key round-trips.
//!
//! Each test uses its own temporary GNUPGHOME, removed afterwards.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicU32, Ordering};

use vulndesk_formats::openpgp::{PgpError, SigningKey, verify_detached};

/// A temporary directory, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> TempDir {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        // Short: gpg puts sockets under the home directory and socket paths are limited.
        let dir = std::env::temp_dir().join(format!("vdpgp-{tag}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("home")).expect("create the temp dir");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(dir.join("home"), std::fs::Permissions::from_mode(0o700)).expect("chmod home");
        }
        TempDir(dir)
    }

    fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }

    fn write(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let path = self.path(name);
        std::fs::write(&path, bytes).expect("write a temp file");
        path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        // Stop any agent gpg may have started for this home, then remove the directory.
        let _ = Command::new("gpgconf").arg("--homedir").arg(self.path("home")).args(["--kill", "all"]).output();
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn gpg(home: &Path, args: &[&str]) -> Output {
    Command::new("gpg")
        .arg("--batch")
        .arg("--no-tty")
        .arg("--homedir")
        .arg(home)
        .args(args)
        .output()
        .expect("run gpg (is GnuPG installed?)")
}

fn text(out: &Output) -> String {
    format!(
        "status {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

const DATA: &[u8] = b"{\"document\": {\"title\": \"VD-2026-0001\"}}\n";

#[test]
fn gpg_verifies_our_signatures_and_rejects_tampered_data() {
    let dir = TempDir::new("verify");
    let home = dir.path("home");
    let key = SigningKey::generate("Example PSIRT <psirt@example.com>").expect("generate");
    let signature = key.sign_detached(DATA).expect("sign");
    assert!(signature.starts_with("-----BEGIN PGP SIGNATURE-----"), "{signature}");

    let public = dir.write("pub.asc", key.public_armored().as_bytes());
    let data = dir.write("vd-2026-0001.json", DATA);
    let asc = dir.write("vd-2026-0001.json.asc", signature.as_bytes());
    let out = gpg(&home, &["--import", public.to_str().expect("utf-8 path")]);
    assert!(out.status.success(), "gpg --import failed: {}", text(&out));

    let verify = |data: &Path| {
        gpg(&home, &["--status-fd", "1", "--verify", asc.to_str().expect("utf-8"), data.to_str().expect("utf-8")])
    };
    let out = verify(&data);
    assert!(out.status.success(), "gpg rejected our signature: {}", text(&out));
    let status = String::from_utf8_lossy(&out.stdout);
    assert!(status.contains(&format!("[GNUPG:] VALIDSIG {}", key.fingerprint())), "{}", text(&out));
    verify_detached(&key.public_armored(), DATA, &signature).expect("our verifier accepts it");

    let mut tampered = DATA.to_vec();
    tampered[5] ^= 0x01;
    let bad = dir.write("tampered.json", &tampered);
    let out = verify(&bad);
    assert!(!out.status.success(), "gpg accepted a signature over tampered data: {}", text(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("[GNUPG:] BADSIG"), "{}", text(&out));
    assert!(matches!(verify_detached(&key.public_armored(), &tampered, &signature), Err(PgpError::BadSignature(_))));
}

#[test]
fn gpg_computes_our_fingerprint() {
    let dir = TempDir::new("fpr");
    let home = dir.path("home");
    let key = SigningKey::generate("Example PSIRT <psirt@example.com>").expect("generate");
    let fingerprint = key.fingerprint();
    assert_eq!(fingerprint.len(), 40, "{fingerprint}");
    assert!(fingerprint.chars().all(|c| c.is_ascii_digit() || c.is_ascii_uppercase()), "{fingerprint}");

    let public = dir.write("pub.asc", key.public_armored().as_bytes());
    let out = gpg(&home, &["--import", public.to_str().expect("utf-8 path")]);
    assert!(out.status.success(), "{}", text(&out));
    let out = gpg(&home, &["--with-colons", "--fingerprint"]);
    assert!(out.status.success(), "{}", text(&out));
    let listing = String::from_utf8_lossy(&out.stdout).into_owned();
    let gpg_fpr = listing
        .lines()
        .find_map(|l| l.strip_prefix("fpr:").map(|rest| rest.trim_matches(':').to_owned()))
        .expect("an fpr line");
    assert_eq!(gpg_fpr, fingerprint);
    // The key is v4 EdDSA (algorithm 22) on Ed25519, with our user id, usable for signing.
    let pub_line = listing.lines().find(|l| l.starts_with("pub:")).expect("a pub line");
    let fields: Vec<&str> = pub_line.split(':').collect();
    assert_eq!(fields[3], "22", "{pub_line}");
    assert!(fields[11].contains('s') || fields[11].contains('S'), "cannot sign: {pub_line}");
    assert!(listing.contains("uid:") && listing.contains("Example PSIRT <psirt@example.com>"), "{listing}");
}

#[test]
fn the_armored_secret_key_round_trips() {
    let key = SigningKey::generate("Example PSIRT <psirt@example.com>").expect("generate");
    let armored = key.to_armored_secret();
    assert!(armored.starts_with("-----BEGIN PGP PRIVATE KEY BLOCK-----"), "{armored}");
    let again = SigningKey::from_armored(&armored).expect("read it back");
    assert_eq!(again.fingerprint(), key.fingerprint());
    assert_eq!(again.public_armored(), key.public_armored());
    let signature = again.sign_detached(DATA).expect("sign with the reloaded key");
    verify_detached(&key.public_armored(), DATA, &signature).expect("verifies with the original certificate");
    // Debug shows the fingerprint, never the secret.
    let debug = format!("{again:?}");
    assert!(debug.contains(&key.fingerprint()) && !debug.contains("PRIVATE"), "{debug}");
}

#[test]
fn wrong_keys_and_bad_input_are_refused() {
    let key = SigningKey::generate("A <a@example.com>").expect("generate");
    let other = SigningKey::generate("B <b@example.com>").expect("generate");
    let signature = key.sign_detached(DATA).expect("sign");
    assert!(matches!(verify_detached(&other.public_armored(), DATA, &signature), Err(PgpError::BadSignature(_))));
    assert!(matches!(verify_detached("not a key", DATA, &signature), Err(PgpError::Parse { what: "public key", .. })));
    assert!(matches!(
        verify_detached(&key.public_armored(), DATA, "not a signature"),
        Err(PgpError::Parse { what: "signature", .. })
    ));
    assert!(matches!(SigningKey::from_armored(&key.public_armored()), Err(PgpError::Parse { .. })));
    assert!(matches!(SigningKey::generate(" "), Err(PgpError::Generate(_))));
}
