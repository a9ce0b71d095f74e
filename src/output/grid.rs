//! Tables that fit a width without splitting a word. Free text wraps between words, and a
//! `quoted` or "quoted" span (SQL, a policy's name) stays whole; identifiers, times and
//! numbers are never cut. When the table cannot fit, times take their short form, then the
//! side columns (fixes, details) move under the table, and last the rows become records.

use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{Cell, Color, ContentArrangement, Table};
use unicode_width::UnicodeWidthStr;

/// How a column's text may be laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fit {
    /// Never wrapped: identifiers, times, numbers.
    Keep,
    /// Free text, wrapped between words.
    Wrap,
    /// Long free text that goes under the table, row by row, when the table is narrow.
    Aside,
}

/// A side column inline narrower than this reads worse than under the table.
const NARROWEST_ASIDE: usize = 24;

/// One cell: its text, a shorter form for narrow tables (times), and a colour.
#[derive(Debug, Clone, Default)]
pub struct Text {
    full: String,
    short: Option<String>,
    color: Option<Color>,
}

impl Text {
    pub fn new(full: impl Into<String>) -> Text {
        Text {
            full: full.into(),
            ..Text::default()
        }
    }

    /// The form shown when the full one does not fit.
    pub fn short(mut self, short: impl Into<String>) -> Text {
        self.short = Some(short.into());
        self
    }

    pub fn fg(mut self, color: Color) -> Text {
        self.color = Some(color);
        self
    }

    fn text(&self, short: bool) -> &str {
        match (&self.short, short) {
            (Some(s), true) => s,
            _ => &self.full,
        }
    }
}

impl<T: Into<String>> From<T> for Text {
    fn from(text: T) -> Text {
        Text::new(text)
    }
}

struct Column {
    header: String,
    fit: Fit,
    /// Names the row under the table and in records.
    label: bool,
}

pub struct Grid {
    columns: Vec<Column>,
    rows: Vec<Vec<Text>>,
}

/// What a layout gave up to fit: long times, side columns inline.
#[derive(Debug, Clone, Copy)]
struct Plan {
    short: bool,
    aside: bool,
}

/// The layouts tried, from giving up nothing to giving up both.
const PLANS: [Plan; 3] = [
    Plan {
        short: false,
        aside: false,
    },
    Plan {
        short: true,
        aside: false,
    },
    Plan {
        short: true,
        aside: true,
    },
];

impl Grid {
    /// Columns by header; the first names each row unless `label_columns` says otherwise.
    pub fn new(columns: &[(&str, Fit)]) -> Grid {
        Grid {
            columns: columns
                .iter()
                .enumerate()
                .map(|(i, (header, fit))| Column {
                    header: (*header).to_string(),
                    fit: *fit,
                    label: i == 0,
                })
                .collect(),
            rows: Vec::new(),
        }
    }

    /// Names the columns whose values name a row (under the table, in records).
    pub fn label_columns(mut self, columns: &[usize]) -> Grid {
        for (i, column) in self.columns.iter_mut().enumerate() {
            column.label = columns.contains(&i);
        }
        self
    }

    pub fn row(&mut self, cells: Vec<Text>) {
        self.rows.push(cells);
    }

    /// The table at `width` columns (`None`: as wide as it comes).
    pub fn render(&self, width: Option<usize>) -> String {
        let Some(width) = width else {
            return self.draw(&self.naturals(PLANS[0]), PLANS[0]);
        };
        for plan in PLANS {
            if let Some(widths) = self.fit(width, plan) {
                let mut text = self.draw(&widths, plan);
                if plan.aside {
                    text.push_str(&self.asides(width));
                }
                return text;
            }
        }
        self.records(width)
    }

    fn shown(&self, plan: Plan) -> impl Iterator<Item = (usize, &Column)> {
        self.columns
            .iter()
            .enumerate()
            .filter(move |(_, c)| !(plan.aside && c.fit == Fit::Aside))
    }

    fn cell(&self, row: usize, column: usize, plan: Plan) -> &str {
        self.rows[row]
            .get(column)
            .map_or("", |t| t.text(plan.short))
    }

    /// Each shown column's width with nothing wrapped.
    fn naturals(&self, plan: Plan) -> Vec<(usize, usize)> {
        self.shown(plan)
            .map(|(i, c)| {
                let widest = (0..self.rows.len())
                    .flat_map(|r| self.cell(r, i, plan).lines().map(UnicodeWidthStr::width))
                    .max()
                    .unwrap_or(0);
                (i, widest.max(c.header.width()))
            })
            .collect()
    }

    /// Column widths that fit `width`, wrapping free text no narrower than its longest word.
    fn fit(&self, width: usize, plan: Plan) -> Option<Vec<(usize, usize)>> {
        let naturals = self.naturals(plan);
        let overhead = 3 * naturals.len() + 1;
        let mut widths: Vec<(usize, usize)> = naturals
            .iter()
            .map(|&(i, natural)| {
                let column = &self.columns[i];
                let least = match column.fit {
                    Fit::Keep => natural,
                    Fit::Wrap | Fit::Aside => {
                        let word = (0..self.rows.len())
                            .flat_map(|r| words(self.cell(r, i, plan), 0))
                            .map(|w| w.width())
                            .max()
                            .unwrap_or(0)
                            .max(column.header.width());
                        if column.fit == Fit::Aside {
                            word.max(NARROWEST_ASIDE.min(natural))
                        } else {
                            word
                        }
                    }
                };
                (i, least)
            })
            .collect();
        let least: usize = widths.iter().map(|(_, w)| w).sum();
        if least + overhead > width {
            return None;
        }
        // Hand the room left, a column at a time, to the text that still wraps the most.
        let mut room = width - overhead - least;
        while room > 0 {
            let widest_need = widths
                .iter()
                .zip(&naturals)
                .enumerate()
                .filter(|(_, ((_, w), (_, n)))| w < n)
                .max_by_key(|(_, ((_, w), (_, n)))| n - w)
                .map(|(k, _)| k);
            let Some(k) = widest_need else { break };
            widths[k].1 += 1;
            room -= 1;
        }
        Some(widths)
    }

    fn draw(&self, widths: &[(usize, usize)], plan: Plan) -> String {
        let mut table = Table::new();
        table
            .load_style(UTF8_FULL_CONDENSED)
            .set_content_arrangement(ContentArrangement::Disabled)
            .set_header(
                widths
                    .iter()
                    .map(|&(i, _)| self.columns[i].header.as_str())
                    .collect::<Vec<_>>(),
            );
        for row in &self.rows {
            table.add_row(widths.iter().map(|&(i, w)| {
                let text = row.get(i).cloned().unwrap_or_default();
                let wrapped = wrap(text.text(plan.short), w).join("\n");
                match text.color {
                    Some(color) => Cell::new(wrapped).fg(color),
                    None => Cell::new(wrapped),
                }
            }));
        }
        table.to_string()
    }

    fn label(&self, row: &[Text]) -> String {
        self.columns
            .iter()
            .zip(row)
            .filter(|(c, t)| c.label && !t.full.is_empty())
            .map(|(_, t)| t.full.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Fields as `header: text`, each under its row's name, wrapped to `width`.
    fn fields(&self, row: &[Text], which: impl Fn(&Column) -> bool, width: usize) -> String {
        let mut text = String::new();
        for (column, cell) in self.columns.iter().zip(row) {
            if !which(column) || cell.full.is_empty() {
                continue;
            }
            let field = format!("{}: {}", column.header, cell.full.replace('\n', " "));
            let lines = wrap(&field, width.saturating_sub(4).max(1));
            for (n, line) in lines.iter().enumerate() {
                let indent = if n == 0 { "  " } else { "    " };
                text.push_str(&format!("\n{indent}{line}"));
            }
        }
        text
    }

    /// The side columns, under the table.
    fn asides(&self, width: usize) -> String {
        let mut text = String::new();
        for row in &self.rows {
            let fields = self.fields(row, |c| c.fit == Fit::Aside, width);
            if !fields.is_empty() {
                text.push_str(&format!("\n{}{fields}", self.label(row)));
            }
        }
        text
    }

    /// Each row as its name, then its fields: for tables no width can hold.
    fn records(&self, width: usize) -> String {
        self.rows
            .iter()
            .map(|row| {
                format!(
                    "{}{}",
                    self.label(row),
                    self.fields(row, |c| !c.label, width)
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// The lines of `text` wider than `width` wrapped between words, continued two columns in;
/// the lines of a table (laid out already) as they are.
pub fn fit_lines(text: &str, width: Option<usize>) -> String {
    let Some(width) = width else {
        return text.to_string();
    };
    let mut lines = Vec::new();
    for line in text.split('\n') {
        let boxed = line.starts_with(['│', '┌', '╞', '└', '├']);
        if boxed || line.width() <= width {
            lines.push(line.to_string());
            continue;
        }
        let indent = line.len() - line.trim_start().len() + 2;
        for (n, part) in wrap(line.trim_start(), width.saturating_sub(indent).max(1))
            .into_iter()
            .enumerate()
        {
            let pad = if n == 0 { indent - 2 } else { indent };
            lines.push(format!("{}{part}", " ".repeat(pad)));
        }
    }
    lines.join("\n")
}

/// A line's words: split at spaces, except inside a closed `...` or "..." span, and after a
/// word ending in `:`, which stays with the word it names (`table: public.a`) while the two
/// fit in `glue` columns.
fn words(line: &str, glue: usize) -> Vec<&str> {
    let mut words: Vec<&str> = Vec::new();
    let mut glued: Option<usize> = None;
    for (start, end) in spans(line) {
        let from = glued.filter(|&from| line[from..end].width() <= glue);
        if from.is_some() {
            words.pop();
        }
        let from = from.unwrap_or(start);
        words.push(&line[from..end]);
        glued = line[start..end].ends_with(':').then_some(from);
    }
    words
}

/// Where a line's words start and end: split at spaces, except inside a closed `...` or
/// "..." span.
fn spans(line: &str) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let mut start: Option<usize> = None;
    let mut quote: Option<char> = None;
    for (at, c) in line.char_indices() {
        match (c, quote) {
            (' ', None) => {
                if let Some(s) = start.take() {
                    spans.push((s, at));
                }
                continue;
            }
            (c, Some(q)) if c == q => quote = None,
            ('`' | '"', None) if line[at + 1..].contains(c) => quote = Some(c),
            _ => {}
        }
        start.get_or_insert(at);
    }
    if let Some(s) = start {
        spans.push((s, line.len()));
    }
    spans
}

/// `text` in lines of at most `width` columns, broken only between words; a word wider
/// than `width` stays whole on its own line.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    for line in text.split('\n') {
        let mut current = String::new();
        for word in words(line, width) {
            if !current.is_empty() && current.width() + 1 + word.width() > width {
                lines.push(std::mem::take(&mut current));
            }
            if !current.is_empty() {
                current.push(' ');
            }
            current.push_str(word);
        }
        lines.push(current);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    fn widest(text: &str) -> usize {
        text.lines().map(|l| l.chars().count()).max().unwrap_or(0)
    }

    #[test]
    fn wrapping_breaks_between_words_and_keeps_quoted_spans_whole() {
        assert_eq!(
            wrap(
                "tie it to the owner. `using (\"id\" = (select auth.uid()))`",
                24
            ),
            vec![
                "tie it to the owner.",
                "`using (\"id\" = (select auth.uid()))`"
            ]
        );
        assert_eq!(
            wrap("policy \"Users can read own\" on t", 12),
            vec!["policy", "\"Users can read own\"", "on t"]
        );
        assert_eq!(wrap("a lone \" quote", 8), vec!["a lone \"", "quote"]);
        assert_eq!(wrap("one\ntwo three", 5), vec!["one", "two", "three"]);
        assert_eq!(wrap("", 5), vec![""]);
        assert_eq!(
            wrap("rows: 1, table: public.read_notifications", 34),
            vec!["rows: 1,", "table: public.read_notifications"]
        );
        assert_eq!(
            wrap("e.g. policies of public.a: `using (true) and more`", 30),
            vec!["e.g. policies of public.a:", "`using (true) and more`"]
        );
        assert_eq!(
            fit_lines(
                "db: 1 table in public, 2 findings\n│ a b c d e f │",
                Some(12)
            ),
            "db: 1\n  table in\n  public, 2\n  findings\n│ a b c d e f │"
        );
    }

    fn sample() -> Grid {
        let mut grid = Grid::new(&[
            ("id", Fit::Keep),
            ("job", Fit::Keep),
            ("started", Fit::Keep),
            ("detail", Fit::Aside),
        ])
        .label_columns(&[0, 1]);
        grid.row(vec![
            "7".into(),
            "read_notifications_retention".into(),
            Text::new("2026-11-29T23:45:17Z").short("11-29 23:45"),
            "removed: 1200, batches: 3, largest_batch: 1000, longest_batch_ms: 41, table: public.notifications".into(),
        ]);
        grid
    }

    #[test]
    fn without_a_width_nothing_wraps() {
        let text = sample().render(None);
        assert_eq!(text.lines().count(), 5, "{text}");
        assert!(text.contains("2026-11-29T23:45:17Z"));
    }

    #[test]
    fn a_narrow_table_shortens_times_then_moves_side_columns_under_it() {
        let wide = sample().render(Some(120));
        assert!(widest(&wide) <= 120, "{wide}");
        assert!(wide.contains("2026-11-29T23:45:17Z"), "{wide}");
        let narrow = sample().render(Some(60));
        assert!(widest(&narrow) <= 60, "{narrow}");
        assert!(narrow.contains("┆ 11-29 23:45 │"), "{narrow}");
        assert!(
            narrow.contains("\n7 read_notifications_retention\n  detail: removed: 1200,"),
            "{narrow}"
        );
    }

    #[test]
    fn a_table_no_width_holds_becomes_records() {
        let text = sample().render(Some(40));
        assert!(widest(&text) <= 40, "{text}");
        assert!(text.starts_with("7 read_notifications_retention\n  started: 2026-11-29T23:45:17Z\n  detail: removed:"), "{text}");
    }

    #[test]
    fn wrapped_columns_share_the_room_and_keep_their_words() {
        let mut grid = Grid::new(&[("check", Fit::Keep), ("problem", Fit::Wrap)]);
        grid.row(vec![
            "probe_leak".into(),
            "as anon, 3 rows owned by users can be selected through \"public read\"".into(),
        ]);
        let text = grid.render(Some(40));
        assert!(widest(&text) <= 40, "{text}");
        assert!(text.contains("\"public read\""), "{text}");
        assert!(text.contains("probe_leak"), "{text}");
    }
}
