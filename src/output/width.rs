//! The width tables are laid out for: `COLUMNS` when set (as many tools do, so a script or
//! a test can fix it), else the terminal's, else none (a pipe or a file gets lines whole).

use std::io::IsTerminal;

/// The width to lay tables out for, if any.
pub fn for_stdout() -> Option<usize> {
    let terminal = if std::io::stdout().is_terminal() {
        terminal_size::terminal_size().map(|(w, _)| usize::from(w.0))
    } else {
        None
    };
    choose(std::env::var("COLUMNS").ok().as_deref(), terminal)
}

/// `COLUMNS` wins when it holds a positive number; otherwise the terminal's width.
fn choose(columns: Option<&str>, terminal: Option<usize>) -> Option<usize> {
    columns
        .and_then(|c| c.trim().parse::<usize>().ok())
        .filter(|&w| w > 0)
        .or(terminal)
}

#[cfg(test)]
mod tests {
    use super::choose;

    #[test]
    fn columns_wins_when_it_is_a_positive_number() {
        assert_eq!(choose(Some("80"), Some(200)), Some(80));
        assert_eq!(choose(Some("120"), None), Some(120));
        assert_eq!(choose(Some("0"), Some(100)), Some(100));
        assert_eq!(choose(Some("wide"), None), None);
        assert_eq!(choose(Some(""), Some(90)), Some(90));
        assert_eq!(choose(None, Some(90)), Some(90));
        assert_eq!(choose(None, None), None);
    }
}
