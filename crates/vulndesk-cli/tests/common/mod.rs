//! What the binary's tests share: running `vulndesk` once, and a `vulndesk serve` process that is
//! killed and reaped on drop, whatever the test does.

// Each test binary compiles this module and uses only part of it.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

pub(crate) const BIN: &str = env!("CARGO_BIN_EXE_vulndesk");
/// The first administrator's password (and the demo accounts', under `--demo`).
pub(crate) const ADMIN_PASSWORD: &str = "cli-test-admin-password";

/// Runs `vulndesk` with `args`, outside any database set in the environment.
pub(crate) fn vulndesk(args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .env_remove("VULNDESK_DATABASE_URL")
        .env("VULNDESK_ADMIN_PASSWORD", ADMIN_PASSWORD)
        // The tests' receivers listen on loopback, which deliveries refuse by default.
        .env("VULNDESK_DELIVERY_ALLOW_PRIVATE_NETWORKS", "true")
        .output()
        .expect("run vulndesk")
}

pub(crate) fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// A running `vulndesk serve`, killed and reaped on drop.
pub(crate) struct Server {
    child: Child,
    /// Its base URL, without a trailing slash.
    pub(crate) url: String,
    /// What it printed while starting.
    pub(crate) stdout: String,
}

impl Server {
    /// `vulndesk serve` on `database`.
    pub(crate) fn start(database: &str) -> Self {
        Self::spawn(database, false)
    }

    /// `vulndesk serve --demo` on `database`, with intake rate limits out of the way.
    pub(crate) fn start_demo(database: &str) -> Self {
        Self::spawn(database, true)
    }

    /// `vulndesk serve` on `database`, listening on `listen` (to restart on the same address).
    pub(crate) fn start_at(database: &str, listen: &str) -> Self {
        Self::spawn_at(database, false, listen)
    }

    /// `vulndesk serve` (with `--demo` when `demo`) on `database`, with more environment
    /// variables, set after the defaults above so they win.
    pub(crate) fn start_with_env(database: &str, demo: bool, env: &[(&str, &str)]) -> Self {
        Self::spawn_full(database, demo, "127.0.0.1:0", env)
    }

    fn spawn(database: &str, demo: bool) -> Self {
        Self::spawn_at(database, demo, "127.0.0.1:0")
    }

    fn spawn_at(database: &str, demo: bool, listen: &str) -> Self {
        Self::spawn_full(database, demo, listen, &[])
    }

    fn spawn_full(database: &str, demo: bool, listen: &str, env: &[(&str, &str)]) -> Self {
        let mut cmd = Command::new(BIN);
        cmd.args(["--database", database, "serve", "--listen", listen])
            .env_remove("VULNDESK_DATABASE_URL")
            .env("VULNDESK_ADMIN_PASSWORD", ADMIN_PASSWORD)
            // The tests' receivers listen on loopback, which deliveries refuse by default.
            .env("VULNDESK_DELIVERY_ALLOW_PRIVATE_NETWORKS", "true")
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        if demo {
            cmd.arg("--demo")
                .env("VULNDESK_DEMO_PASSWORD", ADMIN_PASSWORD)
                .env("VULNDESK_INTAKE_PER_SOURCE_PER_MINUTE", "1000000")
                .env("VULNDESK_INTAKE_PER_PROGRAM_PER_MINUTE", "1000000");
        }
        cmd.envs(env.iter().copied());
        let child = cmd.spawn().expect("start server");
        // From here on the guard kills and reaps the process, whatever happens.
        let mut server = Self { child, url: String::new(), stdout: String::new() };
        let out = server.child.stdout.take().expect("stdout");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        loop {
            let line = rx.recv_timeout(Duration::from_secs(60)).expect("server prints its URL within 60 s");
            server.stdout.push_str(&line);
            server.stdout.push('\n');
            if let Some(rest) = line.split("listening on ").nth(1) {
                server.url = rest.split_whitespace().next().expect("url").trim_end_matches('/').to_owned();
                // Give the rest of the start-up lines a moment to arrive.
                while let Ok(l) = rx.recv_timeout(Duration::from_millis(300)) {
                    server.stdout.push_str(&l);
                    server.stdout.push('\n');
                }
                return server;
            }
        }
    }

    /// SIGKILL: no graceful shutdown, no chance to flush anything.
    pub(crate) fn kill(&mut self) {
        self.child.kill().expect("SIGKILL the server");
        self.child.wait().expect("reap the server");
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
