//! The `vulndesk` binary: runs the server and the commands that go with it. It reads the
//! configuration, the environment and the system clock (nothing below it does), wires the store and
//! the web application together, and turns failures into messages and exit codes.

mod backup;
mod bootstrap;
mod config;
mod csaf;
mod remote;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use vulndesk_core::audit::AuditContext;
use vulndesk_core::{Clock, Locale, PersonRole, Timestamp, TokenId};
use vulndesk_store::{ChainReport, NewApiToken, OpenOptions, Store};

use crate::config::{Config, Overrides};

/// vulndesk: receive, verify, report, fix and disclose security vulnerabilities in network products.
#[derive(Parser)]
#[command(name = "vulndesk", version, about, long_about = None)]
struct Cli {
    /// A TOML configuration file (env: VULNDESK_CONFIG).
    #[arg(long, global = true, env = "VULNDESK_CONFIG")]
    config: Option<PathBuf>,
    /// Folder for the embedded SQLite database (default ./vulndesk-data).
    #[arg(long, global = true)]
    data_dir: Option<PathBuf>,
    /// sqlite://PATH or postgres://USER@HOST/DB (env: VULNDESK_DATABASE_URL).
    #[arg(long, global = true)]
    database: Option<String>,
    /// Talk to a remote vulndesk at this URL instead of a database (env: VULNDESK_SERVER):
    /// `scan`, `sbom import`, `osv import`, `csaf mirror`, `cases list`, `findings list`.
    /// Exit codes there: 0 done, 1 the policy failed, 2 bad input or a refusal naming it,
    /// 3 the server cannot be reached or failed, 4 the token was refused.
    #[arg(long, global = true, env = "VULNDESK_SERVER")]
    server: Option<String>,
    /// The API token for --server (env: VULNDESK_TOKEN; prefer --token-file, which keeps it out
    /// of the process list).
    #[arg(long, global = true, env = "VULNDESK_TOKEN", hide_env_values = true)]
    token: Option<String>,
    /// A file holding the API token for --server (env: VULNDESK_TOKEN_FILE).
    #[arg(long, global = true, env = "VULNDESK_TOKEN_FILE")]
    token_file: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Runs the web server (pages and API), migrating the database first.
    Serve {
        /// Address to listen on (default 127.0.0.1:8080).
        #[arg(long)]
        listen: Option<String>,
        /// Loads the demo data set into an empty database.
        #[arg(long)]
        demo: bool,
        /// Serves requests only; background work (deadline reminders) runs in `vulndesk worker`.
        #[arg(long)]
        no_jobs: bool,
    },
    /// Runs the background work (deadline reminders) without serving requests.
    Worker,
    /// Brings the database schema up to date and exits.
    Migrate,
    /// Checks the installation and says what to fix: configuration, the database and its
    /// migrations, the data folder's free space, the SMTP relay, the signing key, the clock.
    /// Exit 0 when nothing must be fixed (warnings allowed), 1 otherwise.
    Doctor,
    /// Backs the database up while it is in use, and checks the copy (integrity, the receipt and
    /// audit chains) before calling it a backup. SQLite: a consistent copy of the file (one
    /// snapshot); PostgreSQL: a pg_dump custom-format archive. Never overwrites a file.
    Backup {
        /// Where the backup goes (must not exist).
        out: PathBuf,
    },
    /// Restores a backup made by `vulndesk backup` into the configured database, after checking
    /// it (integrity, both chains). Stop every vulndesk process first. A database that holds data
    /// is replaced only with --force (SQLite: the old file is kept aside).
    Restore {
        /// The backup file: a SQLite database or a pg_dump custom-format archive.
        file: PathBuf,
        /// Replace a database that already holds data.
        #[arg(long)]
        force: bool,
    },
    /// Administration from the command line.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
    /// The audit log.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// The receipt log of everything received (Art. 5).
    Receipts {
        #[command(subcommand)]
        command: ReceiptsCommand,
    },
    /// Vendors' CSAF feeds an organisation pulls (Art. 8)
    Feed {
        #[command(subcommand)]
        command: FeedCommand,
    },
    /// An operator's findings on its assets (Art. 8).
    Findings {
        #[command(subcommand)]
        command: FindingsCommand,
    },
    /// Rewards paid to reporters (Art. 7 ¶3)
    Rewards {
        #[command(subcommand)]
        command: RewardsCommand,
    },
    /// Scans an SBOM (CycloneDX or SPDX) against OSV data: given files (offline), the database's,
    /// or with --server the server's (nothing is stored there). Exit codes: 0 nothing at or
    /// above --fail-on, 1 findings at or above it, 2 bad input.
    Scan {
        /// The SBOM file.
        sbom: PathBuf,
        /// OSV data: an osv.dev-style all.zip, a folder of OSV JSON, or one record (repeatable).
        /// Without it, the OSV records imported into the database (`vulndesk osv import`).
        #[arg(long = "osv")]
        osv: Vec<PathBuf>,
        /// `table` or `json`.
        #[arg(long, default_value = "table", value_parser = ["table", "json"])]
        format: String,
        /// Exit 0 even when there are findings (the same as --fail-on none).
        #[arg(long)]
        no_fail: bool,
        /// The lowest severity that fails: any (every finding, the default), low, medium
        /// (MODERATE counts), high, critical, none. Findings without a severity fail only `any`.
        #[arg(long, default_value = "any", value_parser = remote::FAIL_ON)]
        fail_on: String,
    },
    /// An organisation's cases, through --server.
    Cases {
        #[command(subcommand)]
        command: CasesCommand,
    },
    /// CVSS vectors.
    Cvss {
        #[command(subcommand)]
        command: CvssCommand,
    },
    /// SBOMs of product versions in the catalogue.
    Sbom {
        #[command(subcommand)]
        command: SbomCommand,
    },
    /// OSV vulnerability data shared by every organisation of the deployment.
    Osv {
        #[command(subcommand)]
        command: OsvCommand,
    },
    /// CSAF 2.0 documents, offline.
    Csaf {
        #[command(subcommand)]
        command: CsafCommand,
    },
}

#[derive(Subcommand)]
enum CsafCommand {
    /// Checks CSAF 2.0 documents: that vulndesk reads them, vulndesk's implementation of the 43
    /// mandatory tests (6.1), the `.sha256`/`.sha512` files beside each when present, and with
    /// `--key` the provider's `.asc` signature beside each. Exit codes: 0 all pass, 1 any fails,
    /// 2 the key cannot be read.
    Check {
        /// The provider's public OpenPGP key (ASCII-armored); then every document needs a valid `.asc`.
        #[arg(long)]
        key: Option<PathBuf>,
        /// The documents.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// With --server: mirrors the server's published CSAF advisories (provider metadata, keys,
    /// index.txt, changes.csv, ROLIE feeds, every document with its hashes and signature) into
    /// `OUT/.well-known/csaf/`, checking each document against its published SHA-256.
    Mirror {
        /// The folder to write `.well-known/csaf` into.
        #[arg(long)]
        out: PathBuf,
    },
    /// Writes the CSAF provider tree (`.well-known/csaf/…`: provider-metadata.json, ROLIE feeds,
    /// index.txt, changes.csv, documents with hashes and signatures, the public key) into a
    /// folder, for hosting on a static web server at `--base-url`. Documents are written exactly
    /// as published and signed; only TLP:CLEAR unless `--tlp` says otherwise.
    Export {
        /// Where the tree will be served, e.g. `https://psirt.example.com`.
        #[arg(long)]
        base_url: String,
        /// The folder to write `.well-known/csaf` into.
        #[arg(long)]
        out: PathBuf,
        /// The TLP labels to include (repeatable): CLEAR, GREEN, AMBER, RED.
        #[arg(long, default_values_t = vec!["CLEAR".to_owned()])]
        tlp: Vec<String>,
        /// The publishing organisation named in provider-metadata.json (default: the latest publisher).
        #[arg(long)]
        org: Option<String>,
    },
}

#[derive(Subcommand)]
enum SbomCommand {
    /// Imports an SBOM (CycloneDX or SPDX) as a product version's components, replacing the
    /// ones it had, in one transaction. The product and version are added to the catalogue when
    /// missing. Exit codes: 0 imported, 2 the file is not an SBOM vulndesk reads (the message
    /// says where), 1 anything else.
    Import {
        /// The organisation (its short name).
        #[arg(long)]
        org: String,
        /// The product's name.
        #[arg(long)]
        product: String,
        /// The model, for products with several.
        #[arg(long, default_value = "")]
        model: String,
        /// The product version.
        #[arg(long = "product-version")]
        version: String,
        /// The SBOM file.
        file: PathBuf,
    },
}

#[derive(Subcommand)]
enum OsvCommand {
    /// Imports OSV records from osv.dev-style all.zip archives, folders of OSV JSON or single
    /// records, local or at an http(s) URL; a record replaces the stored copy only when its
    /// `modified` time is later. Operators' findings are re-matched afterwards.
    Import {
        /// Archives, folders or files, or URLs of archives (downloaded through the delivery
        /// destination policy: no private networks unless allowed).
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
}

#[derive(Subcommand)]
enum ReceiptsCommand {
    /// Re-hashes every stored payload and attachment and walks the hash chain: prints `OK <count>`,
    /// or the first bad sequence number and why (exit code 1).
    Verify,
}

#[derive(Subcommand)]
enum FeedCommand {
    /// Adds a vendor's CSAF provider (its provider-metadata.json) to an organisation's feeds.
    Add {
        /// The organisation's short name.
        #[arg(long)]
        org: String,
        /// A name for the feed.
        #[arg(long)]
        name: String,
        /// The provider's `provider-metadata.json` URL.
        #[arg(long)]
        url: String,
    },
    /// Pulls every feed (or one organisation's) now and prints what was kept and refused. Exit 0
    /// when every feed was reached (refused documents are listed, not errors); 1 otherwise.
    Pull {
        /// Only this organisation's feeds.
        #[arg(long)]
        org: Option<String>,
    },
}

#[derive(Subcommand)]
enum CasesCommand {
    /// Lists the organisation's cases: number, state, grade, CVSS, the next deadline, title.
    List {
        /// The organisation's short name.
        #[arg(long)]
        org: String,
        /// Only cases in this state (received, triage, confirmed, remediation, fixed, disclosed, closed, …).
        #[arg(long)]
        state: Option<String>,
        /// `table` or `json`.
        #[arg(long, default_value = "table", value_parser = ["table", "json"])]
        format: String,
    },
}

#[derive(Subcommand)]
enum FindingsCommand {
    /// Lists an organisation's findings, soonest due first: asset, vulnerability, grade, state,
    /// deadline (`OVERDUE` when passed). Exit 0; with `--fail-on-overdue`, 1 when any is overdue.
    List {
        /// The organisation's short name.
        #[arg(long)]
        org: String,
        /// Only open findings (verifying, remediating).
        #[arg(long)]
        open: bool,
        /// `table` or `json`.
        #[arg(long, default_value = "table")]
        format: String,
        /// Exit 1 when an open finding is past its deadline (for a monitoring check).
        #[arg(long)]
        fail_on_overdue: bool,
    },
    /// Re-matches every organisation with assets (or one) now and prints what changed.
    Rematch {
        /// Only this organisation.
        #[arg(long)]
        org: Option<String>,
    },
}

#[derive(Subcommand)]
enum RewardsCommand {
    /// Prints an organisation's reward ledger for a period: totals per currency and state
    /// (`--format table`), or one CSV row per share for a payment run (`--format csv`).
    /// Reading it is recorded in the audit log.
    Ledger {
        /// The organisation's short name.
        #[arg(long)]
        org: String,
        /// Only this program (its short name).
        #[arg(long)]
        program: Option<String>,
        /// First day, YYYY-MM-DD (default: 1 January of this year).
        #[arg(long)]
        from: Option<String>,
        /// Last day included, YYYY-MM-DD (default: today).
        #[arg(long)]
        to: Option<String>,
        /// `table` or `csv`.
        #[arg(long, default_value = "table", value_parser = ["table", "csv"])]
        format: String,
    },
}

#[derive(Subcommand)]
enum CvssCommand {
    /// Reads vectors from stdin, one per line, and writes one JSON object per line with the
    /// scores (or `{"vector","error"}` naming the bad metric). Exits non-zero only on I/O failure.
    Score,
}

#[derive(Subcommand)]
enum AdminCommand {
    /// API tokens.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Sets a new password for an account and prints it (or takes it from VULNDESK_NEW_PASSWORD).
    ResetPassword {
        /// The account's username.
        #[arg(long)]
        user: String,
    },
    /// Encrypts with `attachment_key` every attachment and two-factor secret stored in clear
    /// (before the key was set). Safe to stop and run again, also while servers run; audited.
    Seal,
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Creates an API token for an account and prints it once.
    Create {
        /// The account the token acts for.
        #[arg(long)]
        user: String,
        /// Limits the token to one organisation (its short name).
        #[arg(long)]
        org: Option<String>,
        /// Limits the token to one of the account's roles in that organisation.
        #[arg(long, requires = "org")]
        role: Option<String>,
        /// A label for the token.
        #[arg(long, default_value = "cli")]
        name: String,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Re-computes the audit log's hash chain: prints `OK <count>`, or the first broken sequence
    /// number and why (exit code 1).
    Verify,
}

/// The system clock: the one place vulndesk reads the time.
struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        let micros = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX))
            .unwrap_or(0);
        Timestamp::from_micros(micros)
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    if let Some(server) = cli.server.clone() {
        return Ok(tokio::task::block_in_place(|| run_remote(&server, cli)));
    }
    if let Command::Scan { sbom, osv, format, no_fail, fail_on } = &cli.command
        && !osv.is_empty()
    {
        return Ok(scan(sbom, osv, format, fail_on_of(*no_fail, fail_on)));
    }
    if let Command::Csaf { command: CsafCommand::Check { key, files } } = &cli.command {
        return Ok(csaf::check(files, key.as_deref()));
    }
    if matches!(cli.command, Command::Cvss { .. }) {
        // Pure computation: no configuration or database needed.
        cvss_score()?;
        return Ok(ExitCode::SUCCESS);
    }
    let listen = match &cli.command {
        Command::Serve { listen, .. } => listen.clone(),
        _ => None,
    };
    let overrides = Overrides { listen, data_dir: cli.data_dir.clone(), database_url: cli.database.clone() };
    let config = Config::load(cli.config.as_deref(), &overrides)?;
    init_logging(&config);
    let clock = SystemClock;
    match cli.command {
        Command::Serve { demo, no_jobs, .. } => serve(config, demo, no_jobs).await,
        Command::Worker => {
            let store = open_migrated(&config).await?;
            println!("vulndesk worker running (database: {})", store.display_url());
            let osv_task = osv_pulls(&store, &config);
            let osv: Arc<vulndesk_jobs::findings::OsvCache> = Arc::default();
            watch_osv(&osv, &store).await;
            vulndesk_jobs::run(
                store.clone(),
                Arc::new(SystemClock),
                std::time::Duration::from_secs(60),
                mailer(&config)?,
                vulndesk_jobs::deliver::Destinations { allow_private: config.delivery_allow_private_networks },
                osv,
                shutdown_signal(),
            )
            .await;
            if let Some(t) = osv_task {
                t.abort();
            }
            store.close().await;
            Ok(ExitCode::SUCCESS)
        }
        Command::Doctor => doctor(&config).await,
        Command::Backup { out } => backup::backup(&config.database_url(), config.attachment_key(), &out).await,
        Command::Restore { file, force } => {
            backup::restore(&config.database_url(), config.attachment_key(), &file, force, clock.now()).await
        }
        Command::Migrate => {
            let store = open(&config).await?;
            store.migrate().await?;
            println!("database {} is up to date", store.display_url());
            Ok(ExitCode::SUCCESS)
        }
        Command::Admin { command: AdminCommand::Token { command: TokenCommand::Create { user, org, role, name } } } => {
            let store = open_migrated(&config).await?;
            create_token(&store, clock.now(), &user, org.as_deref(), role.as_deref(), &name).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Admin { command: AdminCommand::ResetPassword { user } } => {
            let store = open_migrated(&config).await?;
            bootstrap::reset_password(&store, clock.now(), &user).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Admin { command: AdminCommand::Seal } => {
            if config.attachment_key().is_none() {
                eprintln!(
                    "error: no attachment_key is configured: make one with `openssl rand -hex 32 > FILE` \
                     and set VULNDESK_ATTACHMENT_KEY_FILE=FILE"
                );
                return Ok(ExitCode::from(2));
            }
            let store = open_migrated(&config).await?;
            let done = store
                .seal_stored(&AuditContext::system(clock.now()), |so_far| {
                    eprintln!(
                        "… {} attachments and {} two-factor secrets encrypted so far",
                        so_far.attachments, so_far.mfa_secrets
                    );
                })
                .await?;
            println!(
                "encrypted {} attachments and {} two-factor secrets that were stored in clear",
                done.attachments, done.mfa_secrets
            );
            store.close().await;
            Ok(ExitCode::SUCCESS)
        }
        Command::Scan { sbom, format, no_fail, fail_on, .. } => {
            let store = open_migrated(&config).await?;
            let bodies = store.osv_bodies().await?;
            if bodies.is_empty() {
                eprintln!(
                    "error: the database holds no OSV records: import some with `vulndesk osv import`, or pass --osv"
                );
                return Ok(ExitCode::from(2));
            }
            let (index, unreadable) = vulndesk_match::Index::from_records(&bodies);
            eprintln!("{} OSV records from the database", index.database().len());
            if unreadable > 0 {
                eprintln!("warning: {unreadable} stored OSV records could not be read; import them again");
            }
            let Some(parsed) = read_sbom_file(&sbom) else { return Ok(ExitCode::from(2)) };
            Ok(report_scan(&parsed, &index, &format, fail_on_of(no_fail, &fail_on)))
        }
        Command::Csaf { command: CsafCommand::Check { key, files } } => Ok(csaf::check(&files, key.as_deref())),
        Command::Csaf { command: CsafCommand::Mirror { .. } } => {
            eprintln!("error: csaf mirror reads a server's published advisories: give --server URL");
            Ok(ExitCode::from(2))
        }
        Command::Cases { .. } => {
            eprintln!("error: cases list talks to a server: give --server URL and a token");
            Ok(ExitCode::from(2))
        }
        Command::Csaf { command: CsafCommand::Export { base_url, out, tlp, org } } => {
            let store = open_migrated(&config).await?;
            csaf::export(&store, &base_url, &out, &tlp, org.as_deref(), SystemClock.now()).await
        }
        Command::Cvss { command: CvssCommand::Score } => {
            cvss_score()?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Sbom { command: SbomCommand::Import { org, product, model, version, file } } => {
            let store = open_migrated(&config).await?;
            sbom_import(&store, &org, &product, &model, &version, &file).await
        }
        Command::Osv { command: OsvCommand::Import { paths } } => {
            let store = open_migrated(&config).await?;
            let dest = vulndesk_jobs::deliver::Destinations { allow_private: config.delivery_allow_private_networks };
            osv_import(&store, &paths, dest).await
        }
        Command::Findings { command } => {
            let store = open_migrated(&config).await?;
            findings_command(&store, command).await
        }
        Command::Feed { command: FeedCommand::Add { org, name, url } } => {
            let store = open_migrated(&config).await?;
            let Some(o) = store.org_by_slug(&org).await? else {
                eprintln!("error: no organisation {org:?}");
                return Ok(ExitCode::from(2));
            };
            if !(url.starts_with("https://") || url.starts_with("http://")) {
                eprintln!("error: --url must be an http(s) URL of a provider-metadata.json");
                return Ok(ExitCode::from(2));
            }
            let id = uuid::Uuid::from_bytes(rand::random()).to_string();
            match store.add_feed(o.id, &id, &name, &url, &AuditContext::system(SystemClock.now())).await {
                Ok(()) => {
                    println!("{id}");
                    Ok(ExitCode::SUCCESS)
                }
                Err(vulndesk_store::StoreError::Conflict(_)) => {
                    eprintln!("error: {org} already follows {url}");
                    Ok(ExitCode::from(2))
                }
                Err(e) => Err(e.into()),
            }
        }
        Command::Feed { command: FeedCommand::Pull { org } } => {
            let store = open_migrated(&config).await?;
            let org = match org {
                Some(slug) => match store.org_by_slug(&slug).await? {
                    Some(o) => Some(o.id),
                    None => {
                        eprintln!("error: no organisation {slug:?}");
                        return Ok(ExitCode::from(2));
                    }
                },
                None => None,
            };
            let dest = vulndesk_jobs::deliver::Destinations { allow_private: config.delivery_allow_private_networks };
            let mut failed = false;
            let feeds = store.feeds(org).await?;
            let osv = vulndesk_jobs::findings::OsvCache::default();
            for (i, f) in feeds.iter().enumerate() {
                // Each pull fetches every document of a provider: say which one is under way.
                eprintln!("[{}/{}] pulling {} ({})", i + 1, feeds.len(), f.name, f.url);
                match vulndesk_jobs::feeds::pull(&store, &SystemClock, f, dest).await {
                    Ok(r) => {
                        println!(
                            "{}: {} accepted, {} unchanged, {} rejected",
                            f.name,
                            r.accepted,
                            r.unchanged,
                            r.rejected.len()
                        );
                        for (url, why) in r.rejected {
                            println!("  rejected {url}: {why}");
                        }
                        if r.accepted > 0 {
                            let ctx = AuditContext::system(SystemClock.now());
                            let m = vulndesk_jobs::findings::rematch(&store, &osv, f.org, &ctx).await?;
                            println!(
                                "  findings: {} new, {} closed, {} closed by VEX",
                                m.new, m.closed, m.not_affected
                            );
                        }
                    }
                    Err(e) => {
                        println!("{}: failed: {e}", f.name);
                        failed = true;
                    }
                }
            }
            Ok(if failed { ExitCode::FAILURE } else { ExitCode::SUCCESS })
        }
        Command::Rewards { command: RewardsCommand::Ledger { org, program, from, to, format } } => {
            let store = open_migrated(&config).await?;
            let q = vulndesk_web::LedgerRequest { org, program, from, to };
            match vulndesk_web::ledger_for_cli(&store, std::sync::Arc::new(SystemClock), &q, format == "csv").await {
                Ok(out) => {
                    print!("{out}");
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    Ok(ExitCode::from(2))
                }
            }
        }
        Command::Receipts { command: ReceiptsCommand::Verify } => {
            let store = open_migrated(&config).await?;
            match store.receipts_verify().await? {
                vulndesk_store::intake::ReceiptCheck::Ok { count, head } => {
                    println!("OK {count}");
                    eprintln!("chain head {head}");
                    Ok(ExitCode::SUCCESS)
                }
                vulndesk_store::intake::ReceiptCheck::Broken(b) => {
                    println!("BROKEN at sequence {}: {}", b.seq, b.reason);
                    Ok(ExitCode::FAILURE)
                }
            }
        }
        Command::Audit { command: AuditCommand::Verify } => {
            let store = open_migrated(&config).await?;
            match store.audit_verify().await? {
                ChainReport::Ok { count, head } => {
                    println!("OK {count}");
                    eprintln!("chain head {head}");
                    Ok(ExitCode::SUCCESS)
                }
                ChainReport::Broken(b) => {
                    println!("BROKEN at sequence {}: {}", b.seq, b.reason);
                    Ok(ExitCode::FAILURE)
                }
            }
        }
    }
}

/// The mailer from `smtp_url` and `mail_from`, if a relay is configured.
fn mailer(config: &Config) -> anyhow::Result<Option<vulndesk_jobs::deliver::Mailer>> {
    config
        .smtp_url
        .as_deref()
        .map(|url| {
            vulndesk_jobs::deliver::Mailer::new(url, &config.mail_from).map_err(|e| anyhow::anyhow!("smtp_url: {e}"))
        })
        .transpose()
}

fn new_uuid() -> uuid::Uuid {
    uuid::Builder::from_random_bytes(rand::random()).into_uuid()
}

/// `vulndesk sbom import`: finds (or adds) the product version and replaces its components.
async fn sbom_import(
    store: &Store,
    org: &str,
    product: &str,
    model: &str,
    version: &str,
    file: &std::path::Path,
) -> anyhow::Result<ExitCode> {
    use vulndesk_store::catalogue::{Product, ProductVersion, Vendor};
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let (sbom, diagnostics) = match vulndesk_formats::sbom::read_sbom(&bytes) {
        Ok(x) => x,
        Err(e) => {
            eprintln!("error: {}: {e}", file.display());
            return Ok(ExitCode::from(2));
        }
    };
    for d in diagnostics.iter().take(20) {
        eprintln!("warning: {}: {d}", file.display());
    }
    let org = store.org_by_slug(org).await?.with_context(|| format!("no organisation {org:?}"))?;
    let ctx = AuditContext::system(SystemClock.now());
    let product = match store.products_of(org.id).await?.into_iter().find(|p| p.name == product) {
        Some(p) => p,
        None => {
            let vendor = match store.vendors_of(org.id).await?.into_iter().find(|v| v.name == org.name) {
                Some(v) => v,
                None => {
                    let v = Vendor {
                        id: vulndesk_core::VendorId::from_uuid(new_uuid()),
                        org: org.id,
                        name: org.name.clone(),
                        website: String::new(),
                    };
                    store.create_vendor(&v, &ctx).await?;
                    v
                }
            };
            let p = Product {
                id: vulndesk_core::ProductId::from_uuid(new_uuid()),
                org: org.id,
                vendor: vendor.id,
                vendor_name: vendor.name,
                name: product.to_owned(),
                description: String::new(),
            };
            store.create_product(&p, &ctx).await?;
            eprintln!("added product {product:?}");
            p
        }
    };
    let existing = store
        .product_versions_of(org.id)
        .await?
        .into_iter()
        .find(|v| v.product == product.id && v.model == model && v.version == version);
    let pv = match existing {
        Some(v) => v,
        None => {
            let v = ProductVersion {
                id: vulndesk_core::ProductVersionId::from_uuid(new_uuid()),
                org: org.id,
                product: product.id,
                product_name: product.name.clone(),
                model: model.to_owned(),
                version: version.to_owned(),
                release_date: String::new(),
                support_status: "supported".into(),
            };
            store.create_product_version(&v, &ctx).await?;
            eprintln!("added version {}", v.label());
            v
        }
    };
    let sha256 = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&bytes));
    let (components, edges, record) = vulndesk_web::sbom_rows(&sbom, &sha256, diagnostics.len(), ctx.at);
    store.import_sbom(&pv, &record, &components, &edges, &ctx).await?;
    println!("{} {} components ({} {}) {}", pv.id, components.len(), record.format, record.spec_version, pv.label());
    Ok(ExitCode::SUCCESS)
}

/// `vulndesk findings list|rematch`.
async fn findings_command(store: &Store, command: FindingsCommand) -> anyhow::Result<ExitCode> {
    let org_of = |slug: String| async move { store.org_by_slug(&slug).await.map(|o| o.ok_or(slug)) };
    let now = SystemClock.now();
    match command {
        FindingsCommand::List { org, open, format, fail_on_overdue } => {
            if !matches!(format.as_str(), "table" | "json") {
                eprintln!("error: --format: {format:?} is not table or json");
                return Ok(ExitCode::from(2));
            }
            let org = match org_of(org).await? {
                Ok(o) => o,
                Err(slug) => {
                    eprintln!("error: no organisation {slug:?}");
                    return Ok(ExitCode::from(2));
                }
            };
            let list: Vec<_> = store.findings_of(org.id).await?.into_iter().filter(|f| !open || f.is_open()).collect();
            let overdue = list.iter().filter(|f| f.is_open() && now > f.due_at).count();
            if format == "json" {
                let rows: Vec<serde_json::Value> = list
                    .iter()
                    .map(|f| {
                        serde_json::json!({"id": f.id, "asset": f.asset_name, "vulnerability": f.vulnerability,
                            "component": f.purl, "grade": f.grade, "state": f.state, "source": f.source,
                            "first_seen": f.first_seen.to_rfc3339(), "due_at": f.due_at.to_rfc3339(),
                            "overdue": f.is_open() && now > f.due_at, "evidence": f.evidence})
                    })
                    .collect();
                println!("{}", serde_json::to_string_pretty(&rows)?);
            } else {
                println!(
                    "{:<20} {:<20} {:<9} {:<13} {:<12} component",
                    "asset", "vulnerability", "grade", "state", "due"
                );
                for f in &list {
                    let due = if f.is_open() && now > f.due_at {
                        "OVERDUE".to_owned()
                    } else {
                        f.due_at.to_rfc3339()[..10].to_owned()
                    };
                    let grade = if f.grade.is_empty() { "-" } else { &f.grade };
                    println!(
                        "{:<20} {:<20} {:<9} {:<13} {:<12} {}",
                        f.asset_name, f.vulnerability, grade, f.state, due, f.purl
                    );
                }
                eprintln!(
                    "{} finding(s), {} open, {overdue} overdue",
                    list.len(),
                    list.iter().filter(|f| f.is_open()).count()
                );
            }
            Ok(if fail_on_overdue && overdue > 0 { ExitCode::FAILURE } else { ExitCode::SUCCESS })
        }
        FindingsCommand::Rematch { org } => {
            let orgs = match org {
                Some(slug) => match org_of(slug).await? {
                    Ok(o) => vec![o.id],
                    Err(slug) => {
                        eprintln!("error: no organisation {slug:?}");
                        return Ok(ExitCode::from(2));
                    }
                },
                None => store.orgs_with_assets().await?,
            };
            let osv = vulndesk_jobs::findings::OsvCache::default();
            for id in orgs {
                let r = vulndesk_jobs::findings::rematch(store, &osv, id, &AuditContext::system(now)).await?;
                let slug = store.org_by_id(id).await?.map(|o| o.slug.to_string()).unwrap_or_default();
                println!(
                    "{slug}: {} new, {} closed, {} confirmed, {} reopened, {} not affected (VEX)",
                    r.new, r.closed, r.confirmed, r.reopened, r.not_affected
                );
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// `vulndesk doctor`: one line per check (`ok`, `warn` or `FAIL`, what, and what to do).
async fn doctor(config: &Config) -> anyhow::Result<ExitCode> {
    let mut failed = 0;
    let mut report = |level: &str, what: &str, msg: String| {
        if level == "FAIL" {
            failed += 1;
        }
        println!("{level:<4}  {what}: {msg}");
    };
    report("ok", "configuration", "read and checked".into());
    match config.public_url.as_deref() {
        Some(u) if u.starts_with("https://") => report("ok", "public_url", u.to_owned()),
        Some(u) => {
            report("warn", "public_url", format!("{u} is not https: cookies are not marked Secure; serve over TLS"))
        }
        None => report(
            "warn",
            "public_url",
            "not set: links in mail and feeds use the listen address; set public_url to the https URL people use"
                .into(),
        ),
    }
    let store = match open(config).await {
        Ok(s) => s,
        Err(e) => {
            report("FAIL", "database", format!("{e}: check database_url and that the server is reachable"));
            return Ok(ExitCode::FAILURE);
        }
    };
    match store.ping().await {
        Ok(()) => report("ok", "database", format!("reachable ({})", store.display_url())),
        Err(e) => report("FAIL", "database", format!("{e}: check database_url and credentials")),
    }
    let newer = store.unknown_migrations().await.unwrap_or_default();
    match store.pending_migrations().await {
        Ok(_) if !newer.is_empty() => report(
            "FAIL",
            "migrations",
            format!(
                "the database has migrations {newer:?} this binary does not know: run the vulndesk that migrated it, or a newer one"
            ),
        ),
        Ok(0) => report("ok", "migrations", "the schema is up to date".into()),
        Ok(n) => report(
            "FAIL",
            "migrations",
            format!("{n} migration(s) to apply: run `vulndesk migrate` (serve does it at start)"),
        ),
        Err(e) => report("FAIL", "migrations", e.to_string()),
    }
    // Where the data grows: the SQLite file's folder, or data_dir when it is there.
    let url = config.database_url();
    let dir: Option<PathBuf> = match url.strip_prefix("sqlite://") {
        Some(path) => {
            std::path::Path::new(path.split('?').next().unwrap_or(path)).parent().map(std::path::Path::to_path_buf)
        }
        None => config.data_dir.exists().then(|| config.data_dir.clone()),
    };
    if let Some(dir) = &dir {
        match rustix::fs::statvfs(dir) {
            Ok(st) => {
                let free = st.f_bavail.saturating_mul(st.f_frsize);
                let mib = free >> 20;
                let level = if mib < 100 {
                    "FAIL"
                } else if mib < 1024 {
                    "warn"
                } else {
                    "ok"
                };
                let advice =
                    if level == "ok" { "" } else { ": free space, or move data_dir; a full disk stops intake" };
                report(level, "disk", format!("{} has {mib} MiB free{advice}", dir.display()));
            }
            Err(e) => report("FAIL", "disk", format!("{}: {e}: create it and let vulndesk write to it", dir.display())),
        }
    }
    match mailer(config) {
        Ok(None) => {
            report("warn", "smtp_url", "not set: mail (notices, reminders, hand-offs) waits in the outbox".into())
        }
        Ok(Some(m)) => match m.check().await {
            Ok(()) => report("ok", "smtp_url", "the relay answers".into()),
            Err(e) => report(
                "FAIL",
                "smtp_url",
                format!("the relay does not answer ({e}): check host, port, TLS and credentials"),
            ),
        },
        Err(e) => report("FAIL", "smtp_url", e.to_string()),
    }
    if newer.is_empty() && store.pending_migrations().await.unwrap_or(1) == 0 {
        match store.signing_key().await {
            Ok(Some(k)) => report("ok", "signing key", format!("OpenPGP {}", k.fingerprint)),
            Ok(None) => report("ok", "signing key", "none yet: one is made at the first publication".into()),
            Err(e) => report("FAIL", "signing key", e.to_string()),
        }
        match store.list_users().await {
            Ok(users) if users.iter().any(|u| u.site_admin && !u.disabled) => {
                report("ok", "administrator", "at least one active site administrator".into());
            }
            Ok(_) => report(
                "FAIL",
                "administrator",
                "no active site administrator: start `vulndesk serve` once to create admin".into(),
            ),
            Err(e) => report("FAIL", "administrator", e.to_string()),
        }
    }
    let now = SystemClock.now().as_micros() / 1_000_000;
    if now < 1_735_689_600 {
        report(
            "FAIL",
            "clock",
            "this machine's clock is before 2025: deadlines and receipts would be wrong; fix NTP".into(),
        );
    } else {
        match store.database_clock().await {
            Ok(Some(db)) if (db - now).abs() > 5 => report(
                "warn",
                "clock",
                format!("the database server's clock is {} s off this machine's: synchronise both with NTP", db - now),
            ),
            Ok(_) => report("ok", "clock", "plausible and in step with the database".into()),
            Err(e) => report("warn", "clock", format!("could not read the database's clock: {e}")),
        }
    }
    store.close().await;
    Ok(if failed == 0 { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

/// The job runner's OSV imports of `osv_sources`: five minutes after start, then every
/// `osv_pull_hours`. Imports are incremental by `modified`, so a repeated or concurrent import
/// (several instances) stores nothing twice.
fn osv_pulls(store: &Store, config: &Config) -> Option<tokio::task::JoinHandle<()>> {
    if config.osv_sources.is_empty() {
        return None;
    }
    let store = store.clone();
    let sources: Vec<PathBuf> = config.osv_sources.iter().map(PathBuf::from).collect();
    let dest = vulndesk_jobs::deliver::Destinations { allow_private: config.delivery_allow_private_networks };
    let every = std::time::Duration::from_secs(config.osv_pull_hours * 3600);
    Some(tokio::spawn(async move {
        // Every instance asks; one imports per period (the claim decides), not in the first
        // minutes after a start.
        let holder = vulndesk_jobs::instance_id();
        let mut tick = tokio::time::interval_at(
            tokio::time::Instant::now() + vulndesk_jobs::PERIODIC_TICK,
            vulndesk_jobs::PERIODIC_TICK,
        );
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if !vulndesk_jobs::claim_periodic(&store, &holder, "osv_pulls", SystemClock.now(), every).await {
                continue;
            }
            let outcome = osv_import(&store, &sources, dest).await;
            vulndesk_jobs::finish_periodic(&store, &holder, "osv_pulls", SystemClock.now()).await;
            match outcome {
                Ok(code) if code == ExitCode::SUCCESS => {
                    tracing::info!(sources = sources.len(), "OSV sources imported")
                }
                Ok(_) => tracing::warn!("an OSV source could not be read; retrying at the next import"),
                Err(e) => tracing::warn!(error = %e, "importing the OSV sources failed; retrying at the next import"),
            }
        }
    }))
}

/// `vulndesk osv import`: reads the records with a progress line on stderr and stores them in
/// batches of 1,000 (each batch one transaction).
async fn osv_import(
    store: &Store,
    paths: &[PathBuf],
    dest: vulndesk_jobs::deliver::Destinations,
) -> anyhow::Result<ExitCode> {
    let started = std::time::Instant::now();
    let download_dir = tempfile::tempdir()?;
    let mut local = Vec::new();
    for (i, p) in paths.iter().enumerate() {
        let text = p.to_string_lossy();
        if !(text.starts_with("https://") || text.starts_with("http://")) {
            local.push(p.clone());
            continue;
        }
        let url = text.into_owned();
        let to = download_dir.path().join(format!("{i}.zip"));
        eprintln!("downloading {url}");
        let to2 = to.clone();
        match tokio::task::spawn_blocking(move || vulndesk_jobs::feeds::download(&url, &to2, dest)).await? {
            Ok(bytes) => eprintln!("  {bytes} bytes"),
            Err(why) => {
                eprintln!("error: {why}");
                return Ok(ExitCode::from(2));
            }
        }
        local.push(to);
    }
    let paths = local.as_slice();
    let mut rows = Vec::new();
    let loaded = vulndesk_match::osv::visit_paths(
        paths,
        |p| match p {
            vulndesk_match::Progress::Path { path, index, total } => {
                eprintln!("[{}/{}] reading {}", index + 1, total, path.display());
            }
            vulndesk_match::Progress::Records { read } => eprint!("\r  {read} records read"),
        },
        |raw, advisory| {
            rows.push(vulndesk_web::osv_row(raw, &advisory));
            vulndesk_match::osv::Upsert::Inserted
        },
    );
    let report = match loaded {
        Ok(r) => r,
        Err(e) => {
            eprintln!("\nerror: {e}");
            return Ok(ExitCode::from(2));
        }
    };
    eprintln!(
        "\r  {} records read ({} withdrawn, {} GIT ranges ignored)",
        report.records_read, report.withdrawn, report.git_ranges_ignored
    );
    let ctx = AuditContext::system(SystemClock.now());
    let (mut inserted, mut replaced, mut kept) = (0, 0, 0);
    let total = rows.len();
    for (i, chunk) in rows.chunks(1000).enumerate() {
        let done = store.upsert_osv(chunk, &ctx).await?;
        inserted += done.inserted;
        replaced += done.replaced;
        kept += done.kept;
        let stored = (i * 1000 + chunk.len()).min(total);
        let width = 30;
        let filled = (stored * width).checked_div(total).unwrap_or(width);
        eprint!("\r  [{}{}] {stored}/{total} stored", "#".repeat(filled), " ".repeat(width - filled));
    }
    eprintln!();
    println!(
        "{inserted} inserted, {replaced} replaced, {kept} kept (stored copy as new or newer) in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    if inserted + replaced > 0 {
        let orgs =
            vulndesk_jobs::findings::rematch_all(store, &vulndesk_jobs::findings::OsvCache::default(), &ctx).await?;
        eprintln!("findings re-matched for {orgs} organisation(s) with assets");
    }
    Ok(ExitCode::SUCCESS)
}

/// `vulndesk scan`: reads the SBOM and the OSV data, matches offline, prints the findings.
/// `--no-fail` is `--fail-on none`.
fn fail_on_of(no_fail: bool, fail_on: &str) -> &str {
    if no_fail { "none" } else { fail_on }
}

/// Runs a command against `--server`.
fn run_remote(server: &str, cli: Cli) -> ExitCode {
    let remote = match remote::token(cli.token, cli.token_file).and_then(|t| remote::Remote::new(server, t)) {
        Ok(r) => r,
        Err(e) => return e.report(),
    };
    let done = match cli.command {
        Command::Scan { sbom, osv, format, no_fail, fail_on } => {
            if !osv.is_empty() {
                eprintln!("error: --osv scans offline; with --server the server's OSV data is used");
                return ExitCode::from(2);
            }
            remote::scan(&remote, &sbom, &format, fail_on_of(no_fail, &fail_on))
        }
        Command::Sbom { command: SbomCommand::Import { org, product, model, version, file } } => {
            remote::sbom_import(&remote, &org, &product, &model, &version, &file)
        }
        Command::Osv { command: OsvCommand::Import { paths } } => remote::osv_import(&remote, &paths),
        Command::Csaf { command: CsafCommand::Mirror { out } } => remote::csaf_mirror(&remote, &out),
        Command::Cases { command: CasesCommand::List { org, state, format } } => {
            remote::cases_list(&remote, &org, state.as_deref(), &format)
        }
        Command::Findings { command: FindingsCommand::List { org, open, format, fail_on_overdue } } => {
            remote::findings_list(&remote, &org, open, &format, fail_on_overdue)
        }
        _ => {
            eprintln!(
                "error: this command runs where the database is; with --server: scan, sbom import, osv import, \
                 csaf mirror, cases list, findings list"
            );
            return ExitCode::from(2);
        }
    };
    done.unwrap_or_else(remote::Failure::report)
}

fn scan(sbom_path: &std::path::Path, osv: &[PathBuf], format: &str, fail_on: &str) -> ExitCode {
    let bad = |msg: String| {
        eprintln!("error: {msg}");
        ExitCode::from(2)
    };
    let Some(sbom) = read_sbom_file(sbom_path) else { return ExitCode::from(2) };
    let started = std::time::Instant::now();
    let loaded = vulndesk_match::load_paths(osv, |p| match p {
        vulndesk_match::Progress::Path { path, index, total } => {
            eprintln!("\r[{}/{}] loading {}", index + 1, total, path.display());
        }
        vulndesk_match::Progress::Records { read } => eprint!("\r  {read} records"),
    });
    let (index, report) = match loaded {
        Ok(x) => x,
        Err(e) => return bad(e.to_string()),
    };
    eprintln!(
        "\r  {} records ({} withdrawn, {} GIT ranges ignored) in {:.2} s",
        report.records_read,
        report.withdrawn,
        report.git_ranges_ignored,
        started.elapsed().as_secs_f64()
    );
    report_scan(&sbom, &index, format, fail_on)
}

/// Reads an SBOM file, printing its warnings; `None` (after printing why) when it cannot be read.
fn read_sbom_file(path: &std::path::Path) -> Option<vulndesk_formats::sbom::Sbom> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("error: cannot read {}: {e}", path.display());
            return None;
        }
    };
    match vulndesk_formats::sbom::read_sbom(&bytes) {
        Ok((sbom, diagnostics)) => {
            for d in diagnostics.iter().take(20) {
                eprintln!("warning: {}: {d}", path.display());
            }
            Some(sbom)
        }
        Err(e) => {
            eprintln!("error: {}: {e}", path.display());
            None
        }
    }
}

/// Matches and prints the findings; the exit code says whether there were any.
fn report_scan(
    sbom: &vulndesk_formats::sbom::Sbom,
    index: &vulndesk_match::Index,
    format: &str,
    fail_on: &str,
) -> ExitCode {
    let result = vulndesk_match::scan_sbom_report(sbom, index);
    eprintln!("{} components, {} scanned, {} findings", result.components, result.scanned, result.findings.len());
    for (why, refs) in &result.unscanned {
        eprintln!("not scanned ({why:?}): {}", refs.len());
    }
    if format == "json" {
        println!("{}", vulndesk_match::findings_json(&result.findings));
    } else {
        print!("{}", vulndesk_match::findings_table(&result.findings));
    }
    let severities: Vec<Option<&str>> = result.findings.iter().map(|f| f.severity.as_deref()).collect();
    remote::verdict(&severities, fail_on)
}

/// `vulndesk cvss score`: vectors on stdin, one JSON object per line on stdout.
fn cvss_score() -> anyhow::Result<()> {
    use std::io::{BufRead, Write};
    let stdin = std::io::stdin();
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    for line in stdin.lock().lines() {
        let line = line.context("reading stdin")?;
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        writeln!(out, "{}", vulndesk_formats::cvss::score_line(line)).context("writing stdout")?;
    }
    out.flush().context("writing stdout")?;
    Ok(())
}

fn init_logging(config: &Config) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .or_else(|_| tracing_subscriber::EnvFilter::try_new(&config.log_level))
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    // Colours only on a terminal: a log file or the journal gets plain text.
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr);
    let _ = if config.log_format == "json" { builder.json().try_init() } else { builder.try_init() };
}

async fn open(config: &Config) -> anyhow::Result<Store> {
    let url = config.database_url();
    let store = Store::open(&url, &OpenOptions { max_connections: config.max_connections }).await?;
    if let Some(key) = config.attachment_key() {
        store.set_attachment_key(key)?;
    }
    Ok(store)
}

async fn open_migrated(config: &Config) -> anyhow::Result<Store> {
    let store = open(config).await?;
    store.migrate().await?;
    Ok(store)
}

async fn serve(config: Config, demo: bool, no_jobs: bool) -> anyhow::Result<ExitCode> {
    let store = open_migrated(&config).await?;
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let now = clock.now();
    let ctx = AuditContext::system(now);
    let admin = bootstrap::ensure_admin(&store, &ctx, config.admin_password.as_deref()).await?;
    let listener = tokio::net::TcpListener::bind(&config.listen)
        .await
        .with_context(|| format!("cannot listen on {}", config.listen))?;
    let addr = listener.local_addr()?;
    let url = config.public_url.clone().unwrap_or_else(|| format!("http://{addr}/"));
    // The demo's advisories name the address people reach this server at (before it serves).
    let demo_report = if demo {
        bootstrap::load_demo(&store, clock.clone(), &ctx, config.demo_password.as_deref(), &url).await?
    } else {
        None
    };
    let web = vulndesk_web::WebConfig {
        session_ttl: std::time::Duration::from_secs(config.session_hours * 3600),
        secure_cookies: config.public_url.as_deref().is_some_and(|u| u.starts_with("https://")),
        default_locale: Locale::from_tag(&config.default_locale).unwrap_or(Locale::ZhCn),
        max_body_bytes: config.max_body_bytes,
        trust_forwarded_for: config.trust_forwarded_for,
        public_url: config.public_url.clone(),
        security_txt_org: config.security_txt_org.clone(),
        allow_private_destinations: config.delivery_allow_private_networks,
        metrics_token: config.metrics_token.clone(),
        // Required unless configured otherwise; a demo lets people try it without.
        metrics_separate: config.metrics_listen.is_some(),
        mfa_required_for_admins: match config.mfa_admins.as_deref() {
            Some(m) => m == "required",
            None => !demo,
        },
        intake: vulndesk_web::IntakeLimits {
            max_attachment_bytes: config.max_attachment_mib.saturating_mul(1 << 20),
            per_source_per_minute: config.intake_per_source_per_minute,
            per_program_per_minute: config.intake_per_program_per_minute,
            ..vulndesk_web::IntakeLimits::default()
        },
        ..vulndesk_web::WebConfig::default()
    };
    println!("vulndesk {} is listening on {url} (database: {})", env!("CARGO_PKG_VERSION"), store.display_url());
    if let Some(line) = admin {
        println!("{line}");
    }
    if let Some(line) = demo_report {
        println!("{line}");
    }
    let mailer = mailer(&config)?;
    let state = vulndesk_web::AppState::new(store.clone(), clock.clone(), web);
    watch_osv(&state.osv_cache(), &store).await;
    let osv_task = if no_jobs { None } else { osv_pulls(&store, &config) };
    let jobs = (!no_jobs).then(|| {
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(vulndesk_jobs::run(
            store.clone(),
            clock.clone(),
            std::time::Duration::from_secs(60),
            mailer.clone(),
            vulndesk_jobs::deliver::Destinations { allow_private: config.delivery_allow_private_networks },
            state.osv_cache(),
            async {
                let _ = stopped.await;
            },
        ));
        (stop, task)
    });
    let metrics = match &config.metrics_listen {
        Some(addr) => {
            let l = tokio::net::TcpListener::bind(addr)
                .await
                .with_context(|| format!("cannot listen for metrics on {addr} (metrics_listen)"))?;
            println!("metrics on http://{}/metrics", l.local_addr()?);
            let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
            let task = tokio::spawn(vulndesk_web::serve_metrics(l, state.clone(), async {
                let _ = stopped.await;
            }));
            Some((stop, task))
        }
        None => None,
    };
    vulndesk_web::serve(listener, state, shutdown_signal()).await?;
    if let Some((stop, task)) = metrics {
        let _ = stop.send(());
        let _ = task.await;
    }
    if let Some(t) = osv_task {
        t.abort();
    }
    if let Some((stop, task)) = jobs {
        let _ = stop.send(());
        let _ = task.await;
    }
    store.close().await;
    Ok(ExitCode::SUCCESS)
}

/// Starts listening for other instances' OSV imports (PostgreSQL), so the matching index is
/// rebuilt on their notice and not only on the periodic check. A failure is logged, not fatal:
/// the index then reads the stored stamp on every use, as on SQLite.
async fn watch_osv(osv: &Arc<vulndesk_jobs::findings::OsvCache>, store: &vulndesk_store::Store) {
    match osv.watch(store).await {
        Ok(true) => tracing::info!("listening for OSV imports by other instances"),
        Ok(false) => {}
        Err(e) => {
            tracing::warn!(error = %e, "cannot listen for OSV imports; the index checks the database on every use")
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down");
}

async fn create_token(
    store: &Store,
    now: Timestamp,
    username: &str,
    org: Option<&str>,
    role: Option<&str>,
    name: &str,
) -> anyhow::Result<()> {
    let user = store
        .user_by_username(username)
        .await?
        .with_context(|| format!("there is no account named {username:?}"))?
        .user;
    let org = match org {
        Some(slug) => {
            Some(store.org_by_slug(slug).await?.with_context(|| format!("there is no organisation {slug:?}"))?)
        }
        None => None,
    };
    let role = match role {
        Some(r) => Some(PersonRole::parse(r).with_context(|| {
            format!("unknown role {r:?} (one of: admin, coordinator, triager, engineer, publisher, auditor)")
        })?),
        None => None,
    };
    if let Some(org) = &org {
        let held = store.memberships_of(user.id).await?;
        let holds = |r: Option<PersonRole>| held.iter().any(|(o, hr)| o.id == org.id && r.is_none_or(|r| r == *hr));
        let allowed = holds(role) || (user.site_admin && role.is_none());
        if !allowed {
            bail!(
                "{username} holds {} in {}; a token cannot carry more than its account",
                role.map_or("no role".to_owned(), |r| format!("no {r} role")),
                org.slug
            );
        }
    }
    let (secret, hash, prefix) = vulndesk_web::new_api_token();
    let token = NewApiToken {
        id: TokenId::mint(now, rand::random()),
        user: user.id,
        org: org.as_ref().map(|o| o.id),
        role,
        name: name.to_owned(),
        token_hash: hash,
        prefix,
        expires_at: None,
    };
    store.create_token(&token, &AuditContext::system(now)).await?;
    println!("{secret}");
    Ok(())
}
