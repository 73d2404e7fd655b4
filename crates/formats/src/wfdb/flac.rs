//! FLAC-compressed WFDB signal files (formats 508, 516, 524; WFDB 10.7 `signal(5)`): one FLAC
//! stream per signal file, one FLAC channel per signal of the file, each channel holding that
//! signal's samples (all `samples_per_frame` of a frame in a row). Decoded with `claxon`.
//!
//! FLAC is sequential, so these files are decoded eagerly (they are small by design).

use crate::error::Error;

/// Decodes all channels of a FLAC stream, stopping after `max_per_channel` samples per
/// channel. Returns one vector per channel.
pub fn decode(
    bytes: &[u8],
    n_channels: usize,
    max_per_channel: u64,
) -> Result<Vec<Vec<i32>>, Error> {
    let reader = claxon::FlacReader::new(std::io::Cursor::new(bytes))
        .map_err(|e| Error::format_at("FLAC stream", 0, format!("cannot read FLAC header: {e}")))?;
    let info = reader.streaminfo();
    let channels = info.channels as usize;
    if channels != n_channels {
        return Err(Error::format(
            "FLAC stream",
            format!(
                "the header lists {n_channels} signals in this file but the FLAC stream has {channels} channels"
            ),
        ));
    }
    let cap =
        usize::try_from(max_per_channel.min(info.samples.unwrap_or(0)).min(1 << 26)).unwrap_or(0);
    let mut out: Vec<Vec<i32>> = (0..channels).map(|_| Vec::with_capacity(cap)).collect();
    let mut blocks = reader;
    let mut blocks = blocks.blocks();
    let mut buffer = Vec::new();
    loop {
        let block = match blocks.read_next_or_eof(buffer) {
            Ok(Some(b)) => b,
            Ok(None) => break,
            Err(e) => {
                return Err(Error::format(
                    "FLAC stream",
                    format!("corrupt FLAC frame: {e}"),
                ));
            }
        };
        for (c, dst) in out.iter_mut().enumerate() {
            let room = usize::try_from(max_per_channel.saturating_sub(dst.len() as u64))
                .unwrap_or(usize::MAX);
            let ch = block.channel(c as u32);
            dst.extend_from_slice(&ch[..ch.len().min(room)]);
        }
        if out.iter().all(|c| c.len() as u64 >= max_per_channel) {
            break;
        }
        buffer = block.into_buffer();
    }
    Ok(out)
}
