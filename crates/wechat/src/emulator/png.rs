//! The picture of an emulated mini-program code: a small grayscale PNG whose pattern is
//! derived from the scene, with the scene itself in a `tEXt` chunk (keyword `scene`), so a
//! test "scans" it by reading that chunk. Written by hand (stored deflate blocks, CRC-32,
//! Adler-32): a few lines, for a test fixture, rather than an image crate.

/// Modules per side and pixels per module: 21 × 5 = 105 pixels, about 11 kB.
const MODULES: usize = 21;
const SCALE: usize = 5;

/// The PNG of the code for `scene`. `width` (WeChat's 280–1280) is recorded in a `tEXt`
/// chunk only; the picture stays small.
pub(super) fn mini_program_code(scene: &str, width: u32) -> Vec<u8> {
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, scene.as_bytes());
    let bits = digest.as_ref();
    let side = MODULES * SCALE;
    let mut raw = Vec::with_capacity(side * (side + 1));
    for y in 0..side {
        raw.push(0); // filter: none
        for x in 0..side {
            let (mx, my) = (x / SCALE, y / SCALE);
            let index = my * MODULES + mx;
            let dark = finder(mx, my) || (bits[(index / 8) % bits.len()] >> (index % 8)) & 1 == 1;
            raw.push(if dark { 0 } else { 255 });
        }
    }
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let side = u32::try_from(side).unwrap_or(u32::MAX);
    let mut header = Vec::new();
    header.extend_from_slice(&side.to_be_bytes());
    header.extend_from_slice(&side.to_be_bytes());
    header.extend_from_slice(&[8, 0, 0, 0, 0]); // 8-bit grayscale, no interlace
    chunk(&mut png, b"IHDR", &header);
    chunk(&mut png, b"tEXt", format!("scene\0{scene}").as_bytes());
    chunk(&mut png, b"tEXt", format!("width\0{width}").as_bytes());
    chunk(&mut png, b"IDAT", &zlib_stored(&raw));
    chunk(&mut png, b"IEND", &[]);
    png
}

/// The three corner squares every code has.
fn finder(x: usize, y: usize) -> bool {
    let near = |v: usize| !(7..MODULES - 7).contains(&v);
    let corner = near(x) && near(y) && !(x >= MODULES - 7 && y >= MODULES - 7);
    if !corner {
        return false;
    }
    let (cx, cy) = (x % (MODULES - 7), y % (MODULES - 7));
    let ring = cx.max(cy) == 6 || cx.min(cy) == 0 || (2..=4).contains(&cx) && (2..=4).contains(&cy);
    ring && cx < 7 && cy < 7
}

fn chunk(png: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    png.extend_from_slice(&u32::try_from(data.len()).unwrap_or(0).to_be_bytes());
    let start = png.len();
    png.extend_from_slice(kind);
    png.extend_from_slice(data);
    let crc = crc32(&png[start..]);
    png.extend_from_slice(&crc.to_be_bytes());
}

/// zlib with stored (uncompressed) deflate blocks.
fn zlib_stored(data: &[u8]) -> Vec<u8> {
    let mut out = vec![0x78, 0x01];
    let blocks: Vec<&[u8]> = data.chunks(65_535).collect();
    for (i, block) in blocks.iter().enumerate() {
        out.push(u8::from(i + 1 == blocks.len()));
        let len = u16::try_from(block.len()).unwrap_or(u16::MAX);
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&(!len).to_le_bytes());
        out.extend_from_slice(block);
    }
    let (mut a, mut b) = (1u32, 0u32);
    for &byte in data {
        a = (a + u32::from(byte)) % 65_521;
        b = (b + a) % 65_521;
    }
    out.extend_from_slice(&((b << 16) | a).to_be_bytes());
    out
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &byte in data {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// The scene a code's PNG carries (what a phone would read from it).
pub fn scene_of(png: &[u8]) -> Option<String> {
    let mut at = 8;
    while at + 8 <= png.len() {
        let len = u32::from_be_bytes(png[at..at + 4].try_into().ok()?) as usize;
        let kind = &png[at + 4..at + 8];
        let data = png.get(at + 8..at + 8 + len)?;
        if kind == b"tEXt"
            && let Some(scene) = data.strip_prefix(b"scene\0")
        {
            return String::from_utf8(scene.to_vec()).ok();
        }
        at += 12 + len;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc_matches_the_png_reference_value() {
        // The CRC of an empty IEND chunk, as in every PNG file.
        assert_eq!(crc32(b"IEND"), 0xAE42_6082);
    }

    #[test]
    fn the_scene_reads_back_and_the_picture_depends_on_it() {
        let png = mini_program_code("ticket-1", 430);
        assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"));
        assert_eq!(scene_of(&png).as_deref(), Some("ticket-1"));
        assert_ne!(png, mini_program_code("ticket-2", 430));
    }
}
