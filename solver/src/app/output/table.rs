//! A table of named columns (numbers or text), written as CSV, as a markdown table, or
//! aligned for a terminal: `ansatz collect`'s sweep table and `ansatz compare`'s.

/// One column of a table.
pub enum Column {
    /// Numbers, NaN where a run has none.
    Numbers(Vec<f64>),
    /// Text.
    Text(Vec<String>),
}

/// Columns in order; every column has one value per row.
pub struct Table {
    /// Name and values of each column.
    pub columns: Vec<(String, Column)>,
}

impl Table {
    /// The column called `name`, if any.
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|(n, _)| n == name).map(|(_, c)| c)
    }

    fn rows(&self) -> usize {
        match self.columns.first() {
            Some((_, Column::Numbers(v))) => v.len(),
            Some((_, Column::Text(v))) => v.len(),
            None => 0,
        }
    }

    fn cell(&self, column: usize, row: usize, readable: bool) -> String {
        match &self.columns[column].1 {
            Column::Text(v) => v[row].clone(),
            Column::Numbers(v) => number(v[row], readable),
        }
    }

    /// CSV with a header row; missing numbers are empty cells, numbers round-trip exactly.
    pub fn csv(&self) -> String {
        let quote = |s: String| {
            if s.contains([',', '"', '\n']) {
                format!("\"{}\"", s.replace('"', "\"\""))
            } else {
                s
            }
        };
        let header: Vec<String> = self.columns.iter().map(|(n, _)| quote(n.clone())).collect();
        let mut lines = vec![header.join(",")];
        for r in 0..self.rows() {
            let row: Vec<String> = (0..self.columns.len())
                .map(|c| quote(self.cell(c, r, false)))
                .collect();
            lines.push(row.join(","));
        }
        lines.join("\n") + "\n"
    }

    /// A markdown table (numbers as on screen).
    pub fn markdown(&self) -> String {
        let row = |cells: Vec<String>| format!("| {} |", cells.join(" | "));
        let mut lines = vec![
            row(self.columns.iter().map(|(n, _)| n.clone()).collect()),
            row(self.columns.iter().map(|_| "---".to_string()).collect()),
        ];
        for r in 0..self.rows() {
            lines.push(row((0..self.columns.len())
                .map(|c| self.cell(c, r, true).replace('|', "\\|"))
                .collect()));
        }
        lines.join("\n") + "\n"
    }

    /// Aligned columns for the terminal.
    pub fn pretty(&self) -> String {
        let cells: Vec<Vec<String>> = (0..self.columns.len())
            .map(|c| {
                std::iter::once(self.columns[c].0.clone())
                    .chain((0..self.rows()).map(|r| self.cell(c, r, true)))
                    .collect()
            })
            .collect();
        let widths: Vec<usize> = cells
            .iter()
            .map(|col| col.iter().map(|s| s.chars().count()).max().unwrap_or(0))
            .collect();
        (0..=self.rows())
            .map(|r| {
                let line: Vec<String> = cells
                    .iter()
                    .zip(&widths)
                    .map(|(col, w)| format!("{:<w$}", col[r]))
                    .collect();
                line.join("  ").trim_end().to_string()
            })
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// A cell: exact (shortest round-trip) for files, four significant digits for reading.
fn number(v: f64, readable: bool) -> String {
    let exact = format!("{v}");
    if v.is_nan() {
        String::new()
    } else if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else if !readable || exact.len() <= 6 {
        exact
    } else if (1e-2..1e5).contains(&v.abs()) {
        let decimals = (3 - v.abs().log10().floor() as i32).max(0) as usize;
        format!("{v:.decimals$}")
    } else {
        format!("{v:.3e}")
    }
}

#[cfg(test)]
mod tests {
    use super::{number, Column, Table};

    #[test]
    fn cells_are_exact_in_files_and_short_on_screen() {
        let v = 0.009797999258010968;
        assert_eq!(number(v, false).parse::<f64>().unwrap(), v);
        assert_eq!(number(v, true), "9.798e-3");
        assert_eq!(number(7.033262, true), "7.033");
        assert_eq!(number(123.4567, true), "123.5");
        assert_eq!(number(0.05, true), "0.05");
        assert_eq!(number(3000.0, true), "3000");
        assert_eq!(number(f64::NAN, true), "");
    }

    #[test]
    fn markdown_has_a_header_rule_and_escaped_cells() {
        let t = Table {
            columns: vec![
                (
                    "method".into(),
                    Column::Text(vec!["pinn".into(), "a|b".into()]),
                ),
                ("l2".into(), Column::Numbers(vec![0.5, f64::NAN])),
            ],
        };
        assert_eq!(
            t.markdown(),
            "| method | l2 |\n| --- | --- |\n| pinn | 0.5 |\n| a\\|b |  |\n"
        );
    }
}
