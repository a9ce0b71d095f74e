//! Text that may hold a password: a database URL, or a password itself. Its `Debug` shows
//! no content, so a debug print, a derived `Debug` of a settings struct or a panic message
//! never carries the secret; code that needs the text asks for it by name.

use serde::Deserialize;

#[derive(Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(text: impl Into<String>) -> Secret {
        Secret(text.into())
    }

    /// The text itself, for the one place that must use it (a connection).
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(..)")
    }
}

impl std::str::FromStr for Secret {
    type Err = std::convert::Infallible;

    fn from_str(text: &str) -> Result<Secret, Self::Err> {
        Ok(Secret::new(text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_text() {
        let url = Secret::new("postgres://app:s3cret@db/app");
        assert_eq!(format!("{url:?}"), "Secret(..)");
        assert_eq!(format!("{:?}", Some(&url)), "Some(Secret(..))");
        assert_eq!(url.expose(), "postgres://app:s3cret@db/app");
    }
}
