//! Reading a record's JSON from a file or stdin, refusing anything over
//! [`MAX_INPUT_BYTES`] before it is read whole, so a wrong file (a photo, a database
//! dump) fails fast and clearly instead of filling memory.

use std::io::Read;

use ccs_core::model::input::{parse_object, InputError, MAX_INPUT_BYTES};
use serde_json::{Map, Value};

use crate::failure::Failure;

/// Reads `file` (`-` for stdin) and parses it as a JSON object.
pub fn read_object(file: &str) -> Result<Map<String, Value>, Failure> {
    let bytes = read_limited(file)?;
    Ok(parse_object(&bytes)?)
}

fn too_large() -> Failure {
    InputError::TooLarge { max: MAX_INPUT_BYTES }.into()
}

fn read_limited(file: &str) -> Result<Vec<u8>, Failure> {
    let read_err = |e: std::io::Error| Failure::cli("cli.read", &[file, &e.to_string()]);
    // One byte more than allowed is enough to know the input is too large.
    let cap = MAX_INPUT_BYTES as u64 + 1;
    let mut bytes = Vec::new();
    if file == "-" {
        std::io::stdin().lock().take(cap).read_to_end(&mut bytes).map_err(read_err)?;
    } else {
        let f = std::fs::File::open(file).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => Failure::cli("cli.file_not_found", &[file]),
            _ => read_err(e),
        })?;
        let meta = f.metadata().map_err(read_err)?;
        if meta.is_file() && meta.len() > MAX_INPUT_BYTES as u64 {
            return Err(too_large());
        }
        f.take(cap).read_to_end(&mut bytes).map_err(read_err)?;
    }
    if bytes.len() > MAX_INPUT_BYTES {
        return Err(too_large());
    }
    Ok(bytes)
}
