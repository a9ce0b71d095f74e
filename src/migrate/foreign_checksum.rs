//! The checksums other migration tools keep of a file, computed from the file's own bytes
//! as that tool read them (before dbward's BOM and CRLF normalisation), so that `adopt`
//! can tell whether a file is still the one the tool ran. Pure.

use std::hash::{Hash, Hasher};

use sha2::{Digest, Sha384};
use siphasher::sip::SipHasher13;

/// sqlx: SHA-384 of the file as read (`read_to_string`, so the bytes themselves).
pub fn sqlx(raw: &[u8]) -> Vec<u8> {
    Sha384::digest(raw).to_vec()
}

/// The width refinery stores versions with: `int4` by default, `int8` with its
/// `int8-versions` feature. The version is hashed at that width.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefineryVersion {
    Int4(i32),
    Int8(i64),
}

/// refinery: SipHash-1-3 (keys 0, 0) over the name, the version and the text, each fed
/// through Rust's `Hash` as refinery does (a `str` is its bytes and a 0xff byte, an integer
/// its bytes).
pub fn refinery(name: &str, version: RefineryVersion, text: &str) -> u64 {
    let mut hasher = SipHasher13::new();
    name.hash(&mut hasher);
    match version {
        RefineryVersion::Int4(v) => v.hash(&mut hasher),
        RefineryVersion::Int8(v) => v.hash(&mut hasher),
    }
    text.hash(&mut hasher);
    hasher.finish()
}

/// refinery's name for a file: the word characters after the `__` of `V1__name.sql`.
pub fn refinery_name(file_stem: &str) -> Option<&str> {
    let (_, rest) = file_stem.split_once("__")?;
    let end = rest
        .char_indices()
        .find(|(_, c)| !(c.is_alphanumeric() || *c == '_'))
        .map_or(rest.len(), |(i, _)| i);
    (end > 0).then(|| &rest[..end])
}

/// Flyway: CRC-32 of the UTF-8 text line by line, without the line breaks (`\n`, `\r\n` or
/// a lone `\r`) and without a byte-order mark at the start, as a signed 32-bit number. So
/// it does not change with the line endings.
pub fn flyway(raw: &[u8]) -> i32 {
    let text = String::from_utf8_lossy(raw);
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let mut crc = crc32fast::Hasher::new();
    for piece in text.split(['\n', '\r']) {
        crc.update(piece.as_bytes());
    }
    crc.finalize() as i32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlx_is_sha384_of_the_bytes_as_they_are() {
        // sha384("") and sha384("abc") are published test vectors.
        let hex = |b: Vec<u8>| b.iter().map(|x| format!("{x:02x}")).collect::<String>();
        assert_eq!(
            hex(sqlx(b"")),
            "38b060a751ac96384cd9327eb1b1e36a21fdb71114be07434c0cc7bf63f6e1da274edebfe76f65fbd51ad2f14898b95b"
        );
        assert_eq!(
            hex(sqlx(b"abc")),
            "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7"
        );
        // A CRLF checkout is another file to sqlx.
        assert_ne!(sqlx(b"select 1;\n"), sqlx(b"select 1;\r\n"));
    }

    #[test]
    fn flyway_ignores_line_endings_and_the_bom() {
        // crc32("abc") = 0x352441c2, a published test vector.
        assert_eq!(flyway(b"abc"), 0x352441c2);
        assert_eq!(flyway(b"a\nb\nc\n"), 0x352441c2);
        assert_eq!(flyway(b"\xef\xbb\xbfa\r\nb\rc"), 0x352441c2);
        // crc32("The quick brown fox jumps over the lazy dog") = 0x414fa339.
        let text = b"The quick brown fox jumps over the lazy dog";
        assert_eq!(flyway(text), 0x414fa339);
        // Above 2^31 it is stored negative, as Java's int.
        assert!(flyway(b"select 1;") != 0);
        assert_eq!(flyway(b"123456789") as u32, 0xcbf43926);
        assert!(flyway(b"123456789") < 0);
        assert_ne!(flyway(b"create table a ();"), flyway(b"create table b ();"));
    }

    #[test]
    fn refinery_hashes_name_version_and_text() {
        // Worked out apart from this code, by a SipHash-1-3 written from its paper over
        // "initial" 0xff, 1 as 4 (or 8) little-endian bytes, "create table a ();" 0xff.
        let base = refinery("initial", RefineryVersion::Int4(1), "create table a ();");
        assert_eq!(base, 16996011285620115292);
        assert_eq!(
            refinery("initial", RefineryVersion::Int8(1), "create table a ();"),
            4119055409829126320
        );
        for other in [
            refinery("initial2", RefineryVersion::Int4(1), "create table a ();"),
            refinery("initial", RefineryVersion::Int4(2), "create table a ();"),
            refinery("initial", RefineryVersion::Int8(1), "create table a ();"),
            refinery("initial", RefineryVersion::Int4(1), "create table b ();"),
            // The 0xff after each string keeps the boundary: moving text across it shows.
            refinery("initia", RefineryVersion::Int4(1), "lcreate table a ();"),
        ] {
            assert_ne!(base, other);
        }
    }

    #[test]
    fn refinery_names_are_the_word_after_the_double_underscore() {
        assert_eq!(refinery_name("V1__initial"), Some("initial"));
        assert_eq!(refinery_name("V2__add_cars_table"), Some("add_cars_table"));
        assert_eq!(refinery_name("V3__add-cars"), Some("add"));
        assert_eq!(refinery_name("001_initial"), None);
        assert_eq!(refinery_name("V1__"), None);
    }
}
