//! The dashboard's CSV exports (payments, the audit log): RFC 4180 through the `csv` crate —
//! a field is quoted when it holds a comma, a quote or a line break, quotes doubled, lines end
//! in CRLF — and a field a spreadsheet would run as a formula starts with `'`, so a name or an
//! address someone typed can never become one.

use std::borrow::Cow;

use super::super::ApiError;

pub struct CsvExport {
    writer: csv::Writer<Vec<u8>>,
}

impl CsvExport {
    pub fn new(header: &[&str]) -> Result<Self, ApiError> {
        let mut export = Self {
            writer: csv::WriterBuilder::new()
                .terminator(csv::Terminator::CRLF)
                .from_writer(Vec::new()),
        };
        export.row(header.iter().copied())?;
        Ok(export)
    }

    pub fn row<S: AsRef<str>>(
        &mut self,
        fields: impl IntoIterator<Item = S>,
    ) -> Result<(), ApiError> {
        self.writer
            .write_record(
                fields
                    .into_iter()
                    .map(|field| defused(field.as_ref()).into_owned()),
            )
            .map_err(failed)
    }

    pub fn finish(self) -> Result<String, ApiError> {
        let bytes = self
            .writer
            .into_inner()
            .map_err(|error| failed(error.error()))?;
        String::from_utf8(bytes).map_err(failed)
    }
}

fn failed(error: impl std::fmt::Display) -> ApiError {
    tracing::error!(%error, "a CSV export could not be written");
    ApiError::internal()
}

/// A leading `=`, `+`, `-`, `@`, tab or carriage return makes a spreadsheet read a formula;
/// a number (a negative amount) stays a number.
fn defused(field: &str) -> Cow<'_, str> {
    if field.starts_with(['=', '+', '-', '@', '\t', '\r']) && field.parse::<f64>().is_err() {
        Cow::Owned(format!("'{field}"))
    } else {
        Cow::Borrowed(field)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(field: &str) -> String {
        let mut export = CsvExport {
            writer: csv::WriterBuilder::new()
                .terminator(csv::Terminator::CRLF)
                .from_writer(Vec::new()),
        };
        export.row([field, "next"]).unwrap();
        export.finish().unwrap()
    }

    #[test]
    fn fields_are_quoted_as_rfc_4180_says_and_formulas_are_defused() {
        assert_eq!(line("Степан"), "Степан,next\r\n");
        assert_eq!(line("Иванов, Пётр"), "\"Иванов, Пётр\",next\r\n");
        assert_eq!(line("say \"hi\""), "\"say \"\"hi\"\"\",next\r\n");
        assert_eq!(line("two\nlines"), "\"two\nlines\",next\r\n");
        assert_eq!(line("=HYPERLINK(1)"), "'=HYPERLINK(1),next\r\n");
        assert_eq!(line("\tcmd"), "'\tcmd,next\r\n");
        assert_eq!(line("-5"), "-5,next\r\n");
    }
}
