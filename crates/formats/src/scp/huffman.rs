//! SCP-ECG Huffman decoding (EN 1064:2005 section 5.5.2 and annex C): the default table
//! (section 2 "number of tables" = 19999), custom tables read from section 2, and table-mode
//! switches.
//!
//! Bits are read most significant first. Codes that carry their value in the bits that follow
//! the prefix (`total_bits > prefix_bits`) hold a two's-complement number of
//! `total_bits - prefix_bits` bits, as in the default table's 8- and 16-bit escapes
//! (WFDB `parsescp.c`, `getbits`).

use crate::error::Error;

/// One code of a Huffman table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Code {
    /// Length of the code itself.
    pub prefix_bits: u8,
    /// Prefix plus the bits of an explicit value that follows (equal to `prefix_bits` when the
    /// code stands for `value`).
    pub total_bits: u8,
    /// 1 = a value; 0 = switch to table number `value` (1-based).
    pub mode: u8,
    /// Decoded value (or the table to switch to).
    pub value: i16,
    /// The code bits, most significant bit first, right-aligned.
    pub code: u32,
}

/// A Huffman table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Table {
    pub codes: Vec<Code>,
}

impl Table {
    /// The SCP default table (EN 1064 annex C, table C.1): 0 = `0`, ±1 = `10x`, ±2 = `110x` ...
    /// ±8 = `111111110x`, then `1111111110` + 8-bit value and `1111111111` + 16-bit value.
    pub fn default_table() -> Table {
        let mut codes = vec![Code {
            prefix_bits: 1,
            total_bits: 1,
            mode: 1,
            value: 0,
            code: 0,
        }];
        for v in 1..=8u8 {
            // v ones, a zero, then the sign bit: e.g. 1 -> "100", -1 -> "101".
            let ones = (1u32 << v) - 1;
            let base = ones << 2;
            let bits = v + 2;
            codes.push(Code {
                prefix_bits: bits,
                total_bits: bits,
                mode: 1,
                value: i16::from(v),
                code: base,
            });
            codes.push(Code {
                prefix_bits: bits,
                total_bits: bits,
                mode: 1,
                value: -i16::from(v),
                code: base | 1,
            });
        }
        codes.push(Code {
            prefix_bits: 10,
            total_bits: 18,
            mode: 1,
            value: 0,
            code: 0x3fe,
        });
        codes.push(Code {
            prefix_bits: 10,
            total_bits: 26,
            mode: 1,
            value: 0,
            code: 0x3ff,
        });
        Table { codes }
    }
}

/// Parses section 2's data area. `offset` is the file offset of `data`.
/// Returns the tables, or an empty vector for "default table" (19999).
pub(crate) fn parse_tables(data: &[u8], offset: u64) -> Result<Vec<Table>, Error> {
    let field = "section 2 (Huffman tables)";
    let n = read_u16(data, 0).ok_or_else(|| Error::format_at(field, offset, "no table count"))?;
    if n == 19999 {
        return Ok(Vec::new());
    }
    if n == 0 || n > 256 {
        return Err(Error::format_at(
            field,
            offset,
            format!("{n} Huffman tables declared (expected 1..256 or 19999 for the default)"),
        ));
    }
    let mut pos = 2usize;
    let mut tables = Vec::with_capacity(usize::from(n));
    for t in 0..n {
        let at = offset + pos as u64;
        let ncodes = read_u16(data, pos).ok_or_else(|| {
            Error::format_at(field, at, format!("table {}: code count missing", t + 1))
        })?;
        pos += 2;
        let mut codes = Vec::with_capacity(usize::from(ncodes).min(1024));
        for c in 0..ncodes {
            let at = offset + pos as u64;
            let rec = data.get(pos..pos + 9).ok_or_else(|| {
                Error::format_at(
                    field,
                    at,
                    format!("table {} code {}: structure truncated", t + 1, c + 1),
                )
            })?;
            let prefix_bits = rec[0];
            let total_bits = rec[1];
            let mode = rec[2];
            let value = i16::from_le_bytes([rec[3], rec[4]]);
            let stored = u32::from_le_bytes([rec[5], rec[6], rec[7], rec[8]]);
            if prefix_bits == 0
                || prefix_bits > 32
                || total_bits < prefix_bits
                || total_bits - prefix_bits > 32
            {
                return Err(Error::format_at(
                    field,
                    at,
                    format!(
                        "table {} code {}: bad bit counts (prefix {prefix_bits}, total {total_bits})",
                        t + 1,
                        c + 1
                    ),
                ));
            }
            // The base code is stored with its bits in reverse order (first transmitted bit
            // in the least significant position).
            let code = reverse_bits(stored, prefix_bits);
            codes.push(Code {
                prefix_bits,
                total_bits,
                mode,
                value,
                code,
            });
            pos += 9;
        }
        tables.push(Table { codes });
    }
    Ok(tables)
}

fn reverse_bits(v: u32, n: u8) -> u32 {
    let mut out = 0u32;
    for i in 0..u32::from(n) {
        if v & (1 << i) != 0 {
            out |= 1 << (u32::from(n) - 1 - i);
        }
    }
    out
}

fn read_u16(data: &[u8], pos: usize) -> Option<u16> {
    let b = data.get(pos..pos.checked_add(2)?)?;
    Some(u16::from_le_bytes([b[0], b[1]]))
}

/// Outcome of decoding one lead.
pub(crate) struct Decoded {
    pub values: Vec<i32>,
    /// True when the bytes ran out before `n` values were decoded.
    pub short: bool,
}

/// Decodes up to `n` values from `data` with `tables` (first table active at the start).
/// `offset` is the file offset of `data` (for errors).
pub(crate) fn decode(
    data: &[u8],
    n: usize,
    tables: &[Table],
    offset: u64,
    field: &str,
) -> Result<Decoded, Error> {
    let total_bits = data.len() as u64 * 8;
    let mut bit: u64 = 0;
    let read_bit = |bit: &mut u64| -> u32 {
        let byte = data[(*bit / 8) as usize];
        let b = (byte >> (7 - (*bit % 8))) & 1;
        *bit += 1;
        u32::from(b)
    };
    // (length, code) -> code index, per table: a lookup per bit instead of a scan.
    let index: Vec<std::collections::HashMap<(u8, u32), usize>> = tables
        .iter()
        .map(|t| {
            t.codes
                .iter()
                .enumerate()
                .map(|(i, c)| ((c.prefix_bits, c.code), i))
                .collect()
        })
        .collect();
    let mut table = 0usize;
    // Every value takes at least one bit: never reserve more than the data can hold.
    let mut values = Vec::with_capacity(n.min(data.len().saturating_mul(8)));
    'samples: while values.len() < n {
        let mut acc: u32 = 0;
        let mut len: u8 = 0;
        loop {
            if bit >= total_bits {
                break 'samples;
            }
            acc = (acc << 1) | read_bit(&mut bit);
            len += 1;
            let (Some(t), Some(ix)) = (tables.get(table), index.get(table)) else {
                return Err(Error::format_at(
                    field,
                    offset,
                    format!("Huffman table {} missing", table + 1),
                ));
            };
            if let Some(c) = ix.get(&(len, acc)).and_then(|&i| t.codes.get(i)) {
                if c.mode == 0 {
                    // Table-mode switch: the value names the new table (1-based).
                    let next = usize::try_from(c.value).unwrap_or(0);
                    if next == 0 || next > tables.len() {
                        return Err(Error::format_at(
                            field,
                            offset + bit / 8,
                            format!("switch to Huffman table {} which is not defined", c.value),
                        ));
                    }
                    table = next - 1;
                    continue 'samples;
                }
                let extra = c.total_bits - c.prefix_bits;
                if extra == 0 {
                    values.push(i32::from(c.value));
                } else {
                    if bit + u64::from(extra) > total_bits {
                        break 'samples;
                    }
                    let mut v: u64 = 0;
                    for _ in 0..extra {
                        v = (v << 1) | u64::from(read_bit(&mut bit));
                    }
                    // Two's complement of `extra` bits.
                    let signed = if v & (1 << (extra - 1)) != 0 {
                        (v as i64) - (1i64 << extra)
                    } else {
                        v as i64
                    };
                    values.push(signed.clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32);
                }
                continue 'samples;
            }
            if len >= 32 {
                return Err(Error::format_at(
                    field,
                    offset + bit / 8,
                    format!(
                        "no Huffman code matches the bits at sample {} (bit {})",
                        values.len(),
                        bit
                    ),
                ));
            }
        }
    }
    let short = values.len() < n;
    Ok(Decoded { values, short })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Packs a string of '0'/'1' into bytes, MSB first.
    fn pack(bits: &str) -> Vec<u8> {
        let mut out = vec![0u8; bits.len().div_ceil(8)];
        for (i, c) in bits.chars().enumerate() {
            if c == '1' {
                out[i / 8] |= 0x80 >> (i % 8);
            }
        }
        out
    }

    #[test]
    fn default_table_decodes_small_values_and_escapes() {
        let t = vec![Table::default_table()];
        // 0, +1, -1, +2, -8, escape8(-3), escape16(1000)
        let bits = "0".to_string()
            + "100"
            + "101"
            + "1100"
            + "1111111101"
            + "1111111110"
            + "11111101"
            + "1111111111"
            + "0000001111101000";
        let d = decode(&pack(&bits), 7, &t, 0, "test").unwrap();
        assert_eq!(d.values, vec![0, 1, -1, 2, -8, -3, 1000]);
        assert!(!d.short);
    }

    #[test]
    fn running_out_of_bits_is_reported_not_a_panic() {
        let t = vec![Table::default_table()];
        // "100" = +1, then a 16-bit escape whose value is cut off.
        let d = decode(&pack("1001111111111000"), 5, &t, 0, "test").unwrap();
        assert_eq!(d.values, vec![1]);
        assert!(d.short);
    }

    #[test]
    fn custom_table_codes_are_stored_bit_reversed() {
        // Two codes: "1" -> 7 (stored reversed "1"), "01" -> -7 (stored reversed: 0b10).
        let mut data = vec![1, 0, 2, 0];
        data.extend_from_slice(&[1, 1, 1, 7, 0, 1, 0, 0, 0]);
        data.extend_from_slice(&[2, 2, 1, 0xf9, 0xff, 2, 0, 0, 0]);
        let tables = parse_tables(&data, 0).unwrap();
        let d = decode(&pack("1011"), 3, &tables, 0, "test").unwrap();
        assert_eq!(d.values, vec![7, -7, 7]);
    }
}
