//! Raw deflate with its states kept between calls.
//!
//! zlib-rs allocates and zeroes about 270 kB for each new deflate state, and glibc maps
//! and unmaps an allocation that large on a busy thread: one state per message was a
//! third of a syncing device's CPU in the load bench (`ccs-bench`), more than deflating
//! itself, and a device's first sync of a large server deflates one kept value per
//! record it receives ([`crate::store`]'s `record_values`). A state is reset to a fresh
//! stream's before it is kept, so nothing of one message can be referred to by the
//! next: the bytes are the ones a new state makes.

use std::io::Write as _;
use std::sync::Mutex;

use flate2::{Compress, Compression, FlushCompress, Status};

/// How hard to compress.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// Sync frames: bytes matter on a field link.
    Default,
    /// Values kept in the device's own database, written in the transaction of a save.
    Fast,
}

impl Level {
    fn compression(self) -> Compression {
        match self {
            Level::Default => Compression::default(),
            Level::Fast => Compression::fast(),
        }
    }

    fn idle(self) -> &'static Mutex<Vec<Compress>> {
        match self {
            Level::Default => &IDLE_DEFAULT,
            Level::Fast => &IDLE_FAST,
        }
    }
}

/// Idle states kept per level. A message is deflated in well under a millisecond, so no
/// more run at once than there are cores; more would be memory held for nothing.
const KEEP: usize = 4;
static IDLE_DEFAULT: Mutex<Vec<Compress>> = Mutex::new(Vec::new());
static IDLE_FAST: Mutex<Vec<Compress>> = Mutex::new(Vec::new());

/// `out` followed by `payload` deflated as one raw deflate stream.
pub fn append(out: Vec<u8>, payload: &[u8], level: Level) -> Vec<u8> {
    let idle = level.idle();
    let reused = idle.lock().ok().and_then(|mut idle| idle.pop());
    let mut state = reused.unwrap_or_else(|| Compress::new(level.compression(), false));
    let start = out.len();
    let mut out = out;
    if finish(&mut state, &mut out, payload) {
        state.reset();
        if let Ok(mut idle) = idle.lock() {
            if idle.len() < KEEP {
                idle.push(state);
            }
        }
        out
    } else {
        // Not expected with a Vec to write into; a state that failed is not kept.
        out.truncate(start);
        let mut encoder = flate2::write::DeflateEncoder::new(out, level.compression());
        // Writing into a Vec cannot fail.
        let _ = encoder.write_all(payload);
        encoder.finish().unwrap_or_default()
    }
}

/// Deflates all of `payload` into `out` and ends the stream; false on an error, or when
/// `state` is not at the start of a stream.
fn finish(state: &mut Compress, out: &mut Vec<u8>, payload: &[u8]) -> bool {
    if state.total_in() != 0 || state.total_out() != 0 {
        return false;
    }
    loop {
        let (read, written) = (state.total_in(), state.total_out());
        // `compress_vec` writes into spare capacity only.
        out.reserve((payload.len() - read as usize) / 2 + 256);
        match state.compress_vec(&payload[read as usize..], out, FlushCompress::Finish) {
            Ok(Status::StreamEnd) => return true,
            // With room to write, deflate always moves on; a state that does not (one
            // that ended a stream already) would loop for ever.
            Ok(Status::Ok | Status::BufError) if (state.total_in(), state.total_out()) != (read, written) => continue,
            Ok(_) | Err(_) => return false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read as _;

    fn text(seed: u32) -> Vec<u8> {
        (0..4000u32)
            .flat_map(|i| format!("séance {} point {} ", i.wrapping_mul(seed) % 97, i % 13).into_bytes())
            .collect()
    }

    /// What a new state makes of `payload`, in one call.
    fn fresh(payload: &[u8], level: Level) -> Vec<u8> {
        let mut out = Vec::with_capacity(payload.len() + 1024);
        let mut state = Compress::new(level.compression(), false);
        assert_eq!(state.compress_vec(payload, &mut out, FlushCompress::Finish).unwrap(), Status::StreamEnd);
        out
    }

    fn inflate(bytes: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        flate2::read::DeflateDecoder::new(bytes).read_to_end(&mut out).unwrap();
        out
    }

    /// A state another message used makes the bytes a new state makes: nothing of the
    /// earlier payload (here the same words) leaks into the next, and each inflates
    /// alone. Several threads share the kept states, at both levels.
    #[test]
    fn a_kept_state_makes_the_bytes_a_new_one_makes() {
        let threads: Vec<_> = (1..=6u32)
            .map(|t| {
                std::thread::spawn(move || {
                    for round in 0..20u32 {
                        let level = if (t + round) % 2 == 0 { Level::Default } else { Level::Fast };
                        let payload = text(t * 31 + round);
                        let made = append(b"head".to_vec(), &payload, level);
                        assert_eq!(&made[..4], b"head");
                        assert_eq!(made[4..], fresh(&payload, level), "thread {t}, round {round}, {level:?}");
                        assert_eq!(inflate(&made[4..]), payload);
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert!(IDLE_DEFAULT.lock().unwrap().len() <= KEEP && IDLE_FAST.lock().unwrap().len() <= KEEP);
    }

    /// More than the first reservation, incompressible, and nothing at all.
    #[test]
    fn large_and_empty_payloads_deflate_whole() {
        let noise: Vec<u8> = (0..3_000_000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8).collect();
        assert_eq!(inflate(&append(Vec::new(), &noise, Level::Default)), noise);
        assert_eq!(inflate(&append(Vec::new(), &[], Level::Fast)), Vec::<u8>::new());
    }

    /// A state in the middle of a stream is not used as if it were fresh (it would
    /// loop for ever or mix two messages): the message is deflated by a new one.
    #[test]
    fn a_state_that_was_not_reset_is_not_used() {
        let mut used = Compress::new(Compression::default(), false);
        let mut scratch = Vec::with_capacity(1 << 16);
        used.compress_vec(&text(3), &mut scratch, FlushCompress::Finish).unwrap();
        let mut out = Vec::new();
        assert!(!finish(&mut used, &mut out, &text(5)));
        IDLE_DEFAULT.lock().unwrap().push(used);
        let payload = text(5);
        // Whichever state `append` takes, the message inflates whole, and the state
        // that was not reset is not kept.
        for _ in 0..=KEEP {
            assert_eq!(inflate(&append(Vec::new(), &payload, Level::Default)), payload);
        }
        assert!(IDLE_DEFAULT.lock().unwrap().iter().all(|s| s.total_in() == 0 && s.total_out() == 0));
    }
}
