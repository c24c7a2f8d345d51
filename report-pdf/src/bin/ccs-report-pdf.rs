//! `ccs-report-pdf`: the desktop app's helper that typesets the quarterly report.
//!
//! Reads one [`TypesetJob`] (JSON) on its standard input, writes the PDF on its
//! standard output, and nothing else: no file, no network, no store. The app carries
//! no Typst (see `ccs_report_pdf::helper`); this binary does.

use std::io::{Read, Write};
use std::process::ExitCode;

use ccs_report_pdf::helper::EXIT_RENDER;
use ccs_report_pdf::job::MAX_JOB_BYTES;
use ccs_report_pdf::{PdfError, TypesetJob};
use clap::Parser;

/// Met en page le rapport trimestriel en PDF pour l’application CCS Terrain : lit la
/// tâche (JSON) sur l’entrée standard et écrit le PDF sur la sortie standard.
/// Typesets the quarterly report in PDF for the CCS Terrain app: reads the job (JSON)
/// on standard input and writes the PDF on standard output.
#[derive(Parser)]
#[command(name = "ccs-report-pdf", version)]
struct Cli {}

fn main() -> ExitCode {
    let Cli {} = Cli::parse();
    let mut input = Vec::new();
    if let Err(e) = std::io::stdin().take(MAX_JOB_BYTES as u64 + 1).read_to_end(&mut input) {
        eprintln!("ccs-report-pdf: standard input: {e}");
        return ExitCode::from(1);
    }
    let pdf = TypesetJob::from_bytes(&input).and_then(|job| job.typeset());
    match pdf {
        Ok(pdf) => match std::io::stdout().lock().write_all(&pdf) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("ccs-report-pdf: standard output: {e}");
                ExitCode::from(1)
            }
        },
        Err(e @ PdfError::Render(_)) => {
            eprintln!("{e}");
            ExitCode::from(EXIT_RENDER as u8)
        }
        Err(e) => {
            eprintln!("ccs-report-pdf: {e}");
            ExitCode::from(2)
        }
    }
}
