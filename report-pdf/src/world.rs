//! The Typst "world" of the report: everything the compiler may read, held in memory.
//!
//! Typst asks its world for the main source, every other file, the fonts and today's
//! date. Ours answers from what the binary carries and what the caller passed in, and
//! from nothing else: the template is compiled in (`include_str!`), the fonts too (the
//! four Libertinus Serif faces the template sets, [`FONT_FILES`]), the data and the charts are virtual files made
//! for this one report. There is no file system access and no package download: an
//! `#import "@preview/…"` or a path outside the virtual files is an error, so a report
//! renders the same on a phone at a checkpoint as in Bamako, offline, and the same
//! input and date give the same bytes.

use std::collections::HashMap;
use std::sync::OnceLock;

use typst::diag::{FileError, FileResult};
use typst::foundations::{Bytes, Datetime};
use typst::syntax::{FileId, Source, VirtualPath};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};

/// The faces the template and the charts use (Libertinus Serif: regular, bold, italic),
/// from typst-assets 0.14.2 (`report-pdf/fonts`, SIL Open Font License in `OFL.txt`). Only
/// these are compiled in: all of typst-assets' fonts (its math and monospace families
/// too) weighed 8.7 MB of a 22 MB app; the report sets its font and uses no math.
pub const FONT_FILES: [&[u8]; 4] = [
    include_bytes!("../fonts/LibertinusSerif-Regular.otf"),
    include_bytes!("../fonts/LibertinusSerif-Bold.otf"),
    include_bytes!("../fonts/LibertinusSerif-Italic.otf"),
    include_bytes!("../fonts/LibertinusSerif-BoldItalic.otf"),
];

/// The fonts, parsed once per process: parsing them is the slow part of a first render.
struct Fonts {
    book: LazyHash<FontBook>,
    fonts: Vec<Font>,
}

fn fonts() -> &'static Fonts {
    static FONTS: OnceLock<Fonts> = OnceLock::new();
    FONTS.get_or_init(|| {
        let fonts: Vec<Font> = FONT_FILES.into_iter().flat_map(|data| Font::iter(Bytes::new(data))).collect();
        Fonts { book: LazyHash::new(FontBook::from_fonts(&fonts)), fonts }
    })
}

fn library() -> &'static LazyHash<Library> {
    static LIBRARY: OnceLock<LazyHash<Library>> = OnceLock::new();
    LIBRARY.get_or_init(|| LazyHash::new(Library::default()))
}

/// A world made of one main source and named virtual files (paths from the root, such
/// as `/data.json` or `/charts/regions.svg`).
pub struct ReportWorld {
    main: Source,
    files: HashMap<FileId, Bytes>,
    today: Datetime,
}

impl ReportWorld {
    /// `today` is what the template's `datetime.today()` and the PDF's creation date
    /// read: passed in, never the clock, so a render is reproducible.
    pub fn new(main_text: &str, files: Vec<(String, Vec<u8>)>, today: chrono::NaiveDate) -> ReportWorld {
        use chrono::Datelike;
        let main_id = FileId::new(None, VirtualPath::new("/main.typ"));
        let files = files
            .into_iter()
            .map(|(path, bytes)| (FileId::new(None, VirtualPath::new(&path)), Bytes::new(bytes)))
            .collect();
        let today = Datetime::from_ymd(today.year(), today.month() as u8, today.day() as u8)
            .unwrap_or_else(|| Datetime::from_ymd(1970, 1, 1).expect("a valid date"));
        ReportWorld { main: Source::new(main_id, main_text.to_string()), files, today }
    }
}

impl World for ReportWorld {
    fn library(&self) -> &LazyHash<Library> {
        library()
    }

    fn book(&self) -> &LazyHash<FontBook> {
        &fonts().book
    }

    fn main(&self) -> FileId {
        self.main.id()
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.main.id() {
            return Ok(self.main.clone());
        }
        // Only the main file is Typst code: data never becomes a source to evaluate.
        Err(self.not_found(id))
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        self.files.get(&id).cloned().ok_or_else(|| self.not_found(id))
    }

    fn font(&self, index: usize) -> Option<Font> {
        fonts().fonts.get(index).cloned()
    }

    fn today(&self, _offset: Option<i64>) -> Option<Datetime> {
        Some(self.today)
    }
}

impl ReportWorld {
    fn not_found(&self, id: FileId) -> FileError {
        if let Some(package) = id.package() {
            // Nothing is fetched: a package import is refused, not downloaded.
            return FileError::Package(typst::diag::PackageError::NotFound(package.clone()));
        }
        FileError::NotFound(id.vpath().as_rootless_path().to_path_buf())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use typst::layout::PagedDocument;

    fn compile(main: &str) -> Result<PagedDocument, String> {
        let world = ReportWorld::new(main, vec![], chrono::NaiveDate::from_ymd_opt(2026, 12, 2).unwrap());
        typst::compile::<PagedDocument>(&world)
            .output
            .map_err(|errors| errors.iter().map(|e| e.message.to_string()).collect::<Vec<_>>().join("; "))
    }

    #[test]
    fn the_embedded_fonts_are_found() {
        assert_eq!(fonts().fonts.len(), 4, "the four faces are compiled in, and only they");
        assert_eq!(fonts().book.select_family("libertinus serif").count(), 4);
    }

    /// Every character the report writes itself (the template, the labels and the
    /// charts' texts) is drawn by the one family compiled in: there is no other font to
    /// fall back on. The typography of French (’ « » — …) and the letters of Malian
    /// place names (é è ê à ç ï ô) included.
    #[test]
    fn the_compiled_in_faces_cover_every_character_the_report_writes() {
        let sources =
            [crate::TEMPLATE, include_str!("view.rs"), include_str!("charts.rs"), "’«»—–…éèêëàâçïîôûùœÉÈÀÇ€°"];
        for font in &fonts().fonts {
            let face = font.ttf();
            let missing: std::collections::BTreeSet<char> = sources
                .iter()
                .flat_map(|s| s.chars())
                .filter(|c| !c.is_control() && face.glyph_index(*c).is_none())
                .collect();
            assert!(missing.is_empty(), "{:?} has no glyph for {missing:?}", font.info().family);
        }
    }

    #[test]
    fn a_package_import_is_refused_not_downloaded() {
        let error = compile("#import \"@preview/cetz:0.3.0\": canvas\nHello").unwrap_err();
        assert!(error.contains("cetz") || error.contains("package"), "{error}");
    }

    #[test]
    fn a_file_outside_the_virtual_files_is_not_read() {
        let error = compile("#read(\"/etc/passwd\")").unwrap_err();
        assert!(error.contains("not found") || error.contains("passwd"), "{error}");
    }

    #[test]
    fn today_is_the_date_passed_in() {
        let document = compile("#datetime.today().display()").unwrap();
        assert_eq!(document.pages.len(), 1);
    }
}
