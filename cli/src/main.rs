//! `ccs`: the headless command-line client of CCS Terrain. It works on the same
//! encrypted store as the app, for scripts, tests, demos and administrators.
//!
//! This file holds the argument grammar (clap) and the one place where a failure
//! becomes output: one line `erreur: <message> [<code>]` on stderr (preceded, for a
//! refused record, by one line per field error) and an exit status: 1 for any failure,
//! 2 when a record's content is refused, 3 for a wrong passphrase. Each subcommand lives
//! in `commands/` and calls one `core` function.
//!
//! Environment: `CCS_DB` (the store), `CCS_PASSPHRASE` (else a prompt),
//! `CCS_NEW_PASSPHRASE` (for `passwd`), `CCS_LANG` (`fr` or `en`), and `CCS_KDF_FAST=1`
//! (tests only: weak key derivation for stores made by `init`).

mod commands;
mod failure;
mod json_input;
mod messages;
mod unlock;

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use ccs_core::export::{ExportFormat, Included};
use ccs_core::i18n::Lang;
use clap::{Parser, Subcommand};

use commands::Ctx;
use failure::Failure;

#[derive(Parser)]
#[command(name = "ccs", version, about = "CCS Terrain: command-line client for an encrypted local store")]
struct Cli {
    /// The store's database file.
    #[arg(long, global = true, env = "CCS_DB", value_name = "PATH")]
    db: Option<PathBuf>,
    /// Language of messages: fr or en.
    #[arg(long, global = true, env = "CCS_LANG", value_parser = parse_lang, default_value = "fr")]
    lang: Lang,
    #[command(subcommand)]
    command: Command,
}

fn parse_lang(s: &str) -> Result<Lang, String> {
    s.parse()
}

fn parse_format(s: &str) -> Result<ExportFormat, String> {
    match s {
        "xlsx" => Ok(ExportFormat::Xlsx),
        "csv" => Ok(ExportFormat::Csv),
        other => Err(format!("unknown format `{other}` (xlsx, csv)")),
    }
}

#[derive(Subcommand)]
enum Command {
    /// Create an encrypted store for this device; prints the device id.
    Init {
        /// member, facilitator, reviewer or admin.
        #[arg(long, default_value = "member")]
        role: String,
        /// A member's committee (UUID).
        #[arg(long, value_name = "UUID")]
        committee: Option<String>,
        /// A facilitator's region code.
        #[arg(long, value_name = "CODE")]
        region: Option<String>,
    },
    /// Fill the store with realistic sample records.
    Demo {
        /// Also a year of records over forty-odd committees of every region (for the
        /// CRSS's inbox, dashboard, exports and report).
        #[arg(long)]
        year: bool,
        /// The year's seed: the same seed gives the same records.
        #[arg(long, default_value_t = 2026, requires = "year")]
        seed: u64,
    },
    /// Save a new record from a JSON file (`-` for stdin); prints its id.
    Add {
        /// session, assessment, workshop, recommendation or committee.
        kind: String,
        file: String,
    },
    /// List records, filtered and paged.
    List {
        #[arg(long)]
        kind: Option<String>,
        #[arg(long, value_name = "UUID")]
        committee: Option<String>,
        #[arg(long, value_name = "CODE")]
        region: Option<String>,
        #[arg(long, value_name = "CODE")]
        commune: Option<String>,
        #[arg(long, value_name = "YYYY-MM-DD")]
        from: Option<String>,
        #[arg(long, value_name = "YYYY-MM-DD")]
        to: Option<String>,
        /// Review status: draft, submitted, validated, approved, needs_correction, reopened.
        #[arg(long)]
        status: Option<String>,
        /// Full-text search.
        #[arg(long, value_name = "TEXT")]
        q: Option<String>,
        /// Only records with errors, conflicts or that cannot be read.
        #[arg(long)]
        flagged: bool,
        /// Page size (default 50, at most 500).
        #[arg(long, value_name = "N", default_value_t = 0, hide_default_value = true)]
        limit: u32,
        #[arg(long, value_name = "N", default_value_t = 0)]
        offset: u32,
        /// Print the page as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Show one record.
    Show {
        id: String,
        /// Print the record's JSON view with the store's flags.
        #[arg(long)]
        json: bool,
    },
    /// Show who changed a record and when.
    History { id: String },
    /// Change a record with a JSON merge patch (partial update).
    Edit { id: String, file: String },
    /// List records with conflicting values, or the conflicts of one record.
    Conflicts { id: Option<String> },
    /// Resolve a conflict by choosing one of its values (its number in `conflicts ID`).
    Resolve { id: String, path: String, choice: usize },
    /// Add a review decision to a record.
    Review {
        id: String,
        /// submitted, validated, approved, needs_correction or reopened.
        #[arg(long)]
        decision: String,
        #[arg(long)]
        comment: Option<String>,
    },
    /// Change the store's passphrase.
    Passwd,
    /// Administrative divisions (reference data).
    #[command(name = "ref", subcommand)]
    Ref(RefCommand),
    /// Reports: the indicators the CRSS follows, the quarterly report in PDF.
    #[command(subcommand)]
    Report(ReportCommand),
    /// Enroll this device with a sync server using a code from its administrator, or
    /// offline from a printed enrollment slip (--slip); prints the device id.
    Enroll {
        /// The server's address, e.g. https://sync.example.org or http://127.0.0.1:8787.
        #[arg(long, env = "CCS_SERVER", required_unless_present = "slip")]
        server: Option<String>,
        /// The enrollment code (dashes and case do not matter).
        #[arg(long, required_unless_present = "slip")]
        code: Option<String>,
        /// An enrollment slip (its text `ccs-inscription:1?…`, or a file holding it):
        /// enrolls with no network; the server confirms through a return bundle.
        #[arg(long, value_name = "TEXT|FILE")]
        slip: Option<String>,
        /// A name for this device in the server's list.
        #[arg(long)]
        label: Option<String>,
    },
    /// Export records to a spreadsheet (XLSX: one sheet per kind; CSV: one file per kind
    /// beside FILE, named FILE-seances.csv, …), with a « Filtres » sheet stating the
    /// filters and what was left out. Confidential records, named attendance lists and
    /// free text are left out unless asked for (and, for the first two, allowed).
    Export {
        /// xlsx or csv.
        #[arg(value_parser = parse_format)]
        format: ExportFormat,
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// Record kinds (repeat or separate with commas); all by default.
        #[arg(long = "kind", value_name = "KIND")]
        kinds: Vec<String>,
        #[arg(long, value_name = "CODE")]
        region: Option<String>,
        #[arg(long, value_name = "UUID")]
        committee: Option<String>,
        #[arg(long, value_name = "YYYY-MM-DD")]
        from: Option<String>,
        #[arg(long, value_name = "YYYY-MM-DD")]
        to: Option<String>,
        /// Review statuses (repeat or separate with commas), e.g. approved.
        #[arg(long = "status", value_name = "STATUS")]
        statuses: Vec<String>,
        /// Include confidential records (CRSS reviewers and administrators only).
        #[arg(long)]
        include_confidential: bool,
        /// Include named attendance lists (with --include-confidential).
        #[arg(long)]
        include_names: bool,
        /// Include free-text fields (summaries, notes, texts of recommendations, …).
        #[arg(long)]
        include_free_text: bool,
    },
    /// Records carried by a facilitator: bundles to send, return bundles to apply.
    #[command(subcommand)]
    Relay(RelayCommand),
    /// Send local changes to the server and receive the others' (exit 4 if the server
    /// refused some records).
    Sync,
    /// Delete the store and its key file.
    Wipe {
        /// Confirm: wiping cannot be undone.
        #[arg(long)]
        yes: bool,
    },
    /// Test aid for crash-safety tests: saves N records one by one, printing each id as
    /// soon as its save returned.
    #[command(hide = true)]
    StressWrite {
        #[arg(long, default_value_t = 100)]
        count: u32,
    },
}

#[derive(Subcommand)]
enum ReportCommand {
    /// The eight indicators over a period, as a table (total, then by region) or JSON.
    Indicators {
        /// A month (2026-11), a quarter (2026-T4) or a year (2026); the current quarter
        /// by default.
        #[arg(long)]
        period: Option<String>,
        #[arg(long, value_name = "CODE")]
        region: Option<String>,
        /// regional, communal or district.
        #[arg(long)]
        level: Option<String>,
        #[arg(long, value_name = "UUID")]
        committee: Option<String>,
        /// approved (records approved by the CRSS) or all (default).
        #[arg(long)]
        basis: Option<String>,
        /// Print the indicators as JSON.
        #[arg(long)]
        json: bool,
    },
    /// The quarterly report « Rapport trimestriel » written as a PDF (offline, in French):
    /// indicators, charts, tables by region, the recommendations followed up.
    Pdf {
        /// The quarter: 2026-T4.
        #[arg(long, value_name = "YYYY-TN")]
        quarter: String,
        /// The PDF file to write.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// One region (its code, e.g. tombouctou); the whole country if absent.
        #[arg(long, value_name = "CODE")]
        region: Option<String>,
        /// What the figures count: approved (records the CRSS approved) or all.
        #[arg(long, default_value = "approved")]
        basis: String,
    },
}

#[derive(Subcommand)]
enum RelayCommand {
    /// Write the bundles of everything the server has not acknowledged into DIR.
    Export {
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
    },
    /// Apply return bundles (files `paquet-….ccsb`) brought back by the facilitator.
    Import {
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
    },
    /// What waits to go, what went, what came back.
    Status {
        /// Print the status as JSON.
        #[arg(long)]
        json: bool,
    },
    /// The courier's commands and the member's hotspot exchange.
    #[command(flatten)]
    Courier(commands::courier::CourierCommand),
}

#[derive(Subcommand)]
enum RefCommand {
    /// List units: regions by default, or the children of --parent.
    List {
        /// region, cercle or commune.
        #[arg(long)]
        level: Option<String>,
        #[arg(long, value_name = "CODE")]
        parent: Option<String>,
        /// Only units valid on this date.
        #[arg(long, value_name = "YYYY-MM-DD")]
        on: Option<String>,
    },
    /// Add a unit (administrators only).
    Add {
        /// region, cercle or commune.
        #[arg(long)]
        level: String,
        #[arg(long)]
        name: String,
        /// The parent's code (required for a cercle or a commune).
        #[arg(long, value_name = "CODE")]
        parent: Option<String>,
        #[arg(long, value_name = "YYYY-MM-DD")]
        from: Option<String>,
        /// Exclusive end of validity.
        #[arg(long, value_name = "YYYY-MM-DD")]
        to: Option<String>,
    },
}

fn run(cli: Cli, out: &mut dyn Write) -> Result<(), Failure> {
    let ctx = Ctx { db: cli.db, lang: cli.lang, now: chrono::Utc::now() };
    match cli.command {
        Command::Init { role, committee, region } => {
            commands::init::run(&ctx, commands::init::Args { role, committee, region }, out)
        }
        Command::Demo { year, seed } => commands::demo::run(&ctx, year.then_some(seed), out),
        Command::Add { kind, file } => commands::add::run(&ctx, &kind, &file, out),
        Command::List { kind, committee, region, commune, from, to, status, q, flagged, limit, offset, json } => {
            let args = commands::list::Args {
                kind,
                committee,
                region,
                commune,
                from,
                to,
                status,
                q,
                flagged,
                limit,
                offset,
                json,
            };
            commands::list::run(&ctx, args, out)
        }
        Command::Show { id, json } => commands::show::run(&ctx, &id, json, out),
        Command::History { id } => commands::show::history(&ctx, &id, out),
        Command::Edit { id, file } => commands::edit::run(&ctx, &id, &file, out),
        Command::Conflicts { id } => commands::conflicts::run(&ctx, id.as_deref(), out),
        Command::Resolve { id, path, choice } => commands::conflicts::resolve(&ctx, &id, &path, choice, out),
        Command::Review { id, decision, comment } => commands::review::run(&ctx, &id, &decision, comment, out),
        Command::Passwd => commands::passwd::run(&ctx, out),
        Command::Report(ReportCommand::Indicators { period, region, level, committee, basis, json }) => {
            commands::report::run(&ctx, commands::report::Args { period, region, level, committee, basis, json }, out)
        }
        Command::Ref(RefCommand::List { level, parent, on }) => {
            commands::reference::list(&ctx, commands::reference::ListArgs { level, parent, on }, out)
        }
        Command::Ref(RefCommand::Add { level, name, parent, from, to }) => {
            commands::reference::add(&ctx, commands::reference::AddArgs { level, name, parent, from, to }, out)
        }
        Command::Enroll { slip: Some(slip), label, .. } => {
            commands::relay::enroll_slip(&ctx, &slip, label.as_deref(), out)
        }
        Command::Enroll { server, code, label, .. } => commands::sync::enroll(
            &ctx,
            server.as_deref().unwrap_or_default(),
            code.as_deref().unwrap_or_default(),
            label.as_deref(),
            out,
        ),
        Command::Export {
            format,
            out: file,
            kinds,
            region,
            committee,
            from,
            to,
            statuses,
            include_confidential,
            include_names,
            include_free_text,
        } => {
            let include = Included {
                confidential: include_confidential,
                named_attendance: include_names,
                free_text: include_free_text,
            };
            let args =
                commands::export::Args { format, out: file, kinds, region, committee, from, to, statuses, include };
            commands::export::run(&ctx, args, out)
        }
        Command::Relay(RelayCommand::Export { out: dir }) => commands::relay::export(&ctx, &dir, out),
        Command::Relay(RelayCommand::Import { files }) => commands::relay::import(&ctx, &files, out),
        Command::Relay(RelayCommand::Status { json }) => commands::relay::status(&ctx, json, out),
        Command::Sync => commands::sync::run(&ctx, out),
        Command::Report(ReportCommand::Pdf { quarter, out: file, region, basis }) => {
            commands::report_pdf::run(&ctx, &quarter, &file, region.as_deref(), &basis, out)
        }
        Command::Relay(RelayCommand::Courier(c)) => commands::courier::run(&ctx, c, out),
        Command::Wipe { yes } => commands::wipe::run(&ctx, yes, out),
        Command::StressWrite { count } => commands::stress::run(&ctx, count, out),
    }
}

/// The language asked for, read before clap so that its own errors follow it too.
fn language_hint() -> Lang {
    let args: Vec<String> = std::env::args().collect();
    let from_args = args.iter().enumerate().find_map(|(i, a)| match a.strip_prefix("--lang") {
        Some("") => args.get(i + 1).cloned(),
        Some(rest) => rest.strip_prefix('=').map(str::to_string),
        None => None,
    });
    from_args.or_else(|| std::env::var("CCS_LANG").ok()).and_then(|l| l.parse().ok()).unwrap_or_default()
}

fn report(failure: &Failure, lang: Lang) {
    let mut err = std::io::stderr().lock();
    for e in failure.field_errors() {
        let _ = writeln!(err, "{}", commands::show::field_error_line(e, lang));
    }
    let _ = writeln!(err, "{}: {} [{}]", messages::text("out.error", lang, &[]), failure.message(lang), failure.code());
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            use clap::error::ErrorKind;
            return match e.kind() {
                ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
                    let _ = e.print();
                    ExitCode::SUCCESS
                }
                ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
                    let _ = e.print();
                    ExitCode::from(1)
                }
                _ => {
                    let rendered = e.to_string();
                    let first = rendered.lines().next().unwrap_or_default();
                    let message = first.strip_prefix("error: ").unwrap_or(first).to_string();
                    let failure = Failure::Cli { code: "cli.usage", args: vec![message] };
                    report(&failure, language_hint());
                    ExitCode::from(1)
                }
            };
        }
    };
    let lang = cli.lang;
    let mut out = std::io::stdout().lock();
    let result = run(cli, &mut out).and_then(|()| out.flush().map_err(Failure::from));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) if f.is_broken_pipe() => ExitCode::SUCCESS,
        Err(f) => {
            report(&f, lang);
            ExitCode::from(f.exit_code())
        }
    }
}
