//! Files people attach to a dispute or a message: a PDF, PNG or JPEG of at most 5 MB, its
//! type decided by its first bytes, never by its name (a renamed program is refused).

/// The largest file accepted, in bytes (5 MB).
pub const MAX_BYTES: usize = 5 * 1024 * 1024;

stored_enum! {
    /// The kinds of file accepted, stored as their media type in `attachments.content_type`.
    pub enum AttachmentKind {
        Pdf = "application/pdf",
        Png = "image/png",
        Jpeg = "image/jpeg",
    }
}

impl AttachmentKind {
    /// The kind the bytes really are, from their signature; none for anything else.
    pub fn sniff(bytes: &[u8]) -> Option<AttachmentKind> {
        const PDF: &[u8] = b"%PDF-";
        const PNG: &[u8] = b"\x89PNG\r\n\x1a\n";
        const JPEG: &[u8] = &[0xFF, 0xD8, 0xFF];
        if bytes.starts_with(PDF) {
            Some(AttachmentKind::Pdf)
        } else if bytes.starts_with(PNG) {
            Some(AttachmentKind::Png)
        } else if bytes.starts_with(JPEG) {
            Some(AttachmentKind::Jpeg)
        } else {
            None
        }
    }

    /// The file name ending a download gets.
    pub fn extension(self) -> &'static str {
        match self {
            AttachmentKind::Pdf => "pdf",
            AttachmentKind::Png => "png",
            AttachmentKind::Jpeg => "jpg",
        }
    }
}

/// Why a file was refused, in words for the person (shown next to the file field).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AttachmentProblem {
    #[error("The file is empty. Choose a PDF, PNG or JPEG file.")]
    Empty,
    #[error("The file must be smaller than 5 MB.")]
    TooLarge,
    #[error("The file must be a PDF, PNG or JPEG.")]
    WrongType,
}

/// A file that passed the checks, ready to store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckedFile {
    pub kind: AttachmentKind,
    /// The name it had, made safe to show and to offer as a download name.
    pub file_name: String,
    pub bytes: Vec<u8>,
}

impl CheckedFile {
    /// Checks size and content; the name is only kept for display.
    pub fn check(file_name: &str, bytes: Vec<u8>) -> Result<CheckedFile, AttachmentProblem> {
        if bytes.is_empty() {
            return Err(AttachmentProblem::Empty);
        }
        if bytes.len() > MAX_BYTES {
            return Err(AttachmentProblem::TooLarge);
        }
        let kind = AttachmentKind::sniff(&bytes).ok_or(AttachmentProblem::WrongType)?;
        Ok(CheckedFile {
            kind,
            file_name: safe_name(file_name, kind),
            bytes,
        })
    }
}

/// Letters, digits, spaces, dots, dashes and underscores only, at most 100 characters, with
/// the extension the content really has.
fn safe_name(file_name: &str, kind: AttachmentKind) -> String {
    let base = file_name.rsplit(['/', '\\']).next().unwrap_or_default();
    let stem = base.rsplit_once('.').map_or(base, |(stem, _)| stem);
    let cleaned: String = stem
        .chars()
        .filter(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '_' | '.'))
        .take(100)
        .collect();
    let cleaned = cleaned.trim().trim_matches('.');
    let stem = if cleaned.is_empty() {
        "attachment"
    } else {
        cleaned
    };
    format!("{stem}.{}", kind.extension())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_decides_the_type_not_the_name() {
        let exe = b"MZ\x90\x00 a program".to_vec();
        assert_eq!(
            CheckedFile::check("receipt.pdf", exe),
            Err(AttachmentProblem::WrongType)
        );
        let pdf = b"%PDF-1.7 ...".to_vec();
        let checked = CheckedFile::check("photo.png", pdf).unwrap();
        assert_eq!(checked.kind, AttachmentKind::Pdf);
        assert_eq!(checked.file_name, "photo.pdf");
    }

    #[test]
    fn empty_and_oversized_files_are_refused() {
        assert_eq!(
            CheckedFile::check("a.pdf", Vec::new()),
            Err(AttachmentProblem::Empty)
        );
        let mut big = b"%PDF-".to_vec();
        big.resize(MAX_BYTES + 1, b' ');
        assert_eq!(
            CheckedFile::check("a.pdf", big),
            Err(AttachmentProblem::TooLarge)
        );
        let mut exact = b"\x89PNG\r\n\x1a\n".to_vec();
        exact.resize(MAX_BYTES, 0);
        assert!(CheckedFile::check("a.png", exact).is_ok());
    }

    #[test]
    fn names_are_made_safe() {
        let jpeg = vec![0xFF, 0xD8, 0xFF, 0xE0];
        let checked = CheckedFile::check("../../etc/<script>bill.jpeg", jpeg.clone()).unwrap();
        assert_eq!(checked.file_name, "scriptbill.jpg");
        let checked = CheckedFile::check("", jpeg).unwrap();
        assert_eq!(checked.file_name, "attachment.jpg");
    }
}
